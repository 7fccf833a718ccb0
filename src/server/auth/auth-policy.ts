// When the API asks for credentials, and when the server refuses to start (pure).
// `server.auth.mode`: `auto` (default) requires a token once any token exists in the data
// directory (revoked ones count, so revoking the last token never opens the API again);
// `required` always; `off` never, and only on a loopback address. A server on a
// non-loopback address without auth does not start: anyone who reached it could restart
// every service of the cluster.
import { isIP } from "node:net";

export type AuthMode = "auto" | "required" | "off";

export function authEnabled(mode: AuthMode, hasTokens: boolean): boolean {
  return mode === "required" || (mode === "auto" && hasTokens);
}

/** 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) and "localhost"; anything else can be reached from elsewhere. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || /^::ffff:127\./.test(h) || /^0:0:0:0:0:0:0:1$/.test(h);
  return false;
}

/** Why the server must not start on `listen`, with how to fix it; null when it may. */
export function listenRefusal(o: { listen: string; host: string; mode: AuthMode; hasTokens: boolean; dataDir: string }): string | null {
  if (isLoopbackHost(o.host)) return null;
  if (o.mode === "off") {
    return (
      `refusing to listen on ${o.listen} with server.auth.mode: off — an API without authentication may only listen on a loopback address. ` +
      `Remove "mode: off" and create an admin token (vigil token create --role admin --data ${o.dataDir}), or listen on 127.0.0.1.`
    );
  }
  if (authEnabled(o.mode, o.hasTokens)) return null;
  return (
    `refusing to listen on ${o.listen} without authentication: anyone who can reach it could silence alerts and restart services. ` +
    `Create an admin token first (vigil token create --role admin --data ${o.dataDir}) and use it with --token or VIGIL_TOKEN, ` +
    `or set server.auth.mode: required, or listen on a loopback address such as 127.0.0.1:7070.`
  );
}
