// Nodes as the control plane sees them: registration on hello, liveness from heartbeats
// (HeartbeatTimeoutDetector), and the outbox position used to de-duplicate by (node, seq).
import type { Clock } from "../util/clock.js";
import type { NodeRecord, Storage } from "../storage/storage.js";
import { HeartbeatTimeoutDetector, type LivenessVerdict } from "./heartbeat-timeout.js";

export class NodeRegistry {
  private nodes = new Map<string, NodeRecord>();
  private detector: HeartbeatTimeoutDetector;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    heartbeatTimeoutMs: number,
  ) {
    this.detector = new HeartbeatTimeoutDetector(heartbeatTimeoutMs);
  }

  async load(): Promise<void> {
    const now = this.clock.now();
    for (const node of await this.storage.listNodes()) {
      this.nodes.set(node.name, node);
      // Nodes alive before a restart get one heartbeat timeout to reconnect.
      if (node.state === "alive") this.detector.heartbeat(node.name, now);
    }
  }

  get(name: string): NodeRecord | undefined {
    return this.nodes.get(name);
  }

  all(): NodeRecord[] {
    return [...this.nodes.values()];
  }

  /**
   * Registers an agent's hello. A new outboxId (a new agent data dir) restarts the
   * de-duplication sequence. Returns the node's record.
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
    };
    if (node.outboxId !== outboxId) {
      node.outboxId = outboxId;
      node.ackedSeq = 0;
    }
    node.agentVersion = agentVersion;
    this.nodes.set(name, node);
    await this.storage.upsertNode(node);
    return node;
  }

  async acked(name: string, seq: number): Promise<void> {
    const node = this.nodes.get(name);
    if (!node || seq <= node.ackedSeq) return;
    node.ackedSeq = seq;
    await this.storage.upsertNode(node);
  }

  /** A heartbeat (or hello) arrived; returns a verdict when the node came (back) alive. */
  async heartbeat(name: string): Promise<LivenessVerdict | null> {
    const node = this.nodes.get(name);
    if (!node) return null;
    const now = this.clock.now();
    node.lastHeartbeat = now;
    const verdict = this.detector.heartbeat(name, now);
    if (verdict) await this.apply(verdict);
    return verdict;
  }

  async disconnected(name: string): Promise<LivenessVerdict | null> {
    const verdict = this.detector.disconnected(name, this.clock.now());
    if (verdict) await this.apply(verdict);
    return verdict;
  }

  /** Nodes whose heartbeats stopped since the last check. */
  async check(): Promise<LivenessVerdict[]> {
    const verdicts = this.detector.check(this.clock.now());
    for (const v of verdicts) await this.apply(v);
    return verdicts;
  }

  private async apply(v: LivenessVerdict): Promise<void> {
    const node = this.nodes.get(v.node);
    if (!node) return;
    node.state = v.state;
    node.since = v.since;
    await this.storage.upsertNode(node);
  }
}
