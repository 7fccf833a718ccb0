// GET /api/v1/audit: who did what, when, with what result (newest first), for operators
// and admins; filters since (ms), actor (a token's name, or "system") and limit.
import type { FastifyInstance } from "fastify";
import type { AuditStore } from "../../storage/audit-store.js";
import { access } from "../auth/access-control.js";
import { auditQuery, badRequest } from "./auth-schemas.js";

export function registerAuditRoutes(http: FastifyInstance, deps: { audit: AuditStore }): void {
  http.get("/api/v1/audit", access("operator"), async (req, reply) => {
    const q = auditQuery.safeParse(req.query ?? {});
    if (!q.success) return badRequest(reply, "query", q.error);
    return { entries: await deps.audit.listAudit(q.data) };
  });
}
