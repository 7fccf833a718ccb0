// Calls a running server's JSON API for a client command (GET, POST or DELETE, with the
// API token from --token or $VIGIL_TOKEN), printing why it failed on stderr: "vigil status:
// no Vigil server at http://127.0.0.1:7070 — start one with `vigil up`", or the server's own
// error. A call that takes a while shows a spinner.
import { withProgress } from "./progress.js";

export { formatTable } from "./terminal.js";

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

/** The parsed answer to a DELETE, or null after printing the reason. */
export async function apiDelete<T>(command: string, target: ApiTarget, path: string): Promise<T | null> {
  return apiRequest<T>(command, target, "DELETE", path);
}

/** What a client command prints when nothing answers at `base`. */
export function noServerMessage(command: string, base: string, reason: string): string {
  return `vigil ${command}: no Vigil server at ${base} — start one with \`vigil up\`, or point at one with --server URL or $VIGIL_SERVER (${reason})`;
}

export async function apiRequest<T>(command: string, target: ApiTarget, method: string, path: string, body?: unknown): Promise<T | null> {
  const { base } = target;
  let res: Response;
  let text: string;
  try {
    ({ res, text } = await withProgress(
      `waiting for ${base}${path.split("?")[0]}`,
      (async () => {
        const r = await fetch(`${base}${path}`, {
          method,
          headers: { accept: "application/json", ...authHeaders(target), ...(body !== undefined && { "content-type": "application/json" }) },
          ...(body !== undefined && { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(60_000),
        });
        return { res: r, text: await r.text() };
      })(),
    ));
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause;
    console.error(noServerMessage(command, base, cause?.message ?? (err as Error).message));
    return null;
  }
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
