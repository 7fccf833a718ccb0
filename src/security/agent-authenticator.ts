// Who is connecting on the agent websocket — decided once, at the websocket upgrade and at
// hello, never per message (10,000 agents × 2 heartbeats/s stay untouched). An agent proves
// its node with a credential (`Authorization: Bearer vigil-agent-...`, got by spending a
// one-time enrollment token `vigil-enroll-...` on its first connect) or with a client
// certificate signed by the cluster CA whose CN/SAN is the node. Pure decisions over the
// request's facts and the identity store.
import type { AgentIdentityLookup } from "./agent-identity-store.js";
import { ENROLLMENT_TOKEN_PREFIX } from "./secret-token.js";
import type { ClientCertPolicy } from "./tls-files.js";

export interface AgentAuthPolicy {
  /** Agents must present a credential, an enrollment token or a valid client certificate. */
  required: boolean;
  clientCerts: ClientCertPolicy;
}

/** The client certificate as the TLS layer saw it (null on a plain connection). */
export interface PeerCertificate {
  presented: boolean;
  /** Signed by the configured CA and valid now. */
  authorized: boolean;
  error: string | null;
  /** CN and subject alternative names. */
  names: string[];
}

export interface AgentIdentity {
  /** The node the credential or enrollment token is bound to. */
  node: string | null;
  /** The names of a verified client certificate; the hello's node must be one of them. */
  certificateNames: string[] | null;
  /** A credential issued on this connect (an enrollment): sent to the agent in welcome. */
  issuedCredential?: string;
}

export type AgentAuthDecision = { ok: true; identity: AgentIdentity } | { ok: false; status: 401 | 403; error: string };

const ENROLL_HINT = "enroll the agent with `vigil token create --agent NODE` on the server and `vigil agent --enroll-token TOKEN`";

/** The bearer token of an Authorization header, or null. */
export function bearerToken(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  const m = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  return m ? m[1]! : null;
}

/** Decides at the upgrade whether the connection may become an agent session, and as whom. */
export function authenticateAgent(
  policy: AgentAuthPolicy,
  attempt: { bearer: string | null; certificate: PeerCertificate | null },
  store: AgentIdentityLookup,
  now: number,
): AgentAuthDecision {
  const cert = policy.clientCerts === "off" ? null : attempt.certificate;
  if (cert?.presented && !cert.authorized) {
    return { ok: false, status: 401, error: `client certificate refused: ${cert.error ?? "not signed by the cluster CA"}` };
  }
  if (policy.clientCerts === "require" && !cert?.presented) {
    return { ok: false, status: 401, error: "a client certificate signed by the cluster CA is required (server.tls.clientCerts: require): pass --cert and --key" };
  }
  const certificateNames = cert?.presented ? cert.names : null;
  let node: string | null = null;
  let issuedCredential: string | undefined;
  if (attempt.bearer !== null) {
    if (attempt.bearer.startsWith(ENROLLMENT_TOKEN_PREFIX)) {
      const enrolled = store.enroll(attempt.bearer, now);
      if (!enrolled.ok) return { ok: false, status: 401, error: enrolled.error };
      node = enrolled.node;
      issuedCredential = enrolled.credential;
    } else {
      const checked = store.checkCredential(attempt.bearer);
      if (!checked.ok) return { ok: false, status: checked.revoked ? 403 : 401, error: checked.revoked ? checked.error : `${checked.error}: ${ENROLL_HINT}` };
      node = checked.node;
    }
  }
  if (node !== null && certificateNames !== null && !certificateNames.includes(node)) {
    return { ok: false, status: 403, error: `the credential is for node ${node} but the client certificate is for ${certificateNames.join(", ")}` };
  }
  if (policy.required && node === null && certificateNames === null) {
    return { ok: false, status: 401, error: `this server requires agents to authenticate: ${ENROLL_HINT}, or give it a client certificate (--cert, --key)` };
  }
  return { ok: true, identity: { node, certificateNames, ...(issuedCredential !== undefined && { issuedCredential }) } };
}

/** Why this connection may not speak for `node` (its hello), or null: an agent speaks only for its own node. */
export function helloRefusal(identity: AgentIdentity, node: string, store: Pick<AgentIdentityLookup, "revokedAt">): string | null {
  if (identity.node !== null && identity.node !== node) return `this agent's credential is for node ${identity.node}, not ${node}`;
  if (identity.certificateNames !== null && !identity.certificateNames.includes(node)) {
    return `this agent's client certificate is for ${identity.certificateNames.join(", ")}, not ${node}`;
  }
  if (identity.issuedCredential === undefined && store.revokedAt(node) !== null) {
    return `agent ${node} was revoked (vigil agents revoke); enroll it again with a new \`vigil token create --agent ${node}\``;
  }
  return null;
}
