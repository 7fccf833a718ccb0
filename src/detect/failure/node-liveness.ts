// Per-node liveness state machine: alive → suspect (φ, or the agent's connection closed) →
// dead or unreachable, decided by a direct probe, indirect probes through k peers and a
// Lifeguard suspicion timeout; back to alive on any sign of life. Pure: the shell does I/O.
import type { LivenessOptions } from "./failure-detector-options.js";
import { PhiAccrualDetector } from "./phi-accrual.js";
import { sampleWithoutReplacement } from "./seeded-random.js";
import { Suspicion } from "./suspicion.js";

export type LivenessState = "alive" | "suspect" | "dead" | "unreachable";

/** A change of a node's state. */
export interface LivenessVerdict {
  node: string;
  state: LivenessState;
  /** null when the node was first seen. */
  previous: LivenessState | null;
  /** When this state began. */
  since: number;
  reason: string;
  /** φ at the transition, measured from lastSeen. */
  phi: number;
  /** The last sign of life: a heartbeat or an answered direct probe. */
  lastSeen: number;
}

/** Work the shell must carry out and report back on. */
export type ProbeRequest =
  /** Probe the node's probe listener; report with directProbeResult. */
  | { kind: "direct-probe"; node: string }
  /** Ask each of `via` to probe `node`; report each answer with indirectProbeResult. */
  | { kind: "indirect-probe"; node: string; via: string[] };

export interface LivenessOutput {
  readonly verdicts: readonly LivenessVerdict[];
  readonly requests: readonly ProbeRequest[];
}

/** What the methods build up while deciding; returned as LivenessOutput. */
interface OutputBuilder {
  verdicts: LivenessVerdict[];
  requests: ProbeRequest[];
}

export interface NodeLivenessStatus {
  node: string;
  state: LivenessState;
  since: number;
  reason: string;
  phi: number;
  lastHeartbeatAt: number | null;
  lastSeen: number;
  /** The silence after which φ reaches the suspect threshold, for this node's history. */
  suspectAfterMs: number;
  meanIntervalMs: number;
  stdDeviationMs: number;
  connectionClosed: boolean;
  /** Only unreachable because the control plane looks isolated (a dead verdict held back). */
  heldBack: boolean;
  probing: {
    startedAt: number;
    peersAsked: string[];
    confirmations: number;
    peersReached: string[];
    directProbeFailed: boolean;
    timeoutMs: number;
  } | null;
}

export interface NodeLivenessHooks {
  /** Every verdict, as it is made (the partition guard listens here). */
  onVerdict?(verdict: LivenessVerdict): void;
  /** While true, a node that would be dead is held back as unreachable. */
  isFrozen?(): boolean;
  /** Only these nodes are asked to probe others (e.g. agents with a probe listener). */
  isPeerEligible?(node: string): boolean;
}

/** One round of probing: the direct probe, the peers asked, and the suspicion timeout. */
interface ProbeRound {
  suspicion: Suspicion;
  peersAsked: Set<string>;
  peersAnswered: Set<string>;
  peersReached: Set<string>;
  directOutstanding: boolean;
  directFailed: boolean;
}

interface NodeEntry {
  name: string;
  phi: PhiAccrualDetector;
  state: LivenessState;
  since: number;
  reason: string;
  lastSeen: number;
  connectionClosed: boolean;
  /**
   * A direct probe asked at a tick because the connection is closed although the node
   * answered: the answer may have come from a process still dying (its listener not yet
   * closed), so it is checked again every tick until the agent reconnects.
   */
  closedRecheckOutstanding: boolean;
  round: ProbeRound | null;
  /** Unreachable nodes only: when the next probe round starts. */
  recheckAt: number | null;
  heldBack: boolean;
}

/** Above this many nodes, indirect-probe peers are drawn at random instead of by a full scan. */
const LARGE_CLUSTER = 64;

const noOutput = (): OutputBuilder => ({ verdicts: [], requests: [] });
/** Returned when nothing happened (most heartbeats): no allocation on the hot path. */
export const NO_LIVENESS_OUTPUT: LivenessOutput = Object.freeze({ verdicts: Object.freeze([]), requests: Object.freeze([]) });

/**
 * The decisions, per node:
 * - alive → suspect when φ ≥ suspectPhi at a tick, or at once when the agent's connection
 *   closes. Suspicion starts a probe round: a direct probe and an indirect probe through k
 *   alive peers, in parallel (sequential would add a probe timeout to every detection).
 * - suspect → alive on a heartbeat or an answered direct probe (a closed connection with an
 *   answered probe is a reconnect, not a death). A failed direct probe is retried on the
 *   next tick.
 * - suspect → dead when the suspicion timeout runs out with no peer reaching the node, or at
 *   once on strong evidence: the connection closed and the direct probe failed.
 * - suspect → unreachable instead when a peer did reach it (the server's link is the
 *   problem), or when the control plane looks isolated (isFrozen): the dead verdict is held
 *   back. Unreachable nodes get a new probe round every unreachableRecheckMs and become dead
 *   when nobody reaches them any more and no freeze holds.
 * - any state → alive on a heartbeat.
 */
export class NodeLiveness {
  private readonly nodes = new Map<string, NodeEntry>();
  /** The entries as an array too, for drawing peers at random in O(k) (order: registration, swap-removed). */
  private readonly entries: NodeEntry[] = [];
  private readonly entryIndex = new Map<string, number>();

  constructor(
    private readonly options: LivenessOptions,
    private readonly random: () => number,
    private readonly hooks: NodeLivenessHooks = {},
  ) {}

  /** A heartbeat from `node` arrived at `t` (also: the agent's hello). Unknown nodes are registered. */
  heartbeat(node: string, t: number): LivenessOutput {
    let entry = this.nodes.get(node);
    if (!entry) {
      const out = noOutput();
      entry = this.register(node, t);
      entry.phi.heartbeat(t);
      this.emit(out, entry, null, t);
      return out;
    }
    const silentFor = t - entry.lastSeen;
    entry.phi.heartbeat(t);
    entry.lastSeen = Math.max(entry.lastSeen, t);
    entry.connectionClosed = false;
    if (entry.state === "alive") return NO_LIVENESS_OUTPUT;
    const out = noOutput();
    this.transition(out, entry, "alive", t, `heartbeat received after ${Math.round(silentFor)} ms (was ${entry.state})`);
    return out;
  }

  /** The agent's connection closed at `t`. */
  connectionClosed(node: string, t: number): LivenessOutput {
    const out = noOutput();
    const entry = this.nodes.get(node);
    if (!entry) return out;
    entry.connectionClosed = true;
    if (entry.state === "alive") {
      this.startRound(out, entry, t, "agent connection closed");
      return out;
    }
    const round = entry.round;
    if (!round) return out;
    if (round.directFailed && !round.directOutstanding) {
      this.conclude(out, entry, t, "agent connection closed and the direct probe failed");
    } else if (!round.directOutstanding) {
      round.directOutstanding = true;
      out.requests.push({ kind: "direct-probe", node });
    }
    return out;
  }

  /** The result of a direct probe of `node`, known at `t`. */
  directProbeResult(node: string, ok: boolean, t: number): LivenessOutput {
    const out = noOutput();
    const entry = this.nodes.get(node);
    if (!entry) return out;
    const closedRecheck = entry.closedRecheckOutstanding;
    entry.closedRecheckOutstanding = false;
    if (ok) {
      // An answer proves life at t whatever round asked for it; φ now runs from here.
      entry.lastSeen = Math.max(entry.lastSeen, t);
      if (entry.state !== "alive") {
        const reason = entry.connectionClosed
          ? "agent connection closed but the node answers a direct probe: a reconnect, not a death"
          : `the node answers a direct probe (was ${entry.state})`;
        this.transition(out, entry, "alive", t, reason);
      }
      return out;
    }
    const round = entry.round;
    // A failure only counts for a probe this round asked for: a late failure of an old
    // round says nothing about now.
    if (!round || !round.directOutstanding) {
      if (closedRecheck && entry.state === "alive" && entry.connectionClosed) {
        this.conclude(out, entry, t, "agent connection closed and the direct probe failed");
      }
      return out;
    }
    round.directOutstanding = false;
    round.directFailed = true;
    if (entry.connectionClosed) this.conclude(out, entry, t, "agent connection closed and the direct probe failed");
    else if (round.suspicion.expired(t)) this.conclude(out, entry, t, this.timeoutReason(entry, t));
    return out;
  }

  /** `peer`'s answer, known at `t`, to the request to probe `node`. */
  indirectProbeResult(node: string, peer: string, ok: boolean, t: number): LivenessOutput {
    const out = noOutput();
    const entry = this.nodes.get(node);
    const round = entry?.round;
    if (!entry || !round || !round.peersAsked.has(peer) || round.peersAnswered.has(peer)) return out;
    round.peersAnswered.add(peer);
    if (ok) round.peersReached.add(peer);
    else round.suspicion.confirm(peer);
    if (round.suspicion.expired(t)) this.conclude(out, entry, t, this.timeoutReason(entry, t));
    return out;
  }

  /** Periodic check at `t`: φ against the threshold, suspicion timeouts, probe retries, rechecks. */
  tick(t: number): LivenessOutput {
    const out = noOutput();
    for (const entry of this.nodes.values()) {
      switch (entry.state) {
        case "alive": {
          if (entry.connectionClosed && !entry.closedRecheckOutstanding) {
            entry.closedRecheckOutstanding = true;
            out.requests.push({ kind: "direct-probe", node: entry.name });
          }
          const suspectAfter = entry.phi.elapsedAtPhi(this.options.suspectPhi);
          const silent = t - entry.lastSeen;
          if (silent >= suspectAfter) {
            const phi = entry.phi.phiAfter(silent);
            this.startRound(out, entry, t, `φ ${phi.toFixed(1)} ≥ ${this.options.suspectPhi} after ${Math.round(silent)} ms without a heartbeat`);
          }
          break;
        }
        case "suspect":
        case "unreachable": {
          const round = entry.round;
          if (round) {
            if (round.suspicion.expired(t)) this.conclude(out, entry, t, this.timeoutReason(entry, t));
            else if (!round.directOutstanding) {
              round.directOutstanding = true;
              out.requests.push({ kind: "direct-probe", node: entry.name });
            }
          } else if (entry.recheckAt !== null && t >= entry.recheckAt) {
            this.startRound(out, entry, t, "recheck");
          }
          break;
        }
        case "dead":
          break;
      }
    }
    return out;
  }

  /** Unreachable nodes held back by a freeze get a probe round at the next tick (call when the freeze ends). */
  recheckHeldBack(t: number): void {
    for (const entry of this.nodes.values()) {
      if (entry.state === "unreachable" && entry.heldBack && !entry.round) entry.recheckAt = t;
    }
  }

  /** The node left the cluster: no more verdicts about it, and it is no longer asked to probe others. */
  forget(node: string): void {
    this.nodes.delete(node);
    const i = this.entryIndex.get(node);
    if (i !== undefined) {
      const last = this.entries.pop()!;
      if (last.name !== node) {
        this.entries[i] = last;
        this.entryIndex.set(last.name, i);
      }
      this.entryIndex.delete(node);
    }
  }

  has(node: string): boolean {
    return this.nodes.has(node);
  }

  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  /** The node's φ at `t` alone: what status() reports, without building the rest (sampled for every node every second). */
  phi(node: string, t: number): number | undefined {
    const e = this.nodes.get(node);
    return e && e.phi.phiAfter(Math.max(0, t - e.lastSeen));
  }

  status(node: string, t: number): NodeLivenessStatus | undefined {
    const e = this.nodes.get(node);
    if (!e) return undefined;
    const round = e.round;
    return {
      node: e.name,
      state: e.state,
      since: e.since,
      reason: e.reason,
      phi: e.phi.phiAfter(Math.max(0, t - e.lastSeen)),
      lastHeartbeatAt: e.phi.lastHeartbeatAt,
      lastSeen: e.lastSeen,
      suspectAfterMs: e.phi.elapsedAtPhi(this.options.suspectPhi),
      meanIntervalMs: e.phi.meanIntervalMs,
      stdDeviationMs: e.phi.stdDeviationMs,
      connectionClosed: e.connectionClosed,
      heldBack: e.heldBack,
      probing: round && {
        startedAt: round.suspicion.startedAt,
        peersAsked: [...round.peersAsked],
        confirmations: round.suspicion.confirmations,
        peersReached: [...round.peersReached],
        directProbeFailed: round.directFailed,
        timeoutMs: round.suspicion.timeoutMs(),
      },
    };
  }

  private register(node: string, t: number): NodeEntry {
    const o = this.options;
    const entry: NodeEntry = {
      name: node,
      phi: new PhiAccrualDetector({
        expectedIntervalMs: o.heartbeatIntervalMs,
        windowSize: o.windowSize,
        minStdDeviationMs: o.minStdDeviationMs,
        acceptablePauseMs: o.acceptablePauseMs,
        ignoreIntervalsAbovePhi: o.suspectPhi,
      }),
      state: "alive",
      since: t,
      reason: "first heartbeat",
      lastSeen: t,
      connectionClosed: false,
      closedRecheckOutstanding: false,
      round: null,
      recheckAt: null,
      heldBack: false,
    };
    this.nodes.set(node, entry);
    this.entryIndex.set(node, this.entries.length);
    this.entries.push(entry);
    return entry;
  }

  /** Starts a probe round: suspicion timer, direct probe, k peers; alive nodes become suspect. */
  private startRound(out: OutputBuilder, entry: NodeEntry, t: number, reason: string): void {
    const peers = this.choosePeers(entry.name);
    entry.round = {
      suspicion: new Suspicion({
        startedAt: t,
        expectedConfirmations: peers.length,
        minMs: this.options.suspicionMinMs,
        maxMs: this.options.suspicionMaxMs,
      }),
      peersAsked: new Set(peers),
      peersAnswered: new Set(),
      peersReached: new Set(),
      directOutstanding: true,
      directFailed: false,
    };
    entry.recheckAt = null;
    out.requests.push({ kind: "direct-probe", node: entry.name });
    if (peers.length > 0) out.requests.push({ kind: "indirect-probe", node: entry.name, via: peers });
    if (entry.state === "alive") this.transition(out, entry, "suspect", t, reason);
  }

  private choosePeers(target: string): string[] {
    const eligible = this.hooks.isPeerEligible;
    const k = this.options.indirectProbes;
    // In a large cluster a scan per suspicion would make a mass event (thousands of
    // suspicions at once) quadratic: draw random entries instead, with bounded effort. When
    // most nodes are out, fewer than k peers may be found; the suspicion timeout adapts to
    // the number asked.
    if (this.entries.length > LARGE_CLUSTER && k > 0) {
      const picked = new Set<string>();
      for (let draws = 0; draws < 8 * k && picked.size < k; draws++) {
        const e = this.entries[Math.floor(this.random() * this.entries.length)]!;
        if (e.name !== target && e.state === "alive" && !picked.has(e.name) && (!eligible || eligible(e.name))) picked.add(e.name);
      }
      return [...picked];
    }
    const candidates: string[] = [];
    for (const e of this.nodes.values()) {
      if (e.name !== target && e.state === "alive" && (!eligible || eligible(e.name))) candidates.push(e.name);
    }
    return sampleWithoutReplacement(candidates, this.options.indirectProbes, this.random);
  }

  /** Ends the current probe round: unreachable if a peer reached the node or a freeze holds, else dead. */
  private conclude(out: OutputBuilder, entry: NodeEntry, t: number, why: string): void {
    const round = entry.round;
    entry.round = null;
    const reached = round ? [...round.peersReached] : [];
    let state: LivenessState;
    let reason: string;
    if (reached.length > 0) {
      state = "unreachable";
      reason = `the server cannot reach it but ${reached.join(", ")} can (${why})`;
      entry.heldBack = false;
    } else if (this.hooks.isFrozen?.()) {
      state = "unreachable";
      reason = `held back from dead while the control plane looks isolated (${why})`;
      entry.heldBack = true;
    } else {
      state = "dead";
      reason = why;
      entry.heldBack = false;
    }
    entry.recheckAt = state === "unreachable" ? t + this.options.unreachableRecheckMs : null;
    if (state !== entry.state) this.transition(out, entry, state, t, reason);
    else entry.reason = reason;
  }

  private timeoutReason(entry: NodeEntry, t: number): string {
    const round = entry.round!;
    const asked = round.peersAsked.size;
    const direct = round.directFailed ? "the direct probe failed" : "the direct probe did not answer";
    const peers = asked === 0 ? "no peer to ask" : `${round.suspicion.confirmations} of ${asked} peers could not reach it either`;
    return `no sign of life for ${Math.round(t - entry.lastSeen)} ms: ${direct}, ${peers} (suspicion timeout ${round.suspicion.timeoutMs()} ms)`;
  }

  private transition(out: OutputBuilder, entry: NodeEntry, state: LivenessState, t: number, reason: string): void {
    const previous = entry.state;
    entry.state = state;
    entry.since = t;
    entry.reason = reason;
    if (state === "alive" || state === "dead") {
      entry.round = null;
      entry.recheckAt = null;
      entry.heldBack = false;
    }
    this.emit(out, entry, previous, t);
  }

  private emit(out: OutputBuilder, entry: NodeEntry, previous: LivenessState | null, t: number): void {
    const verdict: LivenessVerdict = {
      node: entry.name,
      state: entry.state,
      previous,
      since: entry.since,
      reason: entry.reason,
      phi: entry.phi.phiAfter(Math.max(0, t - entry.lastSeen)),
      lastSeen: entry.lastSeen,
    };
    out.verdicts.push(verdict);
    this.hooks.onVerdict?.(verdict);
  }
}
