// Checks every Storage implementation applies to what callers hand it before it reaches the
// database, so SQLite and PostgreSQL refuse the same bad input with the same words.

/** A limit must be a non-negative integer (SQLite reads a negative LIMIT as "no limit"); absent means `fallback`. */
export function checkLimit(limit: number | undefined, fallback: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new Error(`limit must be a non-negative integer, got ${printable(limit)}`);
  }
  return limit;
}

export function checkOrder(order: unknown): "ASC" | "DESC" {
  if (order !== undefined && order !== "asc" && order !== "desc") {
    throw new Error(`order must be "asc" or "desc", got ${printable(order)}`);
  }
  return order === "desc" ? "DESC" : "ASC";
}

export function checkEventData(data: unknown): asserts data is Record<string, unknown> {
  if (!isPlainObject(data)) throw new Error("event.data must be an object");
}

export function checkFingerprintLists(entry: { firing: unknown; resolved: unknown }): void {
  for (const field of ["firing", "resolved"] as const) {
    const list = entry[field];
    if (!Array.isArray(list) || !list.every((f) => typeof f === "string")) {
      throw new Error(`entry.${field} must be an array of fingerprints`);
    }
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value as an error message shows it: strings quoted. */
export function printable(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
