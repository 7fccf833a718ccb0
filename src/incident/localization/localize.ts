// Root-cause localization: the one entry point. Pure and clock-injected: everything it
// knows comes in `input`, the time is `now`, the series through a SeriesReader.
//
//   const localization = localize({ topology, observations, series, limits }, clock.now());
//
// - topology: the config's services ({ name, node, dependsOn }); a service implicitly
//   depends on its node.
// - observations: per component ("service:db", "node:node-b") its status (failing /
//   healthy / unknown), first signal and evidence items ({ source, kind, detail, strength,
//   at }); evidence-from-signals.ts turns health transitions, process events and liveness
//   verdicts into such items.
// - series: seriesReaderFromStore(store) over the server's series store (or null: then
//   only process and node evidence name a cause).
// - limits: optional declared limits per service name ({ memoryBytes, fds, cpuCores }).
//
// It returns null when nothing fails and nothing carries evidence; otherwise the root
// component, the cause (crash, hang, restarting, memory, cpu, disk, fds, network,
// node-down, unknown), a confidence, the sentence ("root cause: db on node-b — memory
// exhausted (RSS 98% of limit, rising 4 MB/s since 14:02:11); confidence 0.92"), the
// evidence and every ranked candidate: what the `incident.localized` journal event carries.
// Bad input throws a LocalizationInputError naming the field. It keeps no state, so it can
// be called again as more evidence arrives (a second exit turns a crash into a crash loop).
import { LocalizationInputError, parseComponentId, type ComponentId } from "./component.js";
import { DEFAULT_RANKING_OPTIONS, rankCandidates, type RankedCandidate, type RankingOptions } from "./candidate-ranking.js";
import { DEFAULT_ATTRIBUTION_WINDOWS, type AttributionWindows, type Cause, type ResourceLimits } from "./causes/cause.js";
import { checkObservations, type ComponentObservation, type Evidence } from "./observation.js";
import { attributeCause } from "./resource-attribution.js";
import type { SeriesReader } from "./series-reader.js";
import { formatClock } from "./time-format.js";
import { TopologyGraph, type Topology } from "./topology-graph.js";

export interface LocalizationInput {
  topology: Topology;
  observations: readonly ComponentObservation[];
  series?: SeriesReader | null;
  /** Declared limits by service name. */
  limits?: Readonly<Record<string, ResourceLimits>>;
  options?: LocalizationOptions;
}

export interface LocalizationOptions {
  ranking?: Partial<RankingOptions>;
  windows?: Partial<AttributionWindows>;
  /** Time zone of the times in the sentence (IANA name; default UTC). */
  timeZone?: string;
}

export interface Localization {
  root: ComponentId;
  kind: "service" | "node";
  /** The service's or node's name. */
  target: string;
  /** The node it runs on (a node's own name). */
  node: string | null;
  cause: Cause;
  /** rootConfidence · causeConfidence; rootConfidence alone when the cause is unknown. */
  confidence: number;
  /** How likely the root is right, from the ranking. */
  rootConfidence: number;
  /** How sure the attribution is of the cause (0 when unknown). */
  causeConfidence: number;
  /** The root's first signal: the moment the resources were judged at. */
  onset: number;
  summary: string;
  /** Why this root (ranking reasons), then why this cause (the findings' lines). */
  evidence: string[];
  candidates: RankedCandidate[];
  /** Other likely roots not connected to this one in the dependency graph: separate faults. */
  independentRoots: ComponentId[];
}

export function localize(input: LocalizationInput, now: number): Localization | null {
  if (!Number.isFinite(now)) throw new LocalizationInputError(`now: expected a time in ms, got ${now}`);
  if (!input || typeof input !== "object") throw new LocalizationInputError("input: expected { topology, observations, series?, limits? }");
  if (!input.topology || !Array.isArray(input.topology.services)) throw new LocalizationInputError("topology.services: expected an array of { name, node, dependsOn? }");
  if (!Array.isArray(input.observations)) throw new LocalizationInputError("observations: expected an array");
  const options = input.options ?? {};
  const graph = new TopologyGraph(input.topology);
  const observations = checkObservations(input.observations, graph, now);
  const clock = (ts: number) => formatClock(ts, options.timeZone);
  const candidates = rankCandidates(graph, observations, { ...DEFAULT_RANKING_OPTIONS, ...options.ranking }, clock);
  const top = candidates[0];
  if (!top || top.score <= 0) return null;

  const { kind, name } = parseComponentId(top.component, "candidate");
  const node = graph.nodeOf(top.component);
  const own = observations.get(top.component)!;
  const nodeEvidence: Evidence[] = kind === "service" && node ? (observations.get(`node:${node}`)?.evidence ?? []) : [];
  const onset = own.firstSignalAt ?? now;
  const attribution = attributeCause({
    target: { kind, name, node },
    onset,
    now,
    evidence: [...own.evidence, ...nodeEvidence].sort((a, b) => a.at - b.at),
    series: input.series ?? null,
    limits: kind === "service" ? (input.limits?.[name] ?? {}) : {},
    windows: { ...DEFAULT_ATTRIBUTION_WINDOWS, ...options.windows },
    formatClock: clock,
  });

  const independentRoots = candidates
    .slice(1)
    .filter((c) => c.evidenceStrength >= 0.5 && c.explainedByDependencies < 0.5 && !connected(graph, top.component, c.component))
    .map((c) => c.component);
  const rootConfidence = top.confidence;
  const confidence = attribution.cause === "unknown" ? rootConfidence : rootConfidence * attribution.confidence;
  const where = kind === "service" ? `${name}${node ? ` on ${node}` : ""}` : `node ${name}`;
  const also = independentRoots.length > 0 ? `; also failing independently: ${independentRoots.map((c) => describeComponent(graph, c)).join(", ")}` : "";
  return {
    root: top.component,
    kind,
    target: name,
    node,
    cause: attribution.cause,
    confidence: round2(confidence),
    rootConfidence: round2(rootConfidence),
    causeConfidence: round2(attribution.confidence),
    onset,
    summary: `root cause: ${where} — ${attribution.phrase}; confidence ${round2(confidence).toFixed(2)}${also}`,
    evidence: [...top.reasons.map((r) => `${top.component}: ${r}`), ...attribution.evidence],
    candidates,
    independentRoots,
  };
}

/** Whether one of the two needs the other, directly or through others. */
function connected(graph: TopologyGraph, a: ComponentId, b: ComponentId): boolean {
  return graph.transitiveDependents(a).includes(b) || graph.transitiveDependents(b).includes(a);
}

function describeComponent(graph: TopologyGraph, id: ComponentId): string {
  const { kind, name } = parseComponentId(id, "candidate");
  return kind === "node" ? `node ${name}` : `${name} on ${graph.nodeOf(id) ?? "?"}`;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
