// A small simulated cluster for localization scenarios: every service and node gets the
// metrics the agent collects (with seeded noise and per-component base levels), faults
// change those series the way the real fault would, and failures propagate to dependents
// with their own probe intervals. The result is what the server would hand the localizer:
// observations and a series store (the real in-memory store, read through its adapter).
import type { ComponentId } from "../../../src/incident/localization/component.js";
import { nodeId, serviceId } from "../../../src/incident/localization/component.js";
import { EVIDENCE_STRENGTH } from "../../../src/incident/localization/evidence-from-signals.js";
import type { LocalizationInput } from "../../../src/incident/localization/localize.js";
import type { ComponentObservation, Evidence, EvidenceKind } from "../../../src/incident/localization/observation.js";
import { seriesReaderFromStore } from "../../../src/incident/localization/series-reader.js";
import type { ResourceLimits } from "../../../src/incident/localization/causes/cause.js";
import { TopologyGraph, type Topology } from "../../../src/incident/localization/topology-graph.js";
import type { Sample } from "../../../src/protocol/messages.js";
import { MemorySeriesStore } from "../../../src/tsdb/memory-store.js";
import type { Labels } from "../../../src/tsdb/series-store.js";
import { seededNormal, seededRandom } from "../../detect/forecast/series-fixtures.js";

export const MB = 2 ** 20;
export const GB = 2 ** 30;
const KB = 1024;

/** A value at time t, or null when there is no sample (the process or the node is gone). */
export type ValueFn = (t: number) => number | null;

interface SeriesModel {
  name: string;
  labels: Labels;
  fn: ValueFn;
  /** The value at cachedAt: a series read by another (free bytes from the used ratio) draws its noise once per t. */
  cachedAt?: number;
  cached?: number | null;
}

function evaluate(model: SeriesModel, t: number): number | null {
  if (model.cachedAt !== t) {
    model.cached = model.fn(t);
    model.cachedAt = t;
  }
  return model.cached!;
}

export interface WorldOptions {
  topology: Topology;
  seed: number;
  /** When the fault begins (ms). */
  faultAt: number;
  /** History kept before the fault (default 50 min). */
  historyMs?: number;
  /** Metric sampling interval (default 5 s). */
  sampleMs?: number;
  /** Per-node memory (default 8 GB). */
  nodeMemoryBytes?: Record<string, number>;
  /** Per-node CPU cores (default 4). */
  nodeCores?: Record<string, number>;
  /** Probe interval per service (default: drawn from 1, 2, 5, 10 s). */
  probeIntervalMs?: Record<string, number>;
  limits?: Record<string, ResourceLimits>;
}

interface ObservationDraft {
  status: "failing" | "healthy" | "unknown";
  firstSignalAt: number | null;
  evidence: Evidence[];
}

export class ScenarioWorld {
  readonly topology: Topology;
  readonly graph: TopologyGraph;
  /** When the fault begins; `later()` moves it for a second fault. */
  faultAt: number;
  readonly start: number;
  readonly sampleMs: number;
  readonly random: () => number;
  readonly normal: () => number;
  readonly probeInterval = new Map<string, number>();
  readonly nodeMemory = new Map<string, number>();
  readonly nodeCores = new Map<string, number>();
  /** Base levels drawn per service, for faults that build on them. */
  readonly base = new Map<string, { cpu: number; rss: number; fds: number }>();
  readonly limits: Record<string, ResourceLimits>;
  private readonly series = new Map<string, SeriesModel>();
  private readonly drafts = new Map<ComponentId, ObservationDraft>();
  private seriesSeed: number;

  constructor(o: WorldOptions) {
    this.topology = o.topology;
    this.graph = new TopologyGraph(o.topology);
    this.faultAt = o.faultAt;
    this.start = o.faultAt - (o.historyMs ?? 50 * 60_000);
    this.sampleMs = o.sampleMs ?? 5000;
    this.random = seededRandom(o.seed);
    this.normal = seededNormal(o.seed + 101);
    this.seriesSeed = o.seed * 1000;
    this.limits = o.limits ?? {};
    for (const id of this.graph.components()) this.drafts.set(id, { status: "healthy", firstSignalAt: null, evidence: [] });
    const nodes = new Set(o.topology.services.map((s) => s.node));
    for (const n of o.topology.nodes ?? []) nodes.add(n);
    for (const node of nodes) this.addNode(node, o.nodeMemoryBytes?.[node] ?? 8 * GB, o.nodeCores?.[node] ?? 4);
    for (const s of o.topology.services) {
      this.probeInterval.set(s.name, o.probeIntervalMs?.[s.name] ?? this.pick([1000, 2000, 5000, 10_000]));
      this.addService(s.name, s.node);
    }
  }

  /** Runs `fault` as if the fault time were `shiftMs` later (a second, independent fault). */
  later<T>(shiftMs: number, fault: () => T): T {
    const original = this.faultAt;
    this.faultAt = original + shiftMs;
    try {
      return fault();
    } finally {
      this.faultAt = original;
    }
  }

  // ---- randomness -------------------------------------------------------------

  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  /** A noise source of its own for one series, so series do not share draws. */
  private noise(): () => number {
    return seededNormal(++this.seriesSeed);
  }

  // ---- series -----------------------------------------------------------------

  private key(name: string, labels: Labels): string {
    return `${name}${JSON.stringify(Object.entries(labels).sort())}`;
  }

  define(name: string, labels: Labels, fn: ValueFn): void {
    this.series.set(this.key(name, labels), { name, labels, fn });
  }

  /** Wraps a series' value function: `change(previous)` returns the new one. */
  modify(name: string, labels: Labels, change: (previous: ValueFn) => ValueFn): void {
    const model = this.series.get(this.key(name, labels));
    if (!model) throw new Error(`scenario: no series ${name} ${JSON.stringify(labels)}`);
    model.fn = change(model.fn);
    model.cachedAt = undefined;
  }

  /** A level with relative normal noise, clamped to [low, high]. */
  noisy(level: number, relative: number, low = 0, high = Infinity): ValueFn {
    const n = this.noise();
    return () => Math.min(high, Math.max(low, level * (1 + relative * n())));
  }

  private addNode(node: string, memory: number, cores: number): void {
    this.nodeMemory.set(node, memory);
    this.nodeCores.set(node, cores);
    const l = { node };
    this.define("node_cpu_usage_ratio", l, this.noisy(this.uniform(0.15, 0.45), 0.15, 0, 1));
    this.define("node_memory_total_bytes", l, () => memory);
    this.define("node_memory_used_ratio", l, this.noisy(this.uniform(0.35, 0.6), 0.02, 0, 1));
    for (const [mount, size] of [["/", 40 * GB], ["/data", 200 * GB]] as const) {
      const used = this.uniform(0.3, 0.7);
      const growth = this.uniform(0, 2e-9); // slow organic growth, ratio per ms (≈ 0.7% per hour at most)
      const ml = { node, mountpoint: mount, device: mount === "/" ? "/dev/sda1" : "/dev/sdb1", fstype: "ext4" };
      const n = this.noise();
      this.define("node_filesystem_used_ratio", ml, (t) => Math.min(1, used + growth * (t - this.start) + 0.0005 * n()));
      this.define("node_filesystem_size_bytes", ml, () => size);
      this.define("node_filesystem_free_bytes", ml, () => null); // derived below from the used ratio
      const usedModel = this.series.get(this.key("node_filesystem_used_ratio", ml))!;
      this.modify("node_filesystem_free_bytes", ml, () => (t) => {
        const ratio = evaluate(usedModel, t);
        return ratio === null ? null : Math.max(0, size * (1 - ratio));
      });
      this.define("node_filesystem_inodes_free_ratio", ml, this.noisy(this.uniform(0.6, 0.95), 0.001, 0, 1));
    }
    for (const device of ["eth0", "lo"]) {
      const dl = { node, device };
      this.define("node_network_receive_bytes_per_second", dl, this.noisy(device === "lo" ? 50 * KB : this.uniform(300 * KB, 3 * MB), 0.12));
      this.define("node_network_transmit_bytes_per_second", dl, this.noisy(device === "lo" ? 50 * KB : this.uniform(300 * KB, 3 * MB), 0.12));
      // Errors: almost always 0, now and then a stray one.
      const r = seededRandom(++this.seriesSeed);
      this.define("node_network_receive_errors_per_second", dl, () => (r() < 0.01 ? 0.2 : 0));
      this.define("node_network_transmit_errors_per_second", dl, () => (r() < 0.005 ? 0.2 : 0));
    }
  }

  private addService(service: string, node: string): void {
    const l = { service, node };
    const base = { cpu: this.uniform(0.03, 0.3), rss: this.uniform(80, 400) * MB, fds: Math.round(this.uniform(25, 140)) };
    this.base.set(service, base);
    this.define("service_cpu_usage_ratio", l, this.noisy(base.cpu, 0.25, 0));
    // RSS: a garbage-collected heap's sawtooth plus noise.
    const n = this.noise();
    const period = this.uniform(60_000, 240_000);
    this.define("service_memory_rss_bytes", l, (t) => base.rss * (1 + 0.04 * (((t - this.start) % period) / period) + 0.01 * n()));
    const f = this.noise();
    this.define("service_open_fds", l, () => Math.max(0, Math.round(base.fds + 3 * f())));
  }

  /** The service's process is gone from `from` on (no process samples) until `until`. */
  processGone(service: string, from: number, until = Infinity): void {
    const node = this.nodeOf(service);
    for (const name of ["service_cpu_usage_ratio", "service_memory_rss_bytes", "service_open_fds"]) {
      this.modify(name, { service, node }, (prev) => (t) => (t >= from && t < until ? null : prev(t)));
    }
  }

  /** The node sends nothing from `from` on. */
  nodeSilent(node: string, from: number): void {
    for (const model of this.series.values()) {
      if (model.labels.node !== node) continue;
      const prev = model.fn;
      model.fn = (t) => (t >= from ? null : prev(t));
    }
  }

  nodeOf(service: string): string {
    const s = this.topology.services.find((x) => x.name === service);
    if (!s) throw new Error(`scenario: no service ${service}`);
    return s.node;
  }

  // ---- observations ------------------------------------------------------------

  evidence(kind: EvidenceKind, detail: string, at: number, source?: string, strength?: number): Evidence {
    const from = source ?? (kind.startsWith("process") ? "process" : kind.startsWith("node") ? "node" : kind === "alert" ? "alert" : "probe");
    return { source: from, kind, detail, strength: strength ?? EVIDENCE_STRENGTH[kind], at };
  }

  /** The component fails with these evidence items; its first signal is the earliest of them unless given. */
  fail(component: ComponentId, evidence: Evidence[], firstSignalAt?: number): void {
    const d = this.drafts.get(component)!;
    d.status = "failing";
    d.evidence.push(...evidence);
    const first = firstSignalAt ?? Math.min(...evidence.map((e) => e.at));
    d.firstSignalAt = d.firstSignalAt === null ? first : Math.min(d.firstSignalAt, first);
  }

  setStatus(component: ComponentId, status: ObservationDraft["status"], firstSignalAt: number | null = null): void {
    const d = this.drafts.get(component)!;
    d.status = status;
    if (firstSignalAt !== null) d.firstSignalAt = firstSignalAt;
  }

  /** Evidence on a component that keeps its status (a slow probe on a healthy service). */
  note(component: ComponentId, evidence: Evidence): void {
    this.drafts.get(component)!.evidence.push(evidence);
  }

  /** A service's first failing probe observation after its failure began at `effectAt`: up to one probe interval later. */
  firstProbeFailure(service: string, effectAt: number): number {
    return Math.round(effectAt + this.random() * this.probeInterval.get(service)!);
  }

  /**
   * The failure spreads from `from` to everything that needs it, transitively: each
   * dependent's calls start failing 0.2–2 s per hop after its dependency's failure began, and
   * its own probe notices within one of its probe intervals. Services on a dead node are
   * left to the caller (they become unknown, not failing).
   */
  propagate(from: ComponentId, effectAt: number, skip: ReadonlySet<ComponentId> = new Set()): void {
    const effect = new Map<ComponentId, number>([[from, effectAt]]);
    const queue: ComponentId[] = [from];
    while (queue.length > 0) {
      const c = queue.shift()!;
      for (const d of this.graph.dependentsOf(c)) {
        if (effect.has(d) || skip.has(d)) continue;
        const at = effect.get(c)! + this.uniform(200, 2000);
        effect.set(d, at);
        queue.push(d);
        const name = d.slice("service:".length);
        const first = this.firstProbeFailure(name, at);
        const kind = this.random() < 0.5 ? "probe-error" : "probe-timeout";
        const detail = kind === "probe-error" ? "HTTP 502" : `timed out after ${this.pick([300, 500, 1000])}ms`;
        this.fail(d, [this.evidence(kind, detail, first)]);
        this.victimEffects(name, at);
      }
    }
  }

  /** What a victim's metrics do when a dependency stops answering: requests pile up (fds), CPU falls. */
  private victimEffects(service: string, at: number): void {
    const l = { service, node: this.nodeOf(service) };
    const pileUp = this.uniform(1.5, 4);
    this.modify("service_open_fds", l, (prev) => (t) => {
      const v = prev(t);
      return v === null || t < at ? v : Math.round(v * Math.min(pileUp, 1 + (pileUp - 1) * ((t - at) / 30_000)));
    });
    this.modify("service_cpu_usage_ratio", l, (prev) => (t) => {
      const v = prev(t);
      return v === null || t < at ? v : v * 0.4;
    });
  }

  // ---- output -----------------------------------------------------------------------

  /** The localizer's input at `now`: every component's observation and the series up to now. */
  input(now: number): LocalizationInput {
    const store = new MemorySeriesStore({ retentionMs: 10 * 3_600_000, maxPointsPerSeries: 100_000 });
    const samples: Sample[] = [];
    for (let t = this.start; t <= now; t += this.sampleMs) {
      for (const model of this.series.values()) {
        const value = evaluate(model, t);
        if (value !== null && Number.isFinite(value)) samples.push({ name: model.name, labels: model.labels, ts: t, value });
      }
    }
    const result = store.append(samples);
    if (result.rejected > 0) throw new Error(`scenario: the store rejected ${result.rejected} samples`);
    const observations: ComponentObservation[] = [...this.drafts.entries()].map(([component, d]) => ({
      component,
      status: d.status,
      firstSignalAt: d.firstSignalAt,
      evidence: d.evidence,
    }));
    return { topology: this.topology, observations, series: seriesReaderFromStore(store), limits: this.limits };
  }

  /** When the last failing component was first seen: the incident is opened about then. */
  lastFirstSignal(): number {
    let last = -Infinity;
    for (const d of this.drafts.values()) if (d.firstSignalAt !== null && d.status !== "healthy") last = Math.max(last, d.firstSignalAt);
    return last;
  }
}

export { nodeId, serviceId };
