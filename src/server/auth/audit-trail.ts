// Writes the audit log: every mutating API call (an onResponse hook: who, which route,
// the path, status and result) and every recovery action the orchestrator sends (actor
// "system"). Request bodies are not recorded: they may carry tokens.
import type { FastifyInstance } from "fastify";
import type { AuditEntry, AuditStore, NewAuditEntry } from "../../storage/audit-store.js";
import type { Clock } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function resultOfStatus(status: number): AuditEntry["result"] {
  if (status < 400) return "ok";
  if (status === 401 || status === 403 || status === 429) return "denied";
  return status >= 500 ? "error" : "failed";
}

export class AuditTrail {
  constructor(
    private readonly store: AuditStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  record(entry: Omit<NewAuditEntry, "ts"> & { ts?: number }): void {
    this.store.appendAudit({ ts: this.clock.now(), ...entry }).catch((err) => this.logger.error({ err, action: entry.action }, "writing the audit log failed"));
  }

  /** A recovery action sent by the orchestrator, with how it ended. */
  recoveryAction(o: { action: string; service: string; node?: string; ok: boolean; reason: string; incident?: number; error?: string }): void {
    this.record({
      actor: "system",
      via: "system",
      role: null,
      action: o.action,
      target: `service ${o.service}${o.node !== undefined ? ` on ${o.node}` : ""}`,
      result: o.ok ? "ok" : "failed",
      status: null,
      address: null,
      detail: { reason: o.reason, ...(o.incident !== undefined && { incident: o.incident }), ...(o.error !== undefined && { error: o.error }) },
    });
  }

  /**
   * Audits every mutating request once it has been answered; the agent websocket and the
   * replica-to-replica routes excepted (those POSTs are reads another replica makes for a query).
   */
  installHook(http: FastifyInstance): void {
    http.addHook("onResponse", async (req, reply) => {
      const routeAccess = req.routeOptions.config.access;
      if (!MUTATING.has(req.method) || routeAccess === "agent" || routeAccess === "replica") return;
      const actor = req.actor;
      this.record({
        actor: actor?.name ?? "unauthenticated",
        via: actor?.via ?? "none",
        role: actor && actor.via !== "none" ? actor.role : null,
        action: `${req.method} ${req.routeOptions.url ?? "(no route)"}`,
        target: req.url.split("?")[0]!,
        result: resultOfStatus(reply.statusCode),
        status: reply.statusCode,
        address: req.ip,
        detail: actor?.tokenId != null ? { tokenId: actor.tokenId } : {},
      });
    });
  }
}
