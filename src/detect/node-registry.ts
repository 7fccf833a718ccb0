// Nodes as the control plane sees them: registration on hello, the outbox position (the
// highest seq processed, and the highest acknowledged because durable) used to de-duplicate
// by (node, seq), and liveness from the failure detector (φ accrual, probes,
// suspicion, partition guard). Every detector output is returned for the shell to act on.
// On a replica of a sharded cluster the detector tracks only the nodes this replica owns
// (`owns`); the others' states come from the replicas that own them (applyRemote).
import type { Clock } from "../util/clock.js";
import type { NodeRecord, NodeState, Storage } from "../storage/storage.js";
import { FailureDetector, type FailureDetectorOutput } from "./failure/failure-detector.js";
import type { FailureDetectorOptions } from "./failure/failure-detector-options.js";
import type { LivenessState, NodeLivenessStatus } from "./failure/node-liveness.js";

/** How liveness states are stored and shown: a dead node is "down". */
export function nodeStateOf(state: LivenessState): NodeState {
  return state === "dead" ? "down" : state;
}

/**
 * A known node: its stored record, and its last heartbeat kept beside it in a field that only
 * ever holds numbers (NaN: none since the server started) — 20,000 heartbeats a second
 * overwrite a double in place instead of allocating one each; the record takes it over when
 * it is read or stored.
 */
interface TrackedNode {
  record: NodeRecord;
  lastHeartbeat: number;
}

export interface NodeRegistryOptions {
  /** Whether a node may be asked to probe another (its agent is connected with a probe listener). */
  isPeerEligible?(node: string): boolean;
  /** Whether this replica owns the node (default: every node, a single server, alone with its storage). */
  owns?(node: string): boolean;
  /**
   * How long a node this replica newly owns (its owner left) is not judged, so that its agent
   * can find its way here (default REHOME_GRACE_MS); then normal detection, from a fresh start.
   */
  rehomeGraceMs?: number;
}

/**
 * The re-homing grace: twice the longest wait between an agent's reconnect attempts
 * (src/agent/server-list.ts, RECONNECT_MAX_MS = 5 s) — an agent that kept failing to reach
 * its dead owner is back within one such wait, plus a round through the replicas.
 */
export const REHOME_GRACE_MS = 10_000;

export class NodeRegistry {
  private nodes = new Map<string, TrackedNode>();
  /** Nodes newly owned here, not judged until their grace ends (or their agent arrives). */
  private readonly rehoming = new Map<string, number>();
  private readonly owns: (node: string) => boolean;
  /** Other replicas write these node records too (a cluster): a hello reads the stored one. */
  private readonly shared: boolean;
  private readonly rehomeGraceMs: number;
  readonly detector: FailureDetector;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    options: Partial<FailureDetectorOptions> = {},
    shard: NodeRegistryOptions = {},
  ) {
    this.detector = new FailureDetector(options, shard.isPeerEligible ? { isPeerEligible: shard.isPeerEligible } : {});
    this.owns = shard.owns ?? (() => true);
    this.shared = shard.owns !== undefined;
    this.rehomeGraceMs = shard.rehomeGraceMs ?? REHOME_GRACE_MS;
  }

  /** Restores known nodes; those alive before a restart (and owned here) are given a fresh start to reconnect. */
  async load(): Promise<void> {
    const now = this.clock.now();
    for (const node of await this.storage.listNodes()) {
      this.nodes.set(node.name, { record: node, lastHeartbeat: Number.NaN });
      if (this.owns(node.name) && isUp(node)) this.detector.heartbeat(node.name, now);
    }
  }

  /**
   * After the replicas changed: nodes this replica now owns and believes up are given the
   * re-homing grace (not judged until it ends or their agent arrives), and nodes it no longer
   * owns are no longer judged here. Returns the nodes adopted and released.
   */
  rebalance(): { adopted: string[]; released: string[] } {
    const now = this.clock.now();
    const adopted: string[] = [];
    const released: string[] = [];
    for (const { record } of this.nodes.values()) {
      const name = record.name;
      const judged = this.detector.tracks(name) || this.rehoming.has(name);
      if (this.owns(name)) {
        if (judged || !isUp(record)) continue;
        this.rehoming.set(name, now + this.rehomeGraceMs);
        adopted.push(name);
      } else if (judged) {
        this.rehoming.delete(name);
        this.detector.forget(name, now);
        released.push(name);
      }
    }
    return { adopted, released };
  }

  /** Nodes in their re-homing grace now. */
  rehomingNodes(): string[] {
    return [...this.rehoming.keys()];
  }

  /** A node whose agent another replica holds said hello there: known here, its liveness not judged here. */
  async remoteHello(name: string, agentVersion: string): Promise<void> {
    let tracked = this.nodes.get(name);
    if (!tracked) {
      const stored = await this.storage.getNode(name);
      const record: NodeRecord = stored ?? { name, state: "unknown", since: this.clock.now(), lastHeartbeat: null, agentVersion: null, outboxId: null, ackedSeq: 0, processedSeq: 0 };
      tracked = { record, lastHeartbeat: Number.NaN };
      this.nodes.set(name, tracked);
    }
    tracked.record.agentVersion = agentVersion;
  }

  /** Verdicts the owner replica's detector made (it stored them): the records here follow. */
  applyRemote(verdicts: FailureDetectorOutput["verdicts"]): void {
    for (const v of verdicts) {
      const tracked = this.nodes.get(v.node);
      if (!tracked) continue;
      tracked.record.state = nodeStateOf(v.state);
      tracked.record.since = v.since;
      tracked.record.lastHeartbeat = v.lastSeen;
    }
  }

  get(name: string): NodeRecord | undefined {
    const tracked = this.nodes.get(name);
    return tracked && current(tracked);
  }

  all(): NodeRecord[] {
    return [...this.nodes.values()].map(current);
  }

  /** Liveness details (φ, suspect-after, probing) for the API. */
  /** The node's current φ (undefined for a node the detector does not track). */
  phi(name: string): number | undefined {
    return this.detector.phi(name, this.clock.now());
  }

  status(name: string): NodeLivenessStatus | undefined {
    return this.detector.status(name, this.clock.now());
  }

  /**
   * Registers an agent's hello. A new outboxId (a new agent data dir) restarts the
   * de-duplication sequence (processed and acknowledged); the same one goes on from the
   * furthest positions known here or stored (by another replica). Returns the node's record.
   */
  async hello(name: string, outboxId: string, agentVersion: string): Promise<NodeRecord> {
    const now = this.clock.now();
    const tracked = this.nodes.get(name);
    // Another server replica may have held this node since this one last saw it: its stored
    // outbox positions are where de-duplication goes on (positions only move forward). A single
    // server's records are all here since load().
    const stored = this.shared ? await this.storage.getNode(name) : null;
    const node: NodeRecord = tracked ? current(tracked) : stored ?? {
      name,
      state: "unknown",
      since: now,
      lastHeartbeat: null,
      agentVersion: null,
      outboxId: null,
      ackedSeq: 0,
      processedSeq: 0,
    };
    if (tracked && stored?.outboxId === outboxId) {
      if (node.outboxId !== outboxId) Object.assign(node, { outboxId, ackedSeq: 0, processedSeq: 0 });
      node.ackedSeq = Math.max(node.ackedSeq, stored.ackedSeq);
      node.processedSeq = Math.max(node.processedSeq, stored.processedSeq);
    }
    if (node.outboxId !== outboxId) {
      node.outboxId = outboxId;
      node.ackedSeq = 0;
      node.processedSeq = 0;
    }
    node.agentVersion = agentVersion;
    if (!tracked) this.nodes.set(name, { record: node, lastHeartbeat: Number.NaN });
    await this.storage.upsertNode(node);
    return node;
  }

  /**
   * Message `seq` was processed: journalled, acted on, its samples appended (not necessarily
   * durable yet). Stored before the next message is processed, so that after a crash a
   * re-sent copy is not acted on twice. Only moves forward.
   */
  async processed(name: string, seq: number): Promise<void> {
    const node = this.get(name);
    if (!node || seq <= node.processedSeq) return;
    node.processedSeq = seq;
    await this.storage.upsertNode(node);
  }

  /** Everything up to `seq` is durable and was acknowledged to the agent. Only moves forward. */
  async acked(name: string, seq: number): Promise<void> {
    const node = this.get(name);
    if (!node || seq <= node.ackedSeq) return;
    node.ackedSeq = seq;
    // An ack covers only processed messages; kept true also for records of older versions.
    if (node.processedSeq < seq) node.processedSeq = seq;
    await this.storage.upsertNode(node);
  }

  /**
   * A heartbeat of `name`. Synchronous while it changes no node's state — the common case,
   * 20,000 times a second at 10,000 agents, which then costs no promise; a promise once a
   * verdict (a node alive again) has to be stored.
   */
  heartbeat(name: string): FailureDetectorOutput | Promise<FailureDetectorOutput> {
    const tracked = this.nodes.get(name);
    if (!tracked) return this.detector.tick(this.clock.now());
    const now = this.clock.now();
    tracked.lastHeartbeat = now;
    if (this.rehoming.size > 0) this.rehoming.delete(name);
    const out = this.detector.heartbeat(name, now);
    return out.verdicts.length === 0 ? out : this.apply(out);
  }

  async disconnected(name: string): Promise<FailureDetectorOutput> {
    return this.apply(this.detector.connectionClosed(name, this.clock.now()));
  }

  async directProbeResult(name: string, ok: boolean): Promise<FailureDetectorOutput> {
    return this.apply(this.detector.directProbeResult(name, ok, this.clock.now()));
  }

  async indirectProbeResult(name: string, peer: string, ok: boolean): Promise<FailureDetectorOutput> {
    return this.apply(this.detector.indirectProbeResult(name, peer, ok, this.clock.now()));
  }

  /** Advances the detector (suspicion timeouts, φ thresholds, the partition guard). */
  async tick(): Promise<FailureDetectorOutput> {
    const now = this.clock.now();
    // A grace ended without the agent: judged from a fresh start, as after a restart.
    for (const [name, until] of this.rehoming) {
      if (until > now) continue;
      this.rehoming.delete(name);
      this.detector.heartbeat(name, until);
    }
    return this.apply(this.detector.tick(now));
  }

  private async apply(out: FailureDetectorOutput): Promise<FailureDetectorOutput> {
    for (const v of out.verdicts) {
      const node = this.get(v.node);
      if (!node) continue;
      node.state = nodeStateOf(v.state);
      node.since = v.since;
      await this.storage.upsertNode(node);
    }
    return out;
  }
}

function isUp(node: NodeRecord): boolean {
  return node.state === "alive" || node.state === "suspect";
}

function current(tracked: TrackedNode): NodeRecord {
  if (!Number.isNaN(tracked.lastHeartbeat)) tracked.record.lastHeartbeat = tracked.lastHeartbeat;
  return tracked.record;
}
