// The dashboard's login: POST /api/v1/session exchanges a token for a session cookie
// (HttpOnly, SameSite=Strict, Secure over TLS) and the CSRF token that mutating requests
// made with the cookie must send; GET says who is logged in; DELETE logs out.
import type { FastifyInstance } from "fastify";
import { access } from "../auth/access-control.js";
import type { Authenticator } from "../auth/authenticator.js";
import type { FailedAuthLimiter } from "../auth/failed-auth-limiter.js";
import { clearedSessionCookie, sessionCookie } from "../auth/session-cookie.js";
import { badRequest, loginBody } from "./auth-schemas.js";
import { SMALL_BODY_LIMIT } from "./token-routes.js";

export interface SessionRouteDeps {
  authenticator: Authenticator;
  limiter: FailedAuthLimiter;
  sessionTtlMs: number;
  authEnabled(): Promise<boolean>;
}

export function registerSessionRoutes(http: FastifyInstance, deps: SessionRouteDeps): void {
  http.post("/api/v1/session", { ...access("public"), bodyLimit: SMALL_BODY_LIMIT }, async (req, reply) => {
    const retryAfterMs = deps.limiter.retryAfterMs(req.ip);
    if (retryAfterMs > 0) {
      reply.header("retry-after", String(Math.ceil(retryAfterMs / 1000)));
      return reply.code(429).send({ error: `too many failed authentication attempts from ${req.ip}: try again in ${Math.ceil(retryAfterMs / 1000)} s` });
    }
    const body = loginBody.safeParse(req.body ?? {});
    if (!body.success) return badRequest(reply, "login", body.error);
    const login = await deps.authenticator.login(body.data.token);
    if (!login) {
      deps.limiter.recordFailure(req.ip);
      return reply.code(401).send({ error: "invalid or revoked token" });
    }
    req.actor = login.actor;
    reply.header("set-cookie", sessionCookie(login.sessionId, deps.sessionTtlMs, req.protocol === "https"));
    return reply.code(201).send({ name: login.actor.name, role: login.actor.role, csrfToken: login.csrf, expiresAt: login.expiresAt });
  });

  http.get("/api/v1/session", access("viewer"), async (req) => {
    const actor = req.actor!;
    return {
      name: actor.name,
      role: actor.role,
      via: actor.via,
      authEnabled: await deps.authEnabled(),
      ...(actor.session && { csrfToken: actor.session.csrf, expiresAt: actor.session.expiresAt }),
    };
  });

  http.delete("/api/v1/session", access("viewer"), async (req, reply) => {
    const session = req.actor?.session;
    if (session) await deps.authenticator.logout(session.hash);
    reply.header("set-cookie", clearedSessionCookie(req.protocol === "https"));
    return { loggedOut: session !== undefined };
  });
}
