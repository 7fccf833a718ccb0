// The failure detector the server uses: node liveness (φ, probes, suspicion) composed with
// the partition guard, which sees every verdict as it is made and holds back dead verdicts
// while it is frozen. Pure and single-threaded: the shell feeds it events and the time.
import { resolveFailureDetectorOptions, type FailureDetectorOptions } from "./failure-detector-options.js";
import {
  NO_LIVENESS_OUTPUT,
  NodeLiveness,
  type LivenessOutput,
  type LivenessVerdict,
  type NodeLivenessStatus,
  type ProbeRequest,
} from "./node-liveness.js";
import { PartitionGuard, type FreezeChange, type FreezeStatus } from "./partition-guard.js";
import { seededRandom } from "./seeded-random.js";

export interface FailureDetectorOutput {
  /** State changes, in the order they were made. */
  readonly verdicts: readonly LivenessVerdict[];
  /** Probes the shell must run and report back. */
  readonly requests: readonly ProbeRequest[];
  /** Freeze on/off (journal `freeze.on` / `freeze.off`, alert ControlPlaneIsolated). */
  readonly freeze: readonly FreezeChange[];
}

const NOTHING: FailureDetectorOutput = Object.freeze({ verdicts: Object.freeze([]), requests: Object.freeze([]), freeze: Object.freeze([]) });

/** True when the output asks nothing of the shell: no verdict, no probe, no freeze change. */
export function isQuiet(out: FailureDetectorOutput): boolean {
  return out === NOTHING || (out.verdicts.length === 0 && out.requests.length === 0 && out.freeze.length === 0);
}

export interface FailureDetectorDeps {
  /** Picks the peers of indirect probes; seeded for reproducible runs. Default: seeded with 1. */
  random?: () => number;
  /** Only these nodes are asked to probe others (e.g. agents that announced a probe listener). */
  isPeerEligible?(node: string): boolean;
}

export class FailureDetector {
  readonly options: FailureDetectorOptions;
  private readonly liveness: NodeLiveness;
  private readonly guard: PartitionGuard;
  /** Freeze changes made since the last output was returned. */
  private pendingFreeze: FreezeChange[] = [];

  constructor(options: Partial<FailureDetectorOptions> = {}, deps: FailureDetectorDeps = {}) {
    this.options = resolveFailureDetectorOptions(options);
    this.guard = new PartitionGuard(this.options);
    this.liveness = new NodeLiveness(this.options, deps.random ?? seededRandom(1), {
      // The guard must see each suspicion the moment it is made, so that a freeze tripped
      // by the 500th suspicion already holds back the next conclusion in the same tick.
      onVerdict: (v) => this.onFreezeChange(this.guard.observe(v.node, v.state, v.since), v.since),
      isFrozen: () => this.guard.isFrozen(),
      ...(deps.isPeerEligible && { isPeerEligible: deps.isPeerEligible }),
    });
  }

  heartbeat(node: string, t: number): FailureDetectorOutput {
    return this.collect(this.liveness.heartbeat(node, t));
  }

  connectionClosed(node: string, t: number): FailureDetectorOutput {
    return this.collect(this.liveness.connectionClosed(node, t));
  }

  directProbeResult(node: string, ok: boolean, t: number): FailureDetectorOutput {
    return this.collect(this.liveness.directProbeResult(node, ok, t));
  }

  indirectProbeResult(node: string, peer: string, ok: boolean, t: number): FailureDetectorOutput {
    return this.collect(this.liveness.indirectProbeResult(node, peer, ok, t));
  }

  tick(t: number): FailureDetectorOutput {
    this.onFreezeChange(this.guard.tick(t), t);
    return this.collect(this.liveness.tick(t));
  }

  forget(node: string, t: number): FailureDetectorOutput {
    this.liveness.forget(node);
    this.onFreezeChange(this.guard.forget(node, t), t);
    return this.collect(NO_LIVENESS_OUTPUT);
  }

  /** Whether the node's liveness is tracked here (a replica tracks the nodes it owns). */
  tracks(node: string): boolean {
    return this.liveness.has(node);
  }

  phi(node: string, t: number): number | undefined {
    return this.liveness.phi(node, t);
  }

  status(node: string, t: number): NodeLivenessStatus | undefined {
    return this.liveness.status(node, t);
  }

  statuses(t: number): NodeLivenessStatus[] {
    return this.liveness.nodeNames().map((n) => this.liveness.status(n, t)!);
  }

  freezeStatus(t: number): FreezeStatus {
    return this.guard.status(t);
  }

  /** For the recovery orchestrator's pauseReason: why recovery must wait, or null. */
  pauseReason(t: number): string | null {
    const s = this.guard.status(t);
    return s.frozen ? `control plane isolated since ${new Date(s.since!).toISOString()}: ${s.reason}` : null;
  }

  private onFreezeChange(change: FreezeChange | null, t: number): void {
    if (!change) return;
    this.pendingFreeze.push(change);
    // Nodes held back as unreachable are judged again, now with the freeze off.
    if (!change.frozen) this.liveness.recheckHeldBack(t);
  }

  private collect(out: LivenessOutput): FailureDetectorOutput {
    if (out === NO_LIVENESS_OUTPUT && this.pendingFreeze.length === 0) return NOTHING;
    const freeze = this.pendingFreeze;
    this.pendingFreeze = [];
    return { verdicts: out.verdicts, requests: out.requests, freeze };
  }
}
