// The agent websocket's door: who may open it is decided at the upgrade (credential,
// enrollment token or client certificate; src/security/agent-authenticator.ts) and refused
// there with 401/403 and a JSON error the agent logs; accepted connections go to the hub
// with their identity, which the hub binds to the node of their hello. Revocations written
// by `vigil agents revoke` are polled and close the revoked node's connection.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { VigilConfig } from "../config/schema.js";
import { AGENT_WS_PATH } from "../protocol/messages.js";
import { access } from "./auth/access-control.js";
import { authenticateAgent, bearerToken, type AgentAuthPolicy, type AgentIdentity } from "../security/agent-authenticator.js";
import type { AgentIdentityStore } from "../security/agent-identity-store.js";
import { peerCertificateOf } from "../security/peer-certificate.js";
import { isLoopbackHost } from "../security/plain-transport.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import type { AgentHub } from "./agent-hub.js";

/** How often the server looks for revocations made by `vigil agents revoke`. */
export const REVOCATION_POLL_MS = 2_000;

/** server.agentAuth `auto`: required unless the server listens on loopback only. */
export function agentAuthPolicy(config: VigilConfig, listenHost: string): AgentAuthPolicy {
  const mode = config.server.agentAuth;
  return {
    required: mode === "required" || (mode === "auto" && !isLoopbackHost(listenHost)),
    clientCerts: config.server.tls?.clientCerts ?? "off",
  };
}

export function registerAgentSocket(
  http: FastifyInstance,
  o: { hub: AgentHub; identities: AgentIdentityStore; policy: AgentAuthPolicy; clock: Clock; logger: Logger },
): void {
  const identities = new WeakMap<object, AgentIdentity>();
  const authenticate = async (req: FastifyRequest, reply: FastifyReply) => {
    const decision = authenticateAgent(
      o.policy,
      { bearer: bearerToken(req.headers.authorization), certificate: peerCertificateOf(req.raw.socket) },
      o.identities,
      o.clock.now(),
    );
    if (!decision.ok) {
      o.logger.warn({ remote: req.socket.remoteAddress, status: decision.status, reason: decision.error }, "agent connection refused at the upgrade");
      return reply.code(decision.status).send({ error: decision.error });
    }
    identities.set(req.raw, decision.identity);
  };
  // Authenticated by agent credentials, not API tokens: access("agent") tells the API's gate to leave it to `authenticate`.
  http.get(AGENT_WS_PATH, { websocket: true, preValidation: authenticate, ...access("agent") }, (socket, req) =>
    o.hub.accept(socket, req.socket.remoteAddress, identities.get(req.raw) ?? null),
  );
}

/** Closes the connections of nodes revoked since the last look; returns the polling timer. */
export function watchRevocations(o: { identities: AgentIdentityStore; hub: AgentHub; clock: Clock; logger: Logger }): TimerHandle {
  let seen = o.identities.lastRevocation();
  return o.clock.setInterval(() => {
    try {
      for (const r of o.identities.revokedAfter(seen)) {
        seen = Math.max(seen, r.revokedAt);
        if (o.hub.disconnect(r.node, `agent ${r.node} was revoked`)) o.logger.warn({ node: r.node }, "closed the connection of a revoked agent");
      }
    } catch (err) {
      o.logger.error({ err }, "reading agent revocations failed");
    }
  }, REVOCATION_POLL_MS);
}
