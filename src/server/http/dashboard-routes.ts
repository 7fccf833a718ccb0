// The JSON the dashboard's pages need beyond the plain lists: a node's charts over a range
// (CPU, memory, disk, network, φ) with anomaly / forecast markers and forecast lines; a
// service's health history, restarts, latency, graph, playbook and actions; the charts of an
// incident's implicated metrics around its onset.
import { access } from "../auth/access-control.js";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { VigilConfig } from "../../config/schema.js";
import type { NodeRegistry } from "../../detect/node-registry.js";
import type { ServiceRegistry } from "../../detect/service-registry.js";
import type { Storage } from "../../storage/storage.js";
import type { SeriesStore } from "../../tsdb/series-store.js";
import type { Clock } from "../../util/clock.js";
import { parseChartRange } from "../dashboard/chart-range.js";
import { incidentCharts } from "../dashboard/incident-charts.js";
import { NODE_MARKER_KINDS, markersFrom, nodeChartSpecs, readCharts } from "../dashboard/node-charts.js";
import { serviceHistory } from "../dashboard/service-history.js";

export interface DashboardRouteDeps {
  storage: Storage;
  store: SeriesStore;
  config: VigilConfig;
  nodes: Pick<NodeRegistry, "get">;
  services: Pick<ServiceRegistry, "get">;
  clock: Clock;
}

function rangeOf(query: unknown, reply: FastifyReply): { label: string; ms: number } | null {
  const q = (query ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(q).filter((k) => k !== "range");
  if (unknown.length > 0) {
    reply.code(400).send({ error: `invalid query: unknown parameter ${unknown.map((k) => `"${k}"`).join(", ")}` });
    return null;
  }
  const parsed = parseChartRange(typeof q.range === "string" ? q.range : q.range === undefined ? undefined : String(q.range));
  if ("error" in parsed) {
    reply.code(400).send({ error: `invalid query: ${parsed.error}` });
    return null;
  }
  return parsed;
}

export function registerDashboardRoutes(http: FastifyInstance, deps: DashboardRouteDeps): void {
  http.get("/api/v1/nodes/:name/charts", access("viewer"), async (req, reply) => {
    const { name } = req.params as { name: string };
    const known = deps.nodes.get(name) !== undefined || (await deps.storage.listNodes()).some((n) => n.name === name);
    if (!known) return reply.code(404).send({ error: `no node "${name}": none by that name has connected` });
    const range = rangeOf(req.query, reply);
    if (!range) return reply;
    const now = deps.clock.now();
    const charts = readCharts(deps.store, nodeChartSpecs(name), range, now);
    const events = await deps.storage.listEvents({ kinds: NODE_MARKER_KINDS, node: name, since: charts.from, until: now + 1, limit: 1000 });
    return { node: name, ...charts, markers: markersFrom(events) };
  });

  http.get("/api/v1/services/:name/history", access("viewer"), async (req, reply) => {
    const { name } = req.params as { name: string };
    const record = deps.services.get(name);
    if (!record) return reply.code(404).send({ error: `no service "${name}" in the config` });
    const range = rangeOf(req.query, reply);
    if (!range) return reply;
    return serviceHistory(deps, record, range, deps.clock.now());
  });

  http.get("/api/v1/incidents/:id/charts", access("viewer"), async (req, reply) => {
    const text = (req.params as { id: string }).id;
    const id = Number(text);
    if (!/^\d+$/.test(text) || id <= 0) return reply.code(400).send({ error: `invalid incident id "${text}": expected a positive number` });
    const incident = await deps.storage.getIncident(id);
    if (!incident) return reply.code(404).send({ error: `no incident ${id}` });
    const timeline = await deps.storage.listEvents({ incidentId: id, limit: 10_000 });
    return { incident: id, ...incidentCharts(deps.store, incident, timeline, deps.clock.now()) };
  });
}
