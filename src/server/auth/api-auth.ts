// Puts the HTTP API's security together for server.ts: the policy (when credentials are
// needed), the authenticator, the failed-attempt limiter, the gate every route passes and
// the audit trail. Its routes (tokens, login, audit) are registered by the server with the rest.
import type { FastifyInstance } from "fastify";
import type { Storage } from "../../storage/storage.js";
import type { Clock } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";
import { installAccessControl, type RegisteredRoute } from "./access-control.js";
import { AuditTrail } from "./audit-trail.js";
import { authEnabled, type AuthMode } from "./auth-policy.js";
import { Authenticator } from "./authenticator.js";
import { FailedAuthLimiter, type FailedAuthLimits } from "./failed-auth-limiter.js";

export interface ApiAuth {
  authenticator: Authenticator;
  limiter: FailedAuthLimiter;
  audit: AuditTrail;
  sessionTtlMs: number;
  /** Whether requests need credentials now; once true it stays true (tokens are never deleted). */
  enabled(): Promise<boolean>;
  /** Every route registered so far, with the access it declared. */
  routes(): RegisteredRoute[];
}

export function installApiAuth(
  http: FastifyInstance,
  o: { storage: Storage; clock: Clock; logger: Logger; mode: AuthMode; sessionTtlMs: number; failedAuthLimits?: FailedAuthLimits },
): ApiAuth {
  let sawTokens = false;
  const enabled = async () => {
    if (o.mode !== "auto" || sawTokens) return authEnabled(o.mode, sawTokens);
    sawTokens = await o.storage.tokens.hasTokens();
    return sawTokens;
  };
  const authenticator = new Authenticator(o.storage.tokens, o.clock, o.sessionTtlMs);
  const limiter = new FailedAuthLimiter(o.clock, o.failedAuthLimits);
  const audit = new AuditTrail(o.storage.audit, o.clock, o.logger);
  const gate = installAccessControl(http, { authenticator, limiter, enabled, logger: o.logger });
  audit.installHook(http);
  return { authenticator, limiter, audit, sessionTtlMs: o.sessionTtlMs, enabled, routes: gate.routes };
}
