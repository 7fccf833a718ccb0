// The dashboard's session cookie: its name, reading it from a Cookie header, and the
// Set-Cookie values that set and clear it (HttpOnly, SameSite=Strict, Secure over TLS).

export const SESSION_COOKIE = "vigil_session";

/** The session id in a Cookie header, or null. */
export function sessionIdFromCookie(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

export function sessionCookie(id: string, maxAgeMs: number, secure: boolean): string {
  return [`${SESSION_COOKIE}=${id}`, "Path=/", `Max-Age=${Math.floor(maxAgeMs / 1000)}`, "HttpOnly", "SameSite=Strict", ...(secure ? ["Secure"] : [])].join("; ");
}

export function clearedSessionCookie(secure: boolean): string {
  return [`${SESSION_COOKIE}=`, "Path=/", "Max-Age=0", "HttpOnly", "SameSite=Strict", ...(secure ? ["Secure"] : [])].join("; ");
}
