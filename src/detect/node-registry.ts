// Nodes as the control plane sees them: registration on hello, the outbox position (the
// highest seq processed, and the highest acknowledged because durable) used to de-duplicate
// by (node, seq), and liveness from the failure detector (φ accrual, probes,
// suspicion, partition guard). Every detector output is returned for the shell to act on.
import type { Clock } from "../util/clock.js";
import type { NodeRecord, NodeState, Storage } from "../storage/storage.js";
import { FailureDetector, type FailureDetectorOutput } from "./failure/failure-detector.js";
import type { FailureDetectorOptions } from "./failure/failure-detector-options.js";
import type { LivenessState, NodeLivenessStatus } from "./failure/node-liveness.js";

/** How liveness states are stored and shown: a dead node is "down". */
export function nodeStateOf(state: LivenessState): NodeState {
  return state === "dead" ? "down" : state;
}

export class NodeRegistry {
  private nodes = new Map<string, NodeRecord>();
  readonly detector: FailureDetector;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    options: Partial<FailureDetectorOptions> = {},
    isPeerEligible?: (node: string) => boolean,
  ) {
    this.detector = new FailureDetector(options, isPeerEligible ? { isPeerEligible } : {});
  }

  /** Restores known nodes; those alive before a restart are given a fresh start to reconnect. */
  async load(): Promise<void> {
    const now = this.clock.now();
    for (const node of await this.storage.listNodes()) {
      this.nodes.set(node.name, node);
      if (node.state === "alive" || node.state === "suspect") this.detector.heartbeat(node.name, now);
    }
  }

  get(name: string): NodeRecord | undefined {
    return this.nodes.get(name);
  }

  all(): NodeRecord[] {
    return [...this.nodes.values()];
  }

  /** Liveness details (φ, suspect-after, probing) for the API. */
  status(name: string): NodeLivenessStatus | undefined {
    return this.detector.status(name, this.clock.now());
  }

  /**
   * Registers an agent's hello. A new outboxId (a new agent data dir) restarts the
   * de-duplication sequence (processed and acknowledged). Returns the node's record.
   */
  async hello(name: string, outboxId: string, agentVersion: string): Promise<NodeRecord> {
    const now = this.clock.now();
    const node: NodeRecord = this.nodes.get(name) ?? {
      name,
      state: "unknown",
      since: now,
      lastHeartbeat: null,
      agentVersion: null,
      outboxId: null,
      ackedSeq: 0,
      processedSeq: 0,
    };
    if (node.outboxId !== outboxId) {
      node.outboxId = outboxId;
      node.ackedSeq = 0;
      node.processedSeq = 0;
    }
    node.agentVersion = agentVersion;
    this.nodes.set(name, node);
    await this.storage.upsertNode(node);
    return node;
  }

  /**
   * Message `seq` was processed: journalled, acted on, its samples appended (not necessarily
   * durable yet). Stored before the next message is processed, so that after a crash a
   * re-sent copy is not acted on twice. Only moves forward.
   */
  async processed(name: string, seq: number): Promise<void> {
    const node = this.nodes.get(name);
    if (!node || seq <= node.processedSeq) return;
    node.processedSeq = seq;
    await this.storage.upsertNode(node);
  }

  /** Everything up to `seq` is durable and was acknowledged to the agent. Only moves forward. */
  async acked(name: string, seq: number): Promise<void> {
    const node = this.nodes.get(name);
    if (!node || seq <= node.ackedSeq) return;
    node.ackedSeq = seq;
    // An ack covers only processed messages; kept true also for records of older versions.
    if (node.processedSeq < seq) node.processedSeq = seq;
    await this.storage.upsertNode(node);
  }

  async heartbeat(name: string): Promise<FailureDetectorOutput> {
    const node = this.nodes.get(name);
    if (!node) return this.detector.tick(this.clock.now());
    node.lastHeartbeat = this.clock.now();
    return this.apply(this.detector.heartbeat(name, node.lastHeartbeat));
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
    return this.apply(this.detector.tick(this.clock.now()));
  }

  private async apply(out: FailureDetectorOutput): Promise<FailureDetectorOutput> {
    for (const v of out.verdicts) {
      const node = this.nodes.get(v.node);
      if (!node) continue;
      node.state = nodeStateOf(v.state);
      node.since = v.since;
      await this.storage.upsertNode(node);
    }
    return out;
  }
}
