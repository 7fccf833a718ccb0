// Ranks root-cause candidates over the dependency graph. A failing component is the likely
// root when its own evidence is strong, its dependencies are healthy (nothing upstream
// explains it) and its dependents fail (it explains them); earlier first signals weigh
// toward root. Pure: observations and options in, ranked candidates out.
import type { ComponentId } from "./component.js";
import { combinedStrength, strongestEvidence, type CheckedObservation, type ComponentStatus, type EvidenceKind } from "./observation.js";
import type { TopologyGraph } from "./topology-graph.js";
import { formatClock, formatSeconds } from "./time-format.js";

export interface RankingOptions {
  /**
   * A failing dependency explains a dependent's failure when its first signal came no more
   * than this long after the dependent's. Probe intervals and failure counts differ per
   * service (db checked every 10 s × 3, web every 1 s × 2), so a victim is often seen first;
   * within this slack the topology wins over time order. Default 60 s.
   */
  explainSlackMs: number;
  /** Beyond the slack, a later dependency's power to explain decays with this time constant; it also scales earliness. Default 120 s. */
  timeConstantMs: number;
  /** Strength assumed for a component reported failing without any evidence item. Default 0.5. */
  bareFailureStrength: number;
}

export const DEFAULT_RANKING_OPTIONS: Readonly<RankingOptions> = Object.freeze({
  explainSlackMs: 60_000,
  timeConstantMs: 120_000,
  bareFailureStrength: 0.5,
});

export interface RankedCandidate {
  component: ComponentId;
  status: ComponentStatus;
  /** Ranking score (unitless, only the order and the ratios mean something). */
  score: number;
  /** How likely this is the root, in [0, 1]: its root likelihood times its share of all candidates' scores. */
  confidence: number;
  /** Own evidence, noisy-OR combined, times the status weight. */
  evidenceStrength: number;
  /** How well failing dependencies explain this component's failure, in [0, 1]. */
  explainedByDependencies: number;
  /** Failing (1) and unknown (½) components that need this one, transitively, each weighted by whether c failed in time to explain it. */
  failingDependents: number;
  firstSignalAt: number | null;
  reasons: string[];
}

/** Evidence a failing dependency rarely causes: the component's own process or node gave out. */
const INTRINSIC_KINDS: ReadonlySet<EvidenceKind> = new Set(["process-exited", "process-stopped", "node-down"]);

/** A component's status counts this much: a healthy one with evidence is a weak suspect. */
const STATUS_WEIGHT: Record<ComponentStatus, number> = { failing: 1, unknown: 0.6, healthy: 0.35 };

/**
 * Candidates are the components that fail or carry evidence. For each c:
 *   E(c) = noisy-OR of its evidence strengths × status weight; split into the intrinsic part
 *          I(c) (process exited or stopped, node down: things a failing dependency rarely
 *          does to a component) and the symptomatic part S(c) (probes, alerts)
 *   V(c) = noisy-OR over failing dependencies d of E(d) · time(d, c)      (c is a victim)
 *          time = 1 if first(d) ≤ first(c) + slack, else e^(−(first(d) − first(c) − slack)/τ);
 *          a service on a failing node fails with its node
 *   p(c) = 1 − (1 − I(c)·(1 − ½V(c))) · (1 − S(c)·(1 − V(c)))           (c is a root)
 *          a dependency explains symptoms fully, an intrinsic failure only half (a service
 *          may exit because its database went away, but mostly it does not)
 *   score(c) = p(c) · (1 + ½·log₂(1 + D(c))) · (0.75 + 0.25·e^(−(first(c) − earliest)/τ))
 *          D(c) = failing dependents (transitively, cycles once) + ½ per unknown one, each
 *          weighted by time(c, dependent): a dependent failing long before c is not c's doing
 *   confidence(c) = p(c) · score(c) / Σ score
 * Only direct dependencies are asked to explain c, so a cycle is never walked for V; the
 * transitive walk for D keeps a visited set. Sorted by score, ties by first signal, then id.
 */
export function rankCandidates(
  graph: TopologyGraph,
  observations: ReadonlyMap<ComponentId, CheckedObservation>,
  options: Partial<RankingOptions> = {},
  clock: (ts: number) => string = formatClock,
): RankedCandidate[] {
  const o = { ...DEFAULT_RANKING_OPTIONS, ...options };
  const suspects = [...observations.values()].filter((obs) => obs.status === "failing" || obs.evidence.length > 0);
  if (suspects.length === 0) return [];
  const strength = (obs: CheckedObservation): number => {
    const own = obs.evidence.length > 0 ? combinedStrength(obs.evidence) : obs.status === "failing" ? o.bareFailureStrength : 0;
    return own * STATUS_WEIGHT[obs.status];
  };
  const intrinsic = (obs: CheckedObservation): number =>
    combinedStrength(obs.evidence.filter((e) => INTRINSIC_KINDS.has(e.kind))) * STATUS_WEIGHT[obs.status];
  const symptomatic = (obs: CheckedObservation): number => {
    const items = obs.evidence.filter((e) => !INTRINSIC_KINDS.has(e.kind));
    const own = items.length > 0 ? combinedStrength(items) : obs.status === "failing" && obs.evidence.length === 0 ? o.bareFailureStrength : 0;
    return own * STATUS_WEIGHT[obs.status];
  };
  /** How strongly d is failing, as a dependency: its own evidence, or its node's when the node is failing. */
  const failing = (d: ComponentId): { obs: CheckedObservation; strength: number } | null => {
    const dep = observations.get(d);
    let best: { obs: CheckedObservation; strength: number } | null = null;
    if (dep && dep.status !== "healthy" && !(dep.status === "unknown" && dep.evidence.length === 0)) best = { obs: dep, strength: strength(dep) };
    const host = graph.nodeOf(d);
    const node = d.startsWith("service:") && host ? observations.get(`node:${host}`) : undefined;
    if (node && node.status === "failing") {
      const viaNode = strength(node);
      if (!best || viaNode > best.strength) best = { obs: node, strength: viaNode };
    }
    return best;
  };
  const earliest = Math.min(...suspects.map((s) => s.firstSignalAt ?? Infinity));

  const drafts = suspects.map((obs) => {
    const c = obs.component;
    const e = strength(obs);
    const reasons: string[] = [];
    const top = strongestEvidence(obs.evidence);
    reasons.push(
      `${obs.status}${obs.firstSignalAt !== null ? ` since ${clock(obs.firstSignalAt)}` : ""}` +
        (top ? ` (${top.detail}; evidence ${e.toFixed(2)})` : ` (no evidence item; strength ${e.toFixed(2)})`),
    );

    // Victim: failing dependencies that were seen in time to explain c.
    let notExplained = 1;
    const explainers: string[] = [];
    const healthyDeps: string[] = [];
    for (const d of graph.dependenciesOf(c)) {
      const dep = failing(d);
      if (!dep) {
        if (observations.get(d)?.status === "healthy") healthyDeps.push(d);
        continue;
      }
      const time = explainsInTime(dep.obs.firstSignalAt, obs.firstSignalAt, o);
      const v = dep.strength * time;
      if (v <= 0) continue;
      notExplained *= 1 - v;
      const late = time < 1 ? `, though first seen ${formatSeconds(dep.obs.firstSignalAt! - (obs.firstSignalAt ?? 0))} later` : "";
      const via = dep.obs.component !== d ? ` on failing ${dep.obs.component}` : "";
      explainers.push(`${d}${via} (${dep.obs.status}, ${v.toFixed(2)}${late})`);
    }
    const victim = 1 - notExplained;
    if (explainers.length > 0) reasons.push(`depends on ${explainers.join(", ")}: likely a victim (${victim.toFixed(2)})`);
    else if (graph.dependenciesOf(c).length > 0) reasons.push(`no failing dependency${healthyDeps.length > 0 ? ` (${healthyDeps.join(", ")} healthy)` : ""}`);

    // Support: the failures this component would explain.
    let dependents = 0;
    const failingNames: string[] = [];
    for (const d of graph.transitiveDependents(c)) {
      const dep = observations.get(d);
      // A dependent that failed long before c is not c's doing: the same time rule as above.
      const time = dep ? explainsInTime(obs.firstSignalAt, dep.firstSignalAt, o) : 0;
      if (dep?.status === "failing") {
        dependents += time;
        if (time > 0.5) failingNames.push(d);
      } else if (dep?.status === "unknown") dependents += 0.5 * time;
    }
    if (failingNames.length > 0) reasons.push(`explains ${failingNames.length} failing dependent${failingNames.length === 1 ? "" : "s"}: ${failingNames.join(", ")}`);

    const first = obs.firstSignalAt;
    const lag = first === null ? Infinity : first - earliest;
    const earliness = 0.75 + 0.25 * (Number.isFinite(lag) ? Math.exp(-lag / o.timeConstantMs) : 0);
    if (first !== null && lag === 0 && suspects.length > 1) reasons.push("first signal of all");
    else if (first !== null && lag > 0) reasons.push(`first signal ${formatSeconds(lag)} after the earliest`);

    const p = 1 - (1 - intrinsic(obs) * (1 - victim / 2)) * (1 - symptomatic(obs) * (1 - victim));
    const score = p * (1 + 0.5 * Math.log2(1 + dependents)) * earliness;
    return { component: c, status: obs.status, score, p, evidenceStrength: e, explainedByDependencies: victim, failingDependents: dependents, firstSignalAt: first, reasons };
  });

  const total = drafts.reduce((sum, d) => sum + d.score, 0);
  return drafts
    .map(({ p, ...d }) => ({ ...d, confidence: total > 0 ? p * (d.score / total) : 0 }))
    .sort(
      (a, b) =>
        b.score - a.score ||
        (a.firstSignalAt ?? Infinity) - (b.firstSignalAt ?? Infinity) ||
        (a.component < b.component ? -1 : a.component > b.component ? 1 : 0),
    );
}

/** How much a dependency first seen at `dep` can explain a dependent first seen at `own`, in [0, 1]. */
function explainsInTime(dep: number | null, own: number | null, o: RankingOptions): number {
  if (dep === null || own === null) return 1;
  const late = dep - own - o.explainSlackMs;
  return late <= 0 ? 1 : Math.exp(-late / o.timeConstantMs);
}
