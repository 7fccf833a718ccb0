// Alertmanager's v2 alerts API (POST and GET /api/v2/alerts), so a Prometheus server can name
// Vigil as its Alertmanager: posted alerts enter the same pipeline as Vigil's own alerts.
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import type { AlertManager } from "../../alert/alert-manager.js";
import { ExternalAlerts } from "../../alert/external-alerts.js";
import { ZERO_TIME } from "../../alert/notify/webhook-payload.js";
import { compileRouteTree, routeAlert } from "../../alert/routing.js";
import type { NotifyConfig } from "../../config/schema.js";
import type { Clock } from "../../util/clock.js";
import { silentLogger, type Logger } from "../../util/logger.js";
import { access } from "../auth/access-control.js";

export interface AlertmanagerRouteDeps {
  alerts: Pick<AlertManager, "observe" | "active" | "muteStatus">;
  clock: Clock;
  /** The routing tree, to name each alert's receivers in GET; without it the list is empty. */
  notify?: Pick<NotifyConfig, "receiver" | "groupBy" | "groupWait" | "groupInterval" | "repeatInterval" | "routes">;
  logger?: Logger;
}

/** Prometheus' label name syntax, which Alertmanager enforces too. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** RFC 3339 as Go writes it (fractions up to nanoseconds, Z or an offset). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
/** Go's zero time.Time: Alertmanager reads it as "not set". */
const GO_ZERO_TIME_MS = Date.parse(ZERO_TIME);

const stringMap = (what: string) =>
  z.record(z.string(), z.string({ error: `expected a string ${what} value` }), { error: `expected an object of ${what}s (name: string)` });

const time = z.string({ error: 'expected an RFC 3339 time such as "2025-06-01T22:00:00Z"' }).transform((text, ctx) => {
  const ms = RFC3339.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: "custom", message: `expected an RFC 3339 time such as "2025-06-01T22:00:00Z", got "${text}"` });
    return z.NEVER;
  }
  return ms;
});

const postableAlert = z.object({
  labels: stringMap("label").superRefine((labels, ctx) => {
    for (const name of Object.keys(labels)) {
      if (!LABEL_NAME.test(name)) ctx.addIssue({ code: "custom", message: `invalid label name "${name}"`, path: [name] });
    }
    if (!labels.alertname) ctx.addIssue({ code: "custom", message: "required (it names the alert)", path: ["alertname"] });
  }),
  annotations: stringMap("annotation").default({}),
  startsAt: time.optional(),
  endsAt: time.optional(),
  generatorURL: z.string({ error: "expected a URL string" }).default(""),
});

const postableAlerts = z.array(postableAlert, { error: "expected a JSON array of alerts" });

const flag = z.enum(["true", "false"], { error: 'expected "true" or "false"' }).default("true").transform((v) => v === "true");

/** GET's filters, as Alertmanager reads them: each false leaves out the alerts in that state. */
const alertsQuery = z.object({ active: flag, silenced: flag, inhibited: flag, muted: flag });

/** [1, "labels", "alertname"] → "[1].labels.alertname", as the field reads in the request. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), "");
}

function badRequest(reply: FastifyReply, error: z.ZodError) {
  const detail = error.issues.map((i) => `${fieldPath(i.path) || "body"}: ${i.message}`).join("; ");
  return reply.code(400).send({ error: `invalid alerts: ${detail}` });
}

const iso = (ms: number) => new Date(ms).toISOString();

export function registerAlertmanagerRoutes(http: FastifyInstance, deps: AlertmanagerRouteDeps): void {
  const logger = deps.logger ?? silentLogger();
  const routes = deps.notify ? compileRouteTree(deps.notify) : null;
  const external = new ExternalAlerts({
    clock: deps.clock,
    observe: (o) => deps.alerts.observe(o),
    onError: (err, labels) => logger.error({ err, labels }, "resolving an expired external alert failed"),
  });
  http.addHook("onClose", async () => external.stop());

  http.post("/api/v2/alerts", access("operator"), async (req, reply) => {
    const body = postableAlerts.safeParse(req.body);
    if (!body.success) return badRequest(reply, body.error);
    await external.receive(
      body.data.map((a) => ({
        labels: a.labels,
        annotations: a.annotations,
        endsAt: a.endsAt === undefined || a.endsAt === GO_ZERO_TIME_MS ? null : a.endsAt,
        generatorURL: a.generatorURL,
      })),
    );
    return reply.code(200).send();
  });

  // Alertmanager's GettableAlert for each firing alert; pending ones are not alerts to Alertmanager
  // (Prometheus keeps them). status comes from the mute stages the notification pipeline asks.
  http.get("/api/v2/alerts", access("viewer"), async (req, reply) => {
    const query = alertsQuery.safeParse(req.query);
    if (!query.success) {
      const detail = query.error.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`).join("; ");
      return reply.code(400).send({ error: `invalid query: ${detail}` });
    }
    const wanted = query.data;
    return deps.alerts
      .active()
      .filter((a) => a.state === "firing")
      .flatMap((a) => {
        const status = deps.alerts.muteStatus(a);
        if (!wanted.active && status.state === "active") return [];
        if (!wanted.silenced && status.silencedBy.length > 0) return [];
        if (!wanted.inhibited && status.inhibitedBy.length > 0) return [];
        if (!wanted.muted && status.mutedBy.length > 0) return [];
        const posted = external.get(a.fingerprint);
        const receivers = routes ? [...new Set(routeAlert(a.labels, routes).map((m) => m.receiver))] : [];
        return [
          {
            labels: a.labels,
            annotations: a.annotations,
            startsAt: iso(a.firedAt ?? a.activeAt),
            endsAt: posted ? iso(posted.endsAt) : ZERO_TIME,
            updatedAt: iso(a.updatedAt),
            fingerprint: a.fingerprint,
            status,
            receivers: receivers.map((name) => ({ name })),
            generatorURL: posted?.generatorURL ?? "",
          },
        ];
      });
  });
}
