// Calls a running server's JSON API for a client command (GET, DELETE, or POST with a JSON body),
// printing why it failed ("vigil availability: cannot reach the server at ...", or the
// server's own error) on stderr.

/** The parsed body of a GET, or null after printing the reason. */
export async function apiGet<T>(command: string, base: string, path: string): Promise<T | null> {
  return apiRequest<T>(command, base, "GET", path);
}

/** The parsed answer to a POST of `body` as JSON, or null after printing the reason. */
export async function apiPost<T>(command: string, base: string, path: string, body: unknown): Promise<T | null> {
  return apiRequest<T>(command, base, "POST", path, body);
}

/** The parsed answer to a DELETE, or null after printing the reason. */
export async function apiDelete<T>(command: string, base: string, path: string): Promise<T | null> {
  return apiRequest<T>(command, base, "DELETE", path);
}

async function apiRequest<T>(command: string, base: string, method: string, path: string, body?: unknown): Promise<T | null> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      ...(body !== undefined && { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(20_000),
    });
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause;
    console.error(`vigil ${command}: cannot reach the server at ${base}: ${cause?.message ?? (err as Error).message}`);
    return null;
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  if (!res.ok) {
    const error = (json as { error?: string; message?: string } | null)?.error ?? (json as { message?: string } | null)?.message;
    console.error(`vigil ${command}: ${error ?? `HTTP ${res.status} ${text}`}`);
    return null;
  }
  if (json === null) {
    console.error(`vigil ${command}: the server at ${base} answered ${path} with something that is not JSON`);
    return null;
  }
  return json as T;
}

/** Columns padded to their widest cell, two spaces apart. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}
