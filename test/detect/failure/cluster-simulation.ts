// A discrete-event simulation of a cluster's heartbeats, faults and probes around the pure
// FailureDetector, on a manual clock with a seeded PRNG: the same seed gives the same run.
// Used by failure-detector-sim.test.ts (smaller) and bench/failure-detector-sim.ts (full size).
import { FailureDetector, type FailureDetectorOutput } from "../../../src/detect/failure/failure-detector.js";
import type { FailureDetectorOptions } from "../../../src/detect/failure/failure-detector-options.js";
import type { LivenessState } from "../../../src/detect/failure/node-liveness.js";
import { seededRandom } from "../../../src/detect/failure/seeded-random.js";
import { ManualClock } from "../../../src/util/clock.js";

/**
 * The network and the agents, as simulated:
 * - heartbeats every `heartbeatIntervalMs`, each send time jittered by a normal
 *   N(0, timerJitterMs) (timer and scheduling jitter); the agent's timer restarts from the
 *   actual send, as Node's setInterval does after a late callback;
 * - one-way delay `delayBaseMs + |N(0, delayJitterMs)|` (mean ≈ 3.7 ms, p99 ≈ 11 ms with the
 *   defaults), delivery in order per agent (one TCP connection);
 * - `lossRate` of every message lost: heartbeats, probe attempts (a lost SYN is retransmitted
 *   after 1 s, beyond the probe timeout, so the probe fails), indirect-probe requests and
 *   answers;
 * - stop-the-world pauses of the agent process (GC, CPU starvation): a Poisson process with
 *   one pause per `pauseEveryMs` on average per node, durations log-uniform in
 *   [pauseMinMs, pauseMaxMs] (half of them under 120 ms, one in eight over 800 ms). During a
 *   pause the agent sends nothing (the heartbeat due is sent when the pause ends) and answers
 *   no indirect-probe request; the node's kernel still completes the TCP handshake of a
 *   probe, so a direct probe (a TCP connect to the agent's probe listener) succeeds;
 * - silent crash (power loss, cable cut): nothing more is sent and nothing answers, the
 *   connection does not close; probes time out after `probeTimeoutMs`;
 * - agent kill: the kernel closes the connection (the server sees it one delay later) and
 *   refuses probes (failure after a round trip);
 * - server link cut: the server neither receives from nor reaches the node, its peers do;
 * - control-plane isolation: the server receives from and reaches no node.
 */
export interface SimulationSettings {
  seed: number;
  nodes: number;
  /** Length of the fault-free phase. */
  steadyMs: number;
  tickMs: number;
  heartbeatIntervalMs: number;
  timerJitterMs: number;
  delayBaseMs: number;
  delayJitterMs: number;
  lossRate: number;
  pauseEveryMs: number;
  pauseMinMs: number;
  pauseMaxMs: number;
  probeTimeoutMs: number;
  silentCrashes: number;
  agentKills: number;
  linkCuts: number;
  isolationMs: number;
  /**
   * true: a direct probe is a TCP connect, completed by the node's kernel even while the
   * agent process is paused (the design). false: an application-level ping, answered only
   * when the pause ends (a probe whose answer would come after the timeout fails) — to see
   * what the design choice is worth.
   */
  kernelAnswersProbes: boolean;
  detector?: Partial<FailureDetectorOptions>;
}

export const defaultSimulationSettings: SimulationSettings = {
  seed: 20240611,
  nodes: 1000,
  steadyMs: 3_600_000,
  tickMs: 100,
  heartbeatIntervalMs: 500,
  timerJitterMs: 3,
  delayBaseMs: 0.5,
  delayJitterMs: 4,
  lossRate: 0.01,
  pauseEveryMs: 60_000,
  pauseMinMs: 10,
  pauseMaxMs: 1500,
  probeTimeoutMs: 300,
  silentCrashes: 10,
  agentKills: 10,
  linkCuts: 3,
  isolationMs: 20_000,
  kernelAnswersProbes: true,
};

export interface FaultOutcome {
  node: string;
  faultAt: number;
  /** The first verdict of the expected kind after the fault, or null. */
  verdictAt: number | null;
  detectionMs: number | null;
  reason: string | null;
}

export interface SimulationReport {
  settings: SimulationSettings;
  steady: {
    heartbeatsSent: number;
    heartbeatsLost: number;
    pauses: number;
    longestPauseMs: number;
    longestHeartbeatGapMs: number;
    suspicions: number;
    /** Suspicions that ended alive, by what refuted them. */
    refutedByHeartbeat: number;
    refutedByProbe: number;
    dead: number;
    unreachable: number;
    freezes: number;
    directProbes: number;
    indirectProbes: number;
  };
  silentCrashes: FaultOutcome[];
  agentKills: FaultOutcome[];
  linkCuts: FaultOutcome[];
  /** Dead verdicts for nodes that were not crashed or killed, in any phase. */
  falseDead: { node: string; at: number; reason: string }[];
  isolation: {
    frozeAt: number | null;
    thawedAt: number | null;
    restoredAt: number;
    deadDuring: number;
    heldBack: number;
  };
  wallMs: number;
}

interface SimNode {
  name: string;
  nextSendAt: number;
  lastArrival: number;
  crashedAt: number;
  killedAt: number;
  linkCutFrom: number;
  linkCutUntil: number;
  previousPause: [number, number];
  pause: [number, number];
}

type SimEvent = { t: number; seq: number; heartbeatOf: SimNode | null; run: (() => void) | null };

/** A binary min-heap of events by (time, insertion order). */
class EventQueue {
  private heap: SimEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  peekTime(): number {
    return this.heap.length ? this.heap[0]!.t : Infinity;
  }

  push(t: number, heartbeatOf: SimNode | null, run: (() => void) | null): void {
    const e: SimEvent = { t, seq: this.seq++, heartbeatOf, run };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  pop(): SimEvent {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}

export function simulateCluster(overrides: Partial<SimulationSettings> = {}): SimulationReport {
  const s: SimulationSettings = { ...defaultSimulationSettings, ...overrides };
  const wallStart = performance.now();
  const random = seededRandom(s.seed);
  const normal = (): number => {
    // Box–Muller; 1 − u keeps the logarithm finite.
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const delay = (): number => s.delayBaseMs + Math.abs(normal()) * s.delayJitterMs;
  const lost = (): boolean => random() < s.lossRate;
  const logMin = Math.log(s.pauseMinMs);
  const logMax = Math.log(s.pauseMaxMs);

  const clock = new ManualClock(0);
  const detector = new FailureDetector(
    { heartbeatIntervalMs: s.heartbeatIntervalMs, ...s.detector },
    { random: seededRandom(s.seed ^ 0x5bd1e995) },
  );
  const queue = new EventQueue();

  // ---- the plan: phase boundaries and fault times, all fixed before the run ----
  const crashPhaseAt = s.steadyMs;
  const killPhaseAt = crashPhaseAt + 15_000;
  const cutPhaseAt = killPhaseAt + 10_000;
  const cutRestoreAt = cutPhaseAt + 15_000;
  const isolationAt = cutRestoreAt + 10_000;
  const isolationUntil = isolationAt + s.isolationMs;
  const endAt = isolationUntil + 25_000;

  const report: SimulationReport = {
    settings: s,
    steady: {
      heartbeatsSent: 0,
      heartbeatsLost: 0,
      pauses: 0,
      longestPauseMs: 0,
      longestHeartbeatGapMs: 0,
      suspicions: 0,
      refutedByHeartbeat: 0,
      refutedByProbe: 0,
      dead: 0,
      unreachable: 0,
      freezes: 0,
      directProbes: 0,
      indirectProbes: 0,
    },
    silentCrashes: [],
    agentKills: [],
    linkCuts: [],
    falseDead: [],
    isolation: { frozeAt: null, thawedAt: null, restoredAt: isolationUntil, deadDuring: 0, heldBack: 0 },
    wallMs: 0,
  };
  const nodes: SimNode[] = [];
  for (let i = 0; i < s.nodes; i++) {
    const node: SimNode = {
      name: `node-${String(i).padStart(4, "0")}`,
      nextSendAt: random() * s.heartbeatIntervalMs,
      lastArrival: 0,
      crashedAt: Infinity,
      killedAt: Infinity,
      linkCutFrom: Infinity,
      linkCutUntil: Infinity,
      previousPause: [-1, -1],
      pause: [-1, -1],
    };
    nextPause(node);
    nodes.push(node);
  }
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const shuffled = nodes.slice();
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const crashed = shuffled.slice(0, s.silentCrashes);
  const killed = shuffled.slice(s.silentCrashes, s.silentCrashes + s.agentKills);
  const cut = shuffled.slice(s.silentCrashes + s.agentKills, s.silentCrashes + s.agentKills + s.linkCuts);
  for (const n of crashed) n.crashedAt = crashPhaseAt + random() * 10_000;
  for (const n of killed) n.killedAt = killPhaseAt + random() * 5_000;
  for (const n of cut) {
    n.linkCutFrom = cutPhaseAt + random() * 2_000;
    n.linkCutUntil = cutRestoreAt;
  }
  report.silentCrashes = crashed.map((n) => fault(n, n.crashedAt));
  report.agentKills = killed.map((n) => fault(n, n.killedAt));
  report.linkCuts = cut.map((n) => fault(n, n.linkCutFrom));

  function nextPause(n: SimNode): void {
    n.previousPause = n.pause;
    const start = Math.max(n.pause[1], 0) + -Math.log(1 - random()) * s.pauseEveryMs;
    n.pause = [start, start + Math.exp(logMin + random() * (logMax - logMin))];
    report.steady.pauses += start < s.steadyMs ? 1 : 0;
    if (start < s.steadyMs) report.steady.longestPauseMs = Math.max(report.steady.longestPauseMs, n.pause[1] - n.pause[0]);
  }
  /** When the agent's process can act at t: t, or the end of the pause it is in. */
  function runnableAt(n: SimNode, t: number): number {
    for (const [from, until] of [n.previousPause, n.pause]) if (t >= from && t < until) return until;
    return t;
  }
  const down = (n: SimNode, t: number): boolean => t >= n.crashedAt || t >= n.killedAt;
  const serverLinkUp = (n: SimNode, t: number): boolean =>
    !(t >= n.linkCutFrom && t < n.linkCutUntil) && !(t >= isolationAt && t < isolationUntil);

  function fault(n: SimNode, at: number): FaultOutcome {
    return { node: n.name, faultAt: at, verdictAt: null, detectionMs: null, reason: null };
  }
  const outcomeOf = new Map<string, { outcome: FaultOutcome; expect: LivenessState }>();
  for (const o of report.silentCrashes) outcomeOf.set(o.node, { outcome: o, expect: "dead" });
  for (const o of report.agentKills) outcomeOf.set(o.node, { outcome: o, expect: "dead" });
  for (const o of report.linkCuts) outcomeOf.set(o.node, { outcome: o, expect: "unreachable" });
  const lastArrivalSeen = new Map<string, number>();

  /** Schedules the next heartbeat of n that reaches the server (if any). */
  function scheduleHeartbeat(n: SimNode): void {
    for (;;) {
      let sendAt = n.nextSendAt;
      while (n.pause[1] <= sendAt) nextPause(n);
      if (sendAt >= n.pause[0]) sendAt = n.pause[1];
      if (down(n, sendAt) || sendAt >= endAt) return;
      n.nextSendAt = sendAt + s.heartbeatIntervalMs + normal() * s.timerJitterMs;
      if (sendAt < s.steadyMs) report.steady.heartbeatsSent += 1;
      if (lost()) {
        if (sendAt < s.steadyMs) report.steady.heartbeatsLost += 1;
        continue;
      }
      if (!serverLinkUp(n, sendAt)) continue;
      n.lastArrival = Math.max(n.lastArrival, sendAt + delay());
      queue.push(n.lastArrival, n, null);
      return;
    }
  }

  function handle(out: FailureDetectorOutput, t: number): void {
    for (const v of out.verdicts) {
      const steady = t < s.steadyMs;
      if (steady && v.state === "suspect") report.steady.suspicions += 1;
      if (steady && v.previous === "suspect" && v.state === "alive") {
        if (v.reason.startsWith("heartbeat")) report.steady.refutedByHeartbeat += 1;
        else report.steady.refutedByProbe += 1;
      }
      if (steady && v.state === "dead") report.steady.dead += 1;
      if (steady && v.state === "unreachable") report.steady.unreachable += 1;
      const planned = outcomeOf.get(v.node);
      if (v.state === "dead" && !(planned && planned.expect === "dead" && t >= planned.outcome.faultAt)) {
        report.falseDead.push({ node: v.node, at: t, reason: v.reason });
      }
      if (t >= isolationAt && t < isolationUntil + 25_000 && v.state === "dead") report.isolation.deadDuring += 1;
      if (planned && planned.outcome.verdictAt === null && v.state === planned.expect && t >= planned.outcome.faultAt) {
        planned.outcome.verdictAt = t;
        planned.outcome.detectionMs = t - planned.outcome.faultAt;
        planned.outcome.reason = v.reason;
      }
    }
    for (const f of out.freeze) {
      if (t < s.steadyMs) report.steady.freezes += 1;
      else if (f.frozen && report.isolation.frozeAt === null && t >= isolationAt) report.isolation.frozeAt = t;
      else if (!f.frozen && report.isolation.frozeAt !== null && report.isolation.thawedAt === null) report.isolation.thawedAt = t;
    }
    for (const r of out.requests) {
      const target = byName.get(r.node)!;
      if (r.kind === "direct-probe") {
        if (t < s.steadyMs) report.steady.directProbes += 1;
        directProbe(target, t);
      } else {
        if (t < s.steadyMs) report.steady.indirectProbes += r.via.length;
        for (const peer of r.via) indirectProbe(target, byName.get(peer)!, t);
      }
    }
  }

  function directProbe(target: SimNode, t: number): void {
    let ok = true;
    let at = t + delay() + delay();
    if (!serverLinkUp(target, t) || t >= target.crashedAt || lost()) {
      ok = false;
      at = t + s.probeTimeoutMs;
    } else if (t >= target.killedAt) {
      ok = false; // refused by the kernel: one round trip
    } else if (!s.kernelAnswersProbes) {
      const answerAt = runnableAt(target, t + delay()) + delay();
      if (answerAt - t > s.probeTimeoutMs) {
        ok = false;
        at = t + s.probeTimeoutMs;
      } else at = answerAt;
    }
    queue.push(at, null, () => handle(detector.directProbeResult(target.name, ok, at), at));
  }

  function indirectProbe(target: SimNode, peer: SimNode, t: number): void {
    if (!serverLinkUp(peer, t) || lost()) return;
    const arrives = t + delay();
    if (down(peer, arrives)) return;
    const probeAt = runnableAt(peer, arrives);
    let ok = true;
    let doneAt = probeAt + delay() + delay();
    if (probeAt >= target.crashedAt || lost()) {
      ok = false;
      doneAt = probeAt + s.probeTimeoutMs;
    } else if (probeAt >= target.killedAt) {
      ok = false;
    } else if (!s.kernelAnswersProbes) {
      const answerAt = runnableAt(target, probeAt + delay()) + delay();
      if (answerAt - probeAt > s.probeTimeoutMs) {
        ok = false;
        doneAt = probeAt + s.probeTimeoutMs;
      } else doneAt = answerAt;
    }
    const answerAt = runnableAt(peer, doneAt);
    if (down(peer, answerAt) || !serverLinkUp(peer, answerAt) || lost()) return;
    const at = answerAt + delay();
    queue.push(at, null, () => handle(detector.indirectProbeResult(target.name, peer.name, ok, at), at));
  }

  for (const n of nodes) scheduleHeartbeat(n);
  for (const n of killed) {
    const at = n.killedAt + delay();
    queue.push(at, null, () => handle(detector.connectionClosed(n.name, at), at));
  }

  let nextTick = s.tickMs;
  while (nextTick <= endAt) {
    while (queue.peekTime() <= nextTick) {
      const e = queue.pop();
      clock.set(e.t);
      const n = e.heartbeatOf;
      if (n) {
        const previous = lastArrivalSeen.get(n.name);
        if (previous !== undefined && e.t < s.steadyMs) {
          report.steady.longestHeartbeatGapMs = Math.max(report.steady.longestHeartbeatGapMs, e.t - previous);
        }
        lastArrivalSeen.set(n.name, e.t);
        handle(detector.heartbeat(n.name, clock.now()), clock.now());
        scheduleHeartbeat(n);
      } else {
        e.run!();
      }
    }
    clock.set(nextTick);
    handle(detector.tick(clock.now()), clock.now());
    if (nextTick === isolationUntil - s.tickMs) {
      report.isolation.heldBack = detector.statuses(clock.now()).filter((st) => st.heldBack).length;
    }
    nextTick += s.tickMs;
  }
  report.wallMs = performance.now() - wallStart;
  return report;
}

/** min/p50/p95/p99/max by nearest rank. */
export function distribution(values: number[]): { n: number; min: number; p50: number; p95: number; p99: number; max: number } {
  const sorted = values.slice().sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return { n: sorted.length, min: sorted[0] ?? NaN, p50: rank(50), p95: rank(95), p99: rank(99), max: sorted[sorted.length - 1] ?? NaN };
}

export function formatReport(r: SimulationReport): string {
  const s = r.settings;
  const st = r.steady;
  const ms = (x: number) => `${Math.round(x)}`;
  const dist = (outcomes: FaultOutcome[]) => {
    const d = distribution(outcomes.filter((o) => o.detectionMs !== null).map((o) => o.detectionMs!));
    const missed = outcomes.filter((o) => o.detectionMs === null).length;
    return `n=${d.n} min=${ms(d.min)} p50=${ms(d.p50)} p95=${ms(d.p95)} p99=${ms(d.p99)} max=${ms(d.max)} ms${missed ? `, ${missed} NOT DETECTED` : ""}`;
  };
  const hours = s.steadyMs / 3_600_000;
  return [
    `failure-detector simulation: ${s.nodes} nodes, ${hours >= 1 ? `${hours} h` : `${s.steadyMs / 60_000} min`} steady, seed ${s.seed}, tick ${s.tickMs} ms (wall ${(r.wallMs / 1000).toFixed(1)} s)`,
    `  heartbeats: ${st.heartbeatsSent} sent, ${st.heartbeatsLost} lost (${((100 * st.heartbeatsLost) / Math.max(1, st.heartbeatsSent)).toFixed(2)}%); ` +
      `${st.pauses} agent pauses (longest ${ms(st.longestPauseMs)} ms); longest gap between heartbeats ${ms(st.longestHeartbeatGapMs)} ms`,
    `  steady phase: ${st.suspicions} suspicions (${st.refutedByHeartbeat} ended by a heartbeat, ${st.refutedByProbe} by a direct probe), ` +
      `${st.dead} dead, ${st.unreachable} unreachable, ${st.freezes} freezes; probes: ${st.directProbes} direct, ${st.indirectProbes} indirect`,
    `  silent crash → dead:   ${dist(r.silentCrashes)}`,
    `  agent kill → dead:     ${dist(r.agentKills)}`,
    `  server link cut → unreachable: ${dist(r.linkCuts)}`,
    `  control-plane isolation for ${s.isolationMs / 1000} s: freeze on ${r.isolation.frozeAt === null ? "NEVER" : `after ${ms(r.isolation.frozeAt - (r.isolation.restoredAt - s.isolationMs))} ms`}, ` +
      `${r.isolation.heldBack} dead verdicts held back as unreachable, ${r.isolation.deadDuring} dead, ` +
      `freeze off ${r.isolation.thawedAt === null ? "NEVER" : `${ms(r.isolation.thawedAt - r.isolation.restoredAt)} ms after the links returned`}`,
    `  false dead verdicts (any phase): ${r.falseDead.length}`,
  ].join("\n");
}
