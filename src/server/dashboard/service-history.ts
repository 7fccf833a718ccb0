// The service page's data: its health strip over a range, restarts, probe latency and
// resource charts, dependencies and dependents, its playbook, recent actions and incidents.
import { playbookFor } from "../../config/defaults.js";
import type { VigilConfig } from "../../config/schema.js";
import type { JournalEvent, ServiceRecord, Storage } from "../../storage/storage.js";
import type { SeriesStore } from "../../tsdb/series-store.js";
import { healthStrip, type HealthTransitionEvent, type StripState } from "./health-strip.js";
import { readCharts } from "./node-charts.js";
import type { ChartSpec } from "./chart-reader.js";

/** The journal kinds listed as a service's recent actions. */
export const ACTION_KINDS = ["action.started", "action.succeeded", "action.failed", "action.refused", "recovery.verified", "recovery.failed", "escalated", "recovery.paused", "approval.requested", "approval.granted", "service.moved"];

export function serviceChartSpecs(service: string): ChartSpec[] {
  return [
    { id: "latency", title: "Probe latency", unit: "seconds", metric: "service_probe_duration_seconds", match: { service }, seriesLabel: () => "probe" },
    { id: "cpu", title: "CPU", unit: "ratio", metric: "service_cpu_usage_ratio", match: { service }, seriesLabel: () => "cpu" },
    { id: "memory", title: "Memory (RSS)", unit: "bytes", metric: "service_memory_rss_bytes", match: { service }, seriesLabel: () => "rss" },
  ];
}

export interface ServiceHistoryDeps {
  storage: Storage;
  store: SeriesStore;
  config: VigilConfig;
}

export async function serviceHistory(deps: ServiceHistoryDeps, record: ServiceRecord, range: { label: string; ms: number }, now: number) {
  const name = record.name;
  const charts = readCharts(deps.store, serviceChartSpecs(name), range, now);
  const transitions = (await deps.storage.listEvents({ kinds: ["service.health"], service: name, since: charts.from, until: now + 1, limit: 10_000 })).map(
    (e): HealthTransitionEvent => ({ ts: e.ts, from: stripState(e.data.from), to: stripState(e.data.to) }),
  );
  const starts = await deps.storage.listEvents({ kinds: ["process.started"], service: name, since: charts.from, until: now + 1, limit: 10_000 });
  const actions = await deps.storage.listEvents({ kinds: ACTION_KINDS, service: name, limit: 20, order: "desc" });
  const incidents = (await deps.storage.listIncidents({ limit: 200 })).filter((i) => i.members.includes(`service:${name}`) || i.key === `service:${name}`).slice(0, 10);
  const own = deps.config.services.find((s) => s.name === name);
  let playbook: { name: string; steps: unknown[]; limits: unknown } | null = null;
  try {
    const p = playbookFor(deps.config, name);
    if (p) playbook = { name: own?.recovery ?? "default", steps: p.steps, limits: p.limits };
  } catch {
    playbook = null;
  }
  return {
    service: record,
    range: charts.range,
    from: charts.from,
    to: charts.to,
    strip: healthStrip(transitions, record.health, charts.from, now),
    restarts: starts.map((e: JournalEvent) => ({ ts: e.ts, pid: e.data.pid ?? null })),
    charts,
    dependencies: own?.dependsOn ?? [],
    dependents: deps.config.services.filter((s) => s.dependsOn?.includes(name)).map((s) => s.name),
    playbook,
    actions,
    incidents,
  };
}

function stripState(value: unknown): StripState {
  return value === "healthy" || value === "unhealthy" ? value : "unknown";
}
