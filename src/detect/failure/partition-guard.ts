// The partition guard: when a large share of the nodes become suspect at about the same
// time, the control plane is more likely cut off than they are dead — it freezes (dead
// verdicts held back, recovery paused) until enough of them are back and stay back.
import type { PartitionGuardOptions } from "./failure-detector-options.js";
import type { LivenessState } from "./node-liveness.js";

export interface FreezeChange {
  frozen: boolean;
  at: number;
  reason: string;
  /** Freeze on: the nodes that tripped it. Freeze off: the nodes of the freeze still not alive. */
  nodes: string[];
}

export interface FreezeStatus {
  frozen: boolean;
  since: number | null;
  reason: string | null;
  /** Frozen: nodes of the freeze not alive now; else: nodes not alive now. */
  out: number;
  /** Frozen: the trip count the thaw is measured against; else: what it would take now. */
  tripCount: number;
  population: number;
  /** Frozen: since when fewer than tripCount nodes are out (the stability clock), or null. */
  calmSince: number | null;
}

/**
 * Trip: at least max(isolationMinNodes, ⌈isolationShare · population⌉) nodes whose trouble
 * (any state but alive) began within the last isolationWindowMs and still holds. The
 * population leaves out nodes that were already in trouble before the window (a node dead
 * for an hour says nothing about this moment).
 *
 * Thaw: fewer than that trip count of the freeze's nodes (those that tripped it and those
 * that got into trouble during it) are out, continuously for isolationStableMs. This is the
 * Kubernetes node-lifecycle rule (evictions stop while a zone is fully disrupted and resume
 * when it is not): once the server reaches most nodes again it is not the one cut off, and
 * the nodes still out are judged one by one with their peers' help (each gets a fresh probe
 * round at the thaw). Requiring every node back would keep a cluster frozen forever for one
 * machine that really died during the cut-off.
 */
export class PartitionGuard {
  /** Every known node → when its current trouble began, or null while it is alive. */
  private readonly troubledSince = new Map<string, number | null>();
  private outCount = 0;
  private frozenSince: number | null = null;
  private frozenReason: string | null = null;
  private frozenTripCount = 0;
  private readonly affected = new Set<string>();
  /** How many of `affected` are out now, kept as they change: a mass event must not rescan them per verdict. */
  private affectedOutCount = 0;
  private calmSince: number | null = null;

  constructor(private readonly options: PartitionGuardOptions) {}

  isFrozen(): boolean {
    return this.frozenSince !== null;
  }

  /** A node's state at `t` (call on every change, and when a node is first seen). */
  observe(node: string, state: LivenessState, t: number): FreezeChange | null {
    const troubled = state !== "alive";
    const known = this.troubledSince.has(node);
    const since = this.troubledSince.get(node) ?? null;
    if (!known || (since === null) === troubled) {
      const delta = troubled ? 1 : known ? -1 : 0;
      this.outCount += delta;
      if (this.affected.has(node)) this.affectedOutCount += delta;
      this.troubledSince.set(node, troubled ? t : null);
    }
    // Nodes whose trouble began during the freeze join it; those out since before do not.
    if (troubled && this.frozenSince !== null && !this.affected.has(node) && this.troubledSince.get(node)! >= this.frozenSince) {
      this.affected.add(node);
      this.affectedOutCount += 1;
    }
    return this.evaluate(t);
  }

  /** The node left the cluster. */
  forget(node: string, t: number): FreezeChange | null {
    if (!this.troubledSince.has(node)) return null;
    if (this.troubledSince.get(node) !== null) {
      this.outCount -= 1;
      if (this.affected.has(node)) this.affectedOutCount -= 1;
    }
    this.troubledSince.delete(node);
    this.affected.delete(node);
    return this.evaluate(t);
  }

  /** Time passing: the thaw's stability clock. */
  tick(t: number): FreezeChange | null {
    return this.evaluate(t);
  }

  status(t: number): FreezeStatus {
    if (this.isFrozen()) {
      return {
        frozen: true,
        since: this.frozenSince,
        reason: this.frozenReason,
        out: this.affectedOutCount,
        tripCount: this.frozenTripCount,
        population: this.troubledSince.size,
        calmSince: this.calmSince,
      };
    }
    const { population, tripCount } = this.trip(t);
    return { frozen: false, since: null, reason: null, out: this.outCount, tripCount, population, calmSince: null };
  }

  private evaluate(t: number): FreezeChange | null {
    if (!this.isFrozen()) {
      // Fewer troubled nodes than the minimum can never trip: skip the scan (the common case).
      if (this.outCount < this.options.isolationMinNodes) return null;
      const { recent, population, tripCount } = this.trip(t);
      if (recent.length < tripCount) return null;
      this.frozenSince = t;
      this.frozenTripCount = tripCount;
      this.frozenReason =
        `${recent.length} of ${population} nodes went silent within ${this.options.isolationWindowMs} ms ` +
        `(at least ${tripCount} trip the guard): the control plane is probably cut off from them`;
      this.affected.clear();
      for (const n of recent) this.affected.add(n);
      this.affectedOutCount = this.affected.size;
      this.calmSince = null;
      return { frozen: true, at: t, reason: this.frozenReason, nodes: recent };
    }
    if (this.affectedOutCount >= this.frozenTripCount) {
      this.calmSince = null;
      return null;
    }
    if (this.calmSince === null) this.calmSince = t;
    if (t - this.calmSince < this.options.isolationStableMs) return null;
    const out = this.affectedOut();
    const reason =
      `the nodes are back: ${out.length} of the freeze's ${this.affected.size} nodes still out ` +
      `(fewer than ${this.frozenTripCount}) for ${t - this.calmSince} ms`;
    this.frozenSince = null;
    this.frozenReason = null;
    this.calmSince = null;
    this.affected.clear();
    this.affectedOutCount = 0;
    return { frozen: false, at: t, reason, nodes: out };
  }

  /** Nodes whose trouble began within the window, the population it is measured against, and the trip count. */
  private trip(t: number): { recent: string[]; population: number; tripCount: number } {
    const windowStart = t - this.options.isolationWindowMs;
    const recent: string[] = [];
    let longTroubled = 0;
    if (this.outCount > 0) {
      for (const [node, since] of this.troubledSince) {
        if (since === null) continue;
        if (since >= windowStart) recent.push(node);
        else longTroubled += 1;
      }
    }
    const population = this.troubledSince.size - longTroubled;
    const tripCount = Math.max(this.options.isolationMinNodes, Math.ceil(this.options.isolationShare * population));
    return { recent, population, tripCount };
  }

  private affectedOut(): string[] {
    const out: string[] = [];
    for (const node of this.affected) if ((this.troubledSince.get(node) ?? null) !== null) out.push(node);
    return out;
  }
}
