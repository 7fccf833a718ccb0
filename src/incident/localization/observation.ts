// What the localizer is told about each component: failing, healthy or unknown, when the
// first signal came, and the evidence items behind it, each with a strength in [0, 1].
// Validated once here; the ranking and the attribution trust what passes.
import { LocalizationInputError, parseComponentId, type ComponentId } from "./component.js";
import type { TopologyGraph } from "./topology-graph.js";

export type ComponentStatus = "failing" | "healthy" | "unknown";

/**
 * What an evidence item means, whatever subsystem reported it. The process kinds and
 * node-down are decisive for the cause; the probe kinds say how a failure looked.
 */
export const EVIDENCE_KINDS = [
  "process-exited", // the process ended without Vigil asking (crash, OOM kill)
  "process-started", // a new process (a restart)
  "process-stopped", // the process exists but cannot run (state T/t)
  "probe-timeout", // the health probe got no answer in time
  "probe-refused", // nothing listens (connection refused)
  "probe-error", // an answer, but a bad one (HTTP 5xx, exec exit code)
  "probe-slow", // a single slow or failed probe, not (yet) a health change
  "node-down", // the failure detector's dead verdict, confirmed by probes
  "node-suspect", // heartbeats late, nothing confirmed
  "node-unreachable", // unreachable, but the control plane may be the one cut off
  "alert", // a firing alert (threshold, anomaly, forecast) about the component
] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export interface Evidence {
  /** The subsystem that reported it: "probe", "process", "node", "alert", "anomaly", "snapshot", … */
  source: string;
  kind: EvidenceKind;
  /** What was observed, as a person reads it: "process exited (exit code 1)". */
  detail: string;
  /** How strongly it says the component itself is faulty, in [0, 1]. */
  strength: number;
  /** When it was observed (ms). */
  at: number;
}

export interface ComponentObservation {
  component: ComponentId;
  status: ComponentStatus;
  /** The first failing observation; defaults to the earliest evidence. */
  firstSignalAt?: number | null;
  evidence?: readonly Evidence[];
}

/** An observation after validation, with evidence up to `now`, oldest first. */
export interface CheckedObservation {
  component: ComponentId;
  status: ComponentStatus;
  firstSignalAt: number | null;
  evidence: Evidence[];
}

const STATUSES: readonly ComponentStatus[] = ["failing", "healthy", "unknown"];

/**
 * Validates the observations against the graph; evidence after `now` is left out (it has not
 * happened yet for this decision). Throws a LocalizationInputError naming the bad field.
 */
export function checkObservations(
  observations: readonly ComponentObservation[],
  graph: TopologyGraph,
  now: number,
): Map<ComponentId, CheckedObservation> {
  const out = new Map<ComponentId, CheckedObservation>();
  observations.forEach((o, i) => {
    const where = `observations[${i}]`;
    parseComponentId(o.component, `${where}.component`);
    if (!graph.has(o.component)) throw new LocalizationInputError(`${where}.component: "${o.component}" is not in the topology`);
    if (out.has(o.component)) throw new LocalizationInputError(`${where}.component: "${o.component}" is observed twice`);
    if (!STATUSES.includes(o.status)) {
      throw new LocalizationInputError(`${where}.status: expected failing, healthy or unknown, got ${JSON.stringify(o.status)}`);
    }
    const first = o.firstSignalAt ?? null;
    if (first !== null && !Number.isFinite(first)) throw new LocalizationInputError(`${where}.firstSignalAt: expected a time in ms, got ${first}`);
    const evidence: Evidence[] = [];
    (o.evidence ?? []).forEach((e, j) => {
      const at = `${where}.evidence[${j}]`;
      if (!EVIDENCE_KINDS.includes(e.kind)) throw new LocalizationInputError(`${at}.kind: expected one of ${EVIDENCE_KINDS.join(", ")}, got ${JSON.stringify(e.kind)}`);
      if (!(e.strength >= 0 && e.strength <= 1)) throw new LocalizationInputError(`${at}.strength: expected a number in [0, 1], got ${e.strength}`);
      if (!Number.isFinite(e.at)) throw new LocalizationInputError(`${at}.at: expected a time in ms, got ${e.at}`);
      if (typeof e.detail !== "string") throw new LocalizationInputError(`${at}.detail: expected a string`);
      if (e.at <= now) evidence.push(e);
    });
    evidence.sort((a, b) => a.at - b.at);
    const earliest = evidence.length > 0 ? evidence[0]!.at : null;
    const firstSignalAt = first !== null && first <= now ? first : earliest;
    out.set(o.component, { component: o.component, status: o.status, firstSignalAt, evidence });
  });
  return out;
}

/**
 * The combined strength of independent evidence items: 1 − Π(1 − sᵢ) (noisy-OR). Two probes
 * at 0.5 make 0.75; one decisive item (0.95) dominates any number of weak ones.
 */
export function combinedStrength(evidence: readonly Evidence[]): number {
  let miss = 1;
  for (const e of evidence) miss *= 1 - e.strength;
  return 1 - miss;
}

/** The strongest item (the earliest among equals), or null. */
export function strongestEvidence(evidence: readonly Evidence[]): Evidence | null {
  let best: Evidence | null = null;
  for (const e of evidence) if (best === null || e.strength > best.strength) best = e;
  return best;
}
