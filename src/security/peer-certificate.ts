// The client certificate of an incoming connection, as the agent authenticator needs it:
// whether one was presented, whether it verified against the CA, and its CN and SANs.
import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import type { PeerCertificate } from "./agent-authenticator.js";

/** Null for a plain (non-TLS) connection. */
export function peerCertificateOf(socket: Socket): PeerCertificate | null {
  if (!(socket instanceof TLSSocket)) return null;
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return { presented: false, authorized: false, error: null, names: [] };
  const names = new Set<string>();
  const cn = cert.subject?.CN;
  for (const n of Array.isArray(cn) ? cn : cn ? [cn] : []) names.add(n);
  for (const entry of (cert.subjectaltname ?? "").split(/,\s*/)) {
    const m = /^(?:DNS|IP Address):(.+)$/.exec(entry.trim());
    if (m) names.add(m[1]!);
  }
  const error = socket.authorizationError;
  return { presented: true, authorized: socket.authorized, error: error ? String(error) : null, names: [...names] };
}
