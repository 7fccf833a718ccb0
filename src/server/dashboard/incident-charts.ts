// The charts of an incident's implicated components around its onset: from a while before
// the first signal to a little after it resolved (or now), with the incident's own timeline
// as markers. The components are its members (root first): services' probe latency, CPU and
// memory; nodes' CPU, memory and φ.
import type { IncidentRecord, JournalEvent } from "../../storage/storage.js";
import type { SeriesStore } from "../../tsdb/series-store.js";
import { tryParseComponentId } from "../../incident/localization/component.js";
import type { ChartSpec } from "./chart-reader.js";
import { nodeChartSpecs, readCharts, type ChartMarker, type ChartsPayload } from "./node-charts.js";
import { serviceChartSpecs } from "./service-history.js";

/** Shown before the first signal, so the chart has the normal to compare with. */
export const BEFORE_ONSET_MS = 10 * 60_000;
/** Shown after resolution. */
export const AFTER_RESOLVED_MS = 2 * 60_000;
/** At most this many components get charts. */
export const MAX_CHARTED_COMPONENTS = 3;

export function incidentChartSpecs(incident: IncidentRecord): ChartSpec[] {
  const keys = [...new Set([incident.rootKey ?? incident.key, incident.key, ...incident.members])].slice(0, MAX_CHARTED_COMPONENTS);
  const specs: ChartSpec[] = [];
  for (const key of keys) {
    const c = tryParseComponentId(key);
    if (!c) continue;
    const pick = c.kind === "service" ? serviceChartSpecs(c.name) : nodeChartSpecs(c.name).filter((s) => ["cpu", "memory", "phi"].includes(s.id));
    for (const s of pick) specs.push({ ...s, id: `${key}/${s.id}`, title: `${c.name} · ${s.title}` });
  }
  return specs;
}

export function incidentCharts(store: SeriesStore, incident: IncidentRecord, timeline: readonly JournalEvent[], now: number): ChartsPayload {
  const from = incident.firstSignalAt - BEFORE_ONSET_MS;
  const to = Math.min(now, (incident.resolvedAt ?? now) + AFTER_RESOLVED_MS);
  const charts = readCharts(store, incidentChartSpecs(incident), { label: "incident", ms: Math.max(to - from, 60_000) }, now, to);
  const markers: ChartMarker[] = timeline
    .filter((e) => e.kind === "incident.opened" || e.kind === "action.started" || e.kind === "recovery.verified" || e.kind === "incident.resolved")
    .map((e) => ({ ts: e.ts, kind: e.kind === "incident.resolved" || e.kind === "recovery.verified" ? "up" : "alert", text: e.kind }));
  return { ...charts, markers };
}
