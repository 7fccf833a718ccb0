// Calls a running server's JSON API for a client command (GET, POST or DELETE), printing why
// it failed on stderr: "vigil status: no Vigil server at http://127.0.0.1:7070 — start one
// with `vigil up`", or the server's own error. A call that takes a while shows a spinner.
import { withProgress } from "./progress.js";

export { formatTable } from "./terminal.js";

/** The parsed body of a GET, or null after printing the reason. */
export async function apiGet<T>(command: string, base: string, path: string): Promise<T | null> {
  return apiRequest<T>(command, base, "GET", path);
}

/** The parsed answer to a POST of `body` as JSON, or null after printing the reason. */
export async function apiPost<T>(command: string, base: string, path: string, body: unknown): Promise<T | null> {
  return apiRequest<T>(command, base, "POST", path, body);
}

/** What a client command prints when nothing answers at `base`. */
export function noServerMessage(command: string, base: string, reason: string): string {
  return `vigil ${command}: no Vigil server at ${base} — start one with \`vigil up\`, or point at one with --server URL or $VIGIL_SERVER (${reason})`;
}

export async function apiRequest<T>(command: string, base: string, method: string, path: string, body?: unknown): Promise<T | null> {
  let res: Response;
  let text: string;
  try {
    ({ res, text } = await withProgress(
      `waiting for ${base}${path.split("?")[0]}`,
      (async () => {
        const r = await fetch(`${base}${path}`, {
          method,
          headers: { accept: "application/json", ...(method !== "GET" && { "x-vigil-request": "1" }), ...(body !== undefined && { "content-type": "application/json" }) },
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
    console.error(`vigil ${command}: ${error ?? `HTTP ${res.status} ${text}`}`);
    return null;
  }
  if (json === null) {
    console.error(`vigil ${command}: the server at ${base} answered ${path} with something that is not JSON`);
    return null;
  }
  return json as T;
}
