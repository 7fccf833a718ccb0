// The dashboard's calls to the server: same-origin, with the session cookie, and the
// session's CSRF token in `X-CSRF-Token` on every mutating request (the server refuses a
// mutating call made with the cookie without it). The token comes from the login's answer,
// or from GET /api/v1/session after a reload. A 401 anywhere sends the app to the login page.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

type AuthListener = (needed: boolean) => void;
const authListeners = new Set<AuthListener>();
let authNeeded = false;

export function onAuthNeeded(listener: AuthListener): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

export function isAuthNeeded(): boolean {
  return authNeeded;
}

export function setAuthNeeded(needed: boolean): void {
  if (needed === authNeeded) return;
  authNeeded = needed;
  for (const l of authListeners) l(needed);
}

let csrfToken: string | null = null;

/** Remembers the session's CSRF token from an answer of /api/v1/session (absent when auth is off). */
function rememberSession(answer: unknown): void {
  const token = (answer as { csrfToken?: unknown } | null)?.csrfToken;
  if (typeof token === "string") csrfToken = token;
}

/** Signs in with an API token: the server sets the session cookie. */
export async function signIn(token: string): Promise<void> {
  rememberSession(await request("POST", "/api/v1/session", { token }));
  setAuthNeeded(false);
}

/** After a reload the cookie is still there but the CSRF token is not: ask for it (a 401 shows the login). */
export async function resumeSession(): Promise<void> {
  try {
    rememberSession(await request("GET", "/api/v1/session"));
  } catch {
    // 401 already asked for the login; anything else shows on the pages' own calls.
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET" && csrfToken !== null) headers["x-csrf-token"] = csrfToken;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, { method, credentials: "same-origin", headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
  } catch {
    throw new ApiError(0, "the Vigil server cannot be reached");
  }
  if (res.status === 401) {
    setAuthNeeded(true);
    throw new ApiError(401, "sign in to see this");
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const message = (json as { error?: string; message?: string } | null)?.error ?? (json as { message?: string } | null)?.message ?? `HTTP ${res.status}`;
    throw new ApiError(res.status, message);
  }
  return json as T;
}

export const api = {
  get: <T>(path: string) => request<T>("GET", path),
  post: <T>(path: string, body: unknown) => request<T>("POST", path, body),
  delete: <T>(path: string) => request<T>("DELETE", path),
};
