// Calls a running server's JSON API for a client command (GET, POST or DELETE, with the
// API token from --token or $VIGIL_TOKEN), printing why it failed ("vigil availability:
// cannot reach the server at ...", or the server's own error) on stderr.

/** Where a client command sends its calls, and the token it sends (null: none). */
export interface ApiTarget {
  base: string;
  token: string | null;
}

/** The Authorization header for `target`'s token, if it has one. */
export function authHeaders(target: ApiTarget): Record<string, string> {
  return target.token ? { authorization: `Bearer ${target.token}` } : {};
}

/** The parsed body of a GET, or null after printing the reason. */
export async function apiGet<T>(command: string, target: ApiTarget, path: string): Promise<T | null> {
  return apiRequest<T>(command, target, "GET", path);
}

/** The parsed answer to a POST of `body` as JSON, or null after printing the reason. */
export async function apiPost<T>(command: string, target: ApiTarget, path: string, body: unknown): Promise<T | null> {
  return apiRequest<T>(command, target, "POST", path, body);
}

export async function apiRequest<T>(command: string, target: ApiTarget, method: string, path: string, body?: unknown): Promise<T | null> {
  const { base } = target;
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { ...authHeaders(target), ...(body !== undefined && { "content-type": "application/json" }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
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
    console.error(`vigil ${command}: ${error ?? `HTTP ${res.status} ${text}`}${authHint(res.status, target)}`);
    return null;
  }
  if (json === null) {
    console.error(`vigil ${command}: the server at ${base} answered ${path} with something that is not JSON`);
    return null;
  }
  return json as T;
}

/** What to do about a 401 or 403, in the CLI's terms. */
export function authHint(status: number, target: ApiTarget): string {
  if (status === 401) return target.token ? " (check --token / $VIGIL_TOKEN: it is wrong or revoked)" : " (pass --token or set $VIGIL_TOKEN)";
  if (status === 403) return " (the token's role is not enough for this)";
  return "";
}

/** Columns padded to their widest cell, two spaces apart. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}
