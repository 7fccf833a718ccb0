// The failure detector's settings, their defaults and why (the `failureDetector:` config
// section maps onto them one to one), and their validation with errors naming the setting.

export interface LivenessOptions {
  /** The agents' heartbeat interval. */
  heartbeatIntervalMs: number;
  /** Inter-arrival times kept per node for φ. */
  windowSize: number;
  /** Floor of the inter-arrival deviation φ uses. */
  minStdDeviationMs: number;
  /** Silence beyond the mean interval that φ treats as normal. */
  acceptablePauseMs: number;
  /** φ at which a node becomes suspect and is probed. */
  suspectPhi: number;
  /** Suspicion timeout once every asked peer confirmed (Lifeguard's min). */
  suspicionMinMs: number;
  /** Suspicion timeout when no peer confirmed (Lifeguard's max). */
  suspicionMaxMs: number;
  /** k: peers asked to probe a suspect (SWIM's indirect probe). */
  indirectProbes: number;
  /** How often an unreachable node is probed again (directly and through peers). */
  unreachableRecheckMs: number;
}

export interface PartitionGuardOptions {
  /** Share of the nodes that must become suspect within the window to freeze. */
  isolationShare: number;
  /** ...and at least this many nodes. */
  isolationMinNodes: number;
  /** The window in which those nodes must have become suspect. */
  isolationWindowMs: number;
  /** The freeze ends after fewer nodes than the trip count stayed out this long. */
  isolationStableMs: number;
}

export type FailureDetectorOptions = LivenessOptions & PartitionGuardOptions;

/**
 * Defaults for heartbeat interval I (500 ms unless configured). The targets: a silent node
 * (power loss, cable cut) is dead ≤ 2 s after it went silent at p99; a live node under
 * realistic jitter is never declared dead. Figures below are for I = 500 ms.
 *
 * - windowSize 1000 (≈ 8 min of heartbeats): long enough that one burst of losses barely
 *   moves μ or σ, short enough to follow a node whose network changes.
 * - minStdDeviation I/5 = 100 ms and acceptablePause 0.6·I = 300 ms: real jitter is a few ms,
 *   so the floor decides; with μ ≈ 505 ms (1% loss) a node becomes suspect at
 *   T = μ + 300 + z(3)·100 ≈ 1114 ms of silence (z(3) = 3.09). One lost heartbeat (a gap of
 *   ≈ 1000 ms, φ ≈ 1.6) is not suspected; two in a row (≈ 1500 ms, φ ≈ 11.7) or a stall of
 *   more than ≈ 0.6 s is.
 * - suspectPhi 3: φ is the model's claim that a live node is this late with probability
 *   10^−φ = 0.1%. Suspicion only costs 1 + k probes, and death is never decided by φ (probes
 *   and the suspicion timeout decide), so the threshold is low to start probing early; real
 *   false suspicions are rarer than 10^−3 per heartbeat because real gaps are much tighter
 *   than the 100 ms floor (the simulation counts them).
 * - suspicionMin 400 ms: the probes' own timeouts (300 ms proposed) plus a round trip fit in
 *   it, so a suspect whose direct probe got lost is probed again before it can be confirmed
 *   dead. Worst case with all 3 confirmations and a 100 ms tick: 1114 + 100 + 400 + 100 ≈
 *   1.7 s after the last heartbeat.
 * - suspicionMax max(1500 ms, 2·I): used when no peer confirms (the peers cannot answer, or
 *   they reach the node: then it ends as unreachable). With 2 of 3 confirmations (one answer
 *   lost) the timeout is 1500 − 1100·log 3/log 4 ≈ 628 ms: still ≈ 1.94 s worst case. It must
 *   exceed the spread of suspicion starts in a control-plane cut-off (one heartbeat interval
 *   plus a tick), so that the partition guard freezes before the first node's suspicion ends.
 * - indirectProbes 3 (SWIM's and memberlist's default k).
 * - unreachableRecheck 5 s: an unreachable node (server cannot reach it, peers can) is not
 *   dead; it is checked again at this pace in case it dies later.
 * - isolationShare 0.5, isolationMinNodes 3: half of the cluster going silent at once is far
 *   more likely the control plane's own link than half of the machines (Kubernetes stops
 *   evicting when ≥ 55% of a zone is unhealthy); fewer than 3 nodes cannot be told apart
 *   from a real outage by counting.
 * - isolationWindow max(5 s, 4·I): in a cut-off every node becomes suspect within one
 *   interval plus a tick; independent failures do not pile up that fast.
 * - isolationStable max(10 s, 10·I): the hysteresis that keeps a flapping link from
 *   thawing and refreezing.
 */
export function failureDetectorDefaults(heartbeatIntervalMs = 500): FailureDetectorOptions {
  checkPositive("heartbeatIntervalMs", heartbeatIntervalMs);
  const interval = heartbeatIntervalMs;
  return {
    heartbeatIntervalMs: interval,
    windowSize: 1000,
    minStdDeviationMs: interval / 5,
    acceptablePauseMs: 0.6 * interval,
    suspectPhi: 3,
    suspicionMinMs: 400,
    suspicionMaxMs: Math.max(1500, 2 * interval),
    indirectProbes: 3,
    unreachableRecheckMs: 5000,
    isolationShare: 0.5,
    isolationMinNodes: 3,
    isolationWindowMs: Math.max(5000, 4 * interval),
    isolationStableMs: Math.max(10_000, 10 * interval),
  };
}

/**
 * The defaults (for the given or default heartbeat interval) with `overrides` applied,
 * validated. Throws a RangeError naming the setting and what was expected.
 */
export function resolveFailureDetectorOptions(overrides: Partial<FailureDetectorOptions> = {}): FailureDetectorOptions {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<FailureDetectorOptions>;
  const o: FailureDetectorOptions = { ...failureDetectorDefaults(defined.heartbeatIntervalMs ?? 500), ...defined };
  checkPositive("heartbeatIntervalMs", o.heartbeatIntervalMs);
  checkInteger("windowSize", o.windowSize, 2);
  checkPositive("minStdDeviationMs", o.minStdDeviationMs);
  checkNonNegative("acceptablePauseMs", o.acceptablePauseMs);
  checkPositive("suspectPhi", o.suspectPhi);
  checkNonNegative("suspicionMinMs", o.suspicionMinMs);
  checkNonNegative("suspicionMaxMs", o.suspicionMaxMs);
  if (o.suspicionMaxMs < o.suspicionMinMs) {
    fail("suspicionMaxMs", `expected at least suspicionMinMs (${o.suspicionMinMs}), got ${o.suspicionMaxMs}`);
  }
  checkInteger("indirectProbes", o.indirectProbes, 0);
  checkPositive("unreachableRecheckMs", o.unreachableRecheckMs);
  if (!(o.isolationShare > 0 && o.isolationShare <= 1)) fail("isolationShare", `expected a number in (0, 1], got ${o.isolationShare}`);
  checkInteger("isolationMinNodes", o.isolationMinNodes, 1);
  checkPositive("isolationWindowMs", o.isolationWindowMs);
  checkNonNegative("isolationStableMs", o.isolationStableMs);
  return o;
}

function fail(name: string, message: string): never {
  throw new RangeError(`failureDetector.${name}: ${message}`);
}

function checkPositive(name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) fail(name, `expected a finite number > 0, got ${value}`);
}

function checkNonNegative(name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) fail(name, `expected a finite number ≥ 0, got ${value}`);
}

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) fail(name, `expected an integer ≥ ${min}, got ${value}`);
}
