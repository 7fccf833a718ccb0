// First node failure detector: a node is down when no heartbeat arrived for `timeoutMs`
// or its connection closed. Pure (time is passed in); the phi-accrual detector replaces it.

export type LivenessVerdict = { node: string; state: "alive" | "down"; since: number; reason: string };

interface NodeLiveness {
  lastHeartbeat: number;
  state: "alive" | "down";
}

export class HeartbeatTimeoutDetector {
  private nodes = new Map<string, NodeLiveness>();

  constructor(private readonly timeoutMs: number) {}

  /** Records a heartbeat; returns a verdict when the node comes back alive. */
  heartbeat(node: string, now: number): LivenessVerdict | null {
    const current = this.nodes.get(node);
    this.nodes.set(node, { lastHeartbeat: now, state: "alive" });
    if (current?.state === "alive") return null;
    return { node, state: "alive", since: now, reason: current ? "heartbeats resumed" : "first heartbeat" };
  }

  /** The node's connection closed: it is down now (a reconnect brings it back). */
  disconnected(node: string, now: number): LivenessVerdict | null {
    const current = this.nodes.get(node);
    if (!current || current.state === "down") return null;
    current.state = "down";
    return { node, state: "down", since: now, reason: "agent connection closed" };
  }

  /** Verdicts for nodes whose heartbeats stopped; `since` is the last heartbeat seen. */
  check(now: number): LivenessVerdict[] {
    const verdicts: LivenessVerdict[] = [];
    for (const [node, live] of this.nodes) {
      if (live.state === "alive" && now - live.lastHeartbeat >= this.timeoutMs) {
        live.state = "down";
        verdicts.push({
          node,
          state: "down",
          since: live.lastHeartbeat,
          reason: `no heartbeat for ${now - live.lastHeartbeat}ms (timeout ${this.timeoutMs}ms)`,
        });
      }
    }
    return verdicts;
  }

  forget(node: string): void {
    this.nodes.delete(node);
  }
}
