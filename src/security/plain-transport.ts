// Plain (unencrypted) connections only on loopback, and never by accident: the server will
// not serve plain HTTP on an address other machines can reach, and an agent will not send
// its credential and data over plain ws:// to another machine, unless told so explicitly
// (--insecure). Pure checks; the commands print their message and exit non-zero.
import { isIP } from "node:net";

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const v4 = h.startsWith("::ffff:") ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith("127.");
}

/**
 * Why the server must not serve plain HTTP on `host`, or null when it may: with TLS
 * configured, on a loopback address, or with `insecure` given knowingly.
 */
export function plainListenRefusal(listen: string, host: string, o: { tls: boolean; insecure: boolean }): string | null {
  if (o.tls || o.insecure || isLoopbackHost(host)) return null;
  return (
    `refusing to serve plain HTTP on ${listen}: it is not a loopback address, so agents' credentials and data would cross the network unencrypted. ` +
    `Configure server.tls (\`vigil certs init\` creates the certificates), listen on 127.0.0.1, or pass --insecure to serve plain HTTP knowingly.`
  );
}

/**
 * Why an agent must not connect to `url` in plain text, or null when it may: https/wss, a
 * loopback server, or `insecure` given knowingly.
 */
export function plainServerUrlRefusal(url: string, insecure: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null; // the connection reports an invalid URL itself
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "ws:") return null;
  if (insecure || isLoopbackHost(parsed.hostname)) return null;
  return (
    `refusing to connect to ${parsed.origin} in plain text: it is not a loopback address, so this agent's credential and data would cross the network unencrypted. ` +
    `Use an https:// server URL (the server needs server.tls; pass --ca when its certificate comes from \`vigil certs init\`), or pass --insecure to connect in plain text knowingly.`
  );
}
