// The node page's data: CPU, memory, disk, network and φ charts over a range, with markers
// where the journal says something happened to the node (anomaly and forecast alerts firing,
// the node going down, unreachable or up again).
import type { JournalEvent } from "../../storage/storage.js";
import type { SeriesStore } from "../../tsdb/series-store.js";
import { chartWindow, gridTimes } from "./chart-range.js";
import { readChart, type Chart, type ChartSpec } from "./chart-reader.js";
import { PHI_METRIC } from "./phi-samples.js";

export interface ChartMarker {
  ts: number;
  kind: "anomaly" | "forecast" | "alert" | "down" | "unreachable" | "up";
  text: string;
}

export interface ChartsPayload {
  range: string;
  from: number;
  to: number;
  stepMs: number;
  /** The grid's times (ms); every series' values line up with it. */
  x: number[];
  charts: Chart[];
  markers: ChartMarker[];
}

/** The journal kinds that become markers on a node's charts. */
export const NODE_MARKER_KINDS = ["alert.firing", "node.down", "node.unreachable", "node.up"];

export function nodeChartSpecs(node: string): ChartSpec[] {
  const byDevice = (l: Record<string, string>) => l.device ?? "?";
  const isLoopback = (l: Record<string, string>) => l.device === "lo";
  return [
    { id: "cpu", title: "CPU", unit: "ratio", metric: "node_cpu_usage_ratio", match: { node }, seriesLabel: () => "used" },
    { id: "memory", title: "Memory", unit: "ratio", metric: "node_memory_used_ratio", match: { node }, seriesLabel: () => "used", forecastLimit: 1 },
    { id: "disk", title: "Disk", unit: "ratio", metric: "node_filesystem_used_ratio", match: { node }, seriesLabel: (l) => l.mountpoint ?? "?", forecastLimit: 1 },
    { id: "net-rx", title: "Network in", unit: "bytes/s", metric: "node_network_receive_bytes_per_second", match: { node }, seriesLabel: byDevice, exclude: isLoopback, sumAs: "received" },
    { id: "net-tx", title: "Network out", unit: "bytes/s", metric: "node_network_transmit_bytes_per_second", match: { node }, seriesLabel: byDevice, exclude: isLoopback, sumAs: "sent" },
    { id: "phi", title: "φ (suspicion)", unit: "phi", metric: PHI_METRIC, match: { node }, seriesLabel: () => "φ" },
  ];
}

export function readCharts(store: SeriesStore, specs: readonly ChartSpec[], range: { label: string; ms: number }, now: number, to = now): Omit<ChartsPayload, "markers"> {
  const w = chartWindow(to, range.ms);
  const x = gridTimes(w);
  return { range: range.label, from: w.from, to: w.to, stepMs: w.stepMs, x, charts: specs.map((spec) => readChart(store, spec, w, x.length, now)) };
}

/** Markers from journal events (alert.firing of anomaly and forecast rules, node.*). */
export function markersFrom(events: readonly JournalEvent[]): ChartMarker[] {
  const out: ChartMarker[] = [];
  for (const e of events) {
    if (e.kind === "alert.firing") {
      const labels = (e.data.labels ?? {}) as Record<string, string>;
      const annotations = (e.data.annotations ?? {}) as Record<string, string>;
      const kind = annotations.probability !== undefined ? "anomaly" : annotations.forecast_state !== undefined ? "forecast" : "alert";
      out.push({ ts: e.ts, kind, text: `${labels.alertname ?? "alert"}: ${annotations.summary ?? ""}`.trim() });
    } else if (e.kind === "node.down" || e.kind === "node.unreachable" || e.kind === "node.up") {
      const reason = typeof e.data.reason === "string" ? `: ${e.data.reason}` : "";
      out.push({ ts: e.ts, kind: e.kind.slice("node.".length) as ChartMarker["kind"], text: `node ${e.kind.slice("node.".length)}${reason}` });
    }
  }
  return out;
}
