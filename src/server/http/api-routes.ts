// The JSON API under /api/v1: status, nodes, services (where each runs now and where it is
// fenced), alerts, incidents (with their timelines, localization, MTTD / MTTL / MTTR and
// whether a step waits for approval) and the journal. Query parameters are validated with zod.
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { incidentFigures } from "../../incident/incident-figures.js";
import type { IncidentRecord } from "../../storage/storage.js";
import type { VigilServer } from "../server.js";
import { assessRisk } from "../risk-view.js";
import { access } from "../auth/access-control.js";

const VERSION = "0.1.0";

const eventsQuery = z.object({
  afterId: z.coerce.number().int().nonnegative().optional(),
  since: z.coerce.number().int().nonnegative().optional(),
  until: z.coerce.number().int().nonnegative().optional(),
  kind: z.string().optional(),
  incident: z.coerce.number().int().positive().optional(),
  node: z.string().optional(),
  service: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  order: z.enum(["asc", "desc"]).default("asc"),
});

const incidentsQuery = z.object({
  state: z.enum(["open", "all"]).default("all"),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
});

const alertsQuery = z.object({
  /** Also list alerts resolved within this many ms. */
  resolvedWithin: z.coerce.number().int().nonnegative().optional(),
});

function badRequest(reply: FastifyReply, error: z.ZodError) {
  const detail = error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ");
  return reply.code(400).send({ error: `invalid query: ${detail}` });
}

/** The record (root cause, cause, confidence, members, ...) with its figures and whether a playbook step waits for approval. */
function incidentView(incident: IncidentRecord, server: VigilServer) {
  return { ...incident, figures: incidentFigures(incident), waitingForApproval: server.recovery.waitingForApproval(incident.id) };
}

export function registerApiRoutes(http: FastifyInstance, server: VigilServer): void {
  http.get("/api/v1/status", access("viewer"), async () => {
    const count = <T extends string>(values: T[]) =>
      values.reduce<Record<string, number>>((acc, v) => ((acc[v] = (acc[v] ?? 0) + 1), acc), {});
    const alerts = server.alerts.active();
    return {
      version: VERSION,
      url: server.url,
      startedAt: server.startedAt,
      nodes: count(server.nodes.all().map((n) => n.state)),
      services: count(server.services.all().map((s) => s.health)),
      alerts: count(alerts.map((a) => a.state)),
      incidents: { open: server.incidents.openIncidents().length },
      freeze: server.nodes.detector.freezeStatus(server.clock.now()),
      series: server.store.stats(),
    };
  });

  http.get("/api/v1/nodes", access("viewer"), async () => ({
    nodes: await Promise.all(server.nodes.all().map(async (n) => {
      const liveness = server.nodes.status(n.name);
      const health = n.state === "down" ? "unhealthy" : n.state === "alive" ? "healthy" : "unknown";
      return {
        ...n,
        connected: server.agents.isConnected(n.name),
        // On a cluster of replicas: the replica holding its agent.
        ...(server.agents.holderOf && { replica: server.agents.holderOf(n.name) }),
        ...(liveness && {
          liveness: {
            phi: Number.isFinite(liveness.phi) ? liveness.phi : null,
            suspectAfterMs: liveness.suspectAfterMs,
            meanIntervalMs: liveness.meanIntervalMs,
            lastSeen: liveness.lastSeen,
            heldBack: liveness.heldBack,
            probing: liveness.probing !== null,
          },
        }),
        risk: await assessRisk({ kind: "node", name: n.name, health }, server.alerts.active(), server.storage, server.clock.now()),
      };
    })),
  }));

  http.get("/api/v1/services", access("viewer"), async () => ({
    services: await Promise.all(
      server.services.all().map(async (s) => {
        const config = server.config.services.find((c) => c.name === s.name);
        return {
          ...s,
          // After a failover the service runs on its standby; its old instance stays fenced.
          node: server.placements.nodeOf(s.name) ?? s.node,
          fencedOn: server.placements.fencedOn(s.name),
          dependsOn: config?.dependsOn ?? [],
          recovery: config?.recovery ?? "default",
          risk: await assessRisk({ kind: "service", name: s.name, health: s.health }, server.alerts.active(), server.storage, server.clock.now()),
        };
      }),
    ),
  }));

  http.get("/api/v1/alerts", access("viewer"), async (req, reply) => {
    const q = alertsQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, q.error);
    const alerts =
      q.data.resolvedWithin === undefined
        ? server.alerts.active()
        : await server.storage.listAlerts({ resolvedSince: server.clock.now() - q.data.resolvedWithin });
    return { alerts };
  });

  http.get("/api/v1/incidents", access("viewer"), async (req, reply) => {
    const q = incidentsQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, q.error);
    const incidents = await server.storage.listIncidents({ open: q.data.state === "open", limit: q.data.limit });
    return { incidents: incidents.map((incident) => incidentView(incident, server)) };
  });

  http.get("/api/v1/incidents/:id", access("viewer"), async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    if (!Number.isInteger(id) || id <= 0) return reply.code(400).send({ error: `invalid incident id "${(req.params as { id: string }).id}"` });
    const incident = await server.storage.getIncident(id);
    if (!incident) return reply.code(404).send({ error: `no incident ${id}` });
    const timeline = await server.storage.listEvents({ incidentId: id, limit: 10_000 });
    return { incident: incidentView(incident, server), timeline };
  });

  http.get("/api/v1/events", access("viewer"), async (req, reply) => {
    const q = eventsQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, q.error);
    const { kind, incident, ...rest } = q.data;
    const events = await server.storage.listEvents({
      ...rest,
      ...(kind !== undefined && { kinds: kind.split(",") }),
      ...(incident !== undefined && { incidentId: incident }),
    });
    return { events };
  });
}
