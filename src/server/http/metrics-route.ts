// GET /metrics: Vigil's own metrics in the Prometheus text format, and GET /healthz.
import type { FastifyInstance } from "fastify";
import type { VigilServer } from "../server.js";
import { access } from "../auth/access-control.js";

export function registerMetricsRoute(http: FastifyInstance, server: VigilServer): void {
  http.get("/healthz", access("public"), async () => ({ status: "ok" }));

  http.get("/metrics", access("viewer"), async (_req, reply) => {
    const m = server.metrics;
    m.nodes.reset();
    for (const n of server.nodes.all()) m.nodes.inc({ state: n.state });
    m.services.reset();
    for (const s of server.services.all()) m.services.inc({ health: s.health });
    m.alerts.reset();
    for (const a of server.alerts.active()) m.alerts.inc({ state: a.state });
    m.openIncidents.set(server.incidents.openIncidents().length);
    m.series.set(server.store.stats().series);
    reply.header("content-type", m.registry.contentType);
    return m.registry.metrics();
  });
}
