// Whether this replica can reach each other live replica right now: a TCP handshake with each
// every interval. A replica killed on a live host refuses at once (and one on a dead host
// times out), long before its registration in PostgreSQL would expire: a replica that cannot
// be reached after `failuresToMark` tries in a row holds no nodes in this replica's eyes, so
// agents that lost it are accepted here instead of being redirected to it again. One answered
// handshake makes it reachable again. (A frozen process still completes handshakes — its
// kernel answers — and is caught by its missed renewals instead: activeReplicas.)
import type { Clock, TimerHandle } from "../util/clock.js";
import type { ConnectOutcome } from "../util/tcp-connect.js";
import type { ReplicaAddress } from "./replica-membership.js";

export interface PeerReachabilityOptions {
  /** The other live replicas. */
  peers(): readonly ReplicaAddress[];
  connect(address: string, timeoutMs: number): Promise<ConnectOutcome>;
  clock: Clock;
  /** Default 250 ms. */
  intervalMs?: number;
  /** Failed handshakes in a row before a replica counts as unreachable. Default 2. */
  failuresToMark?: number;
  /** Called when a replica becomes unreachable or reachable again. */
  onChange(): void;
}

export class PeerReachability {
  private readonly failures = new Map<string, number>();
  private readonly unreachable = new Set<string>();
  private timer: TimerHandle | null = null;
  private checking = false;

  constructor(private readonly o: PeerReachabilityOptions) {}

  start(): void {
    this.timer ??= this.o.clock.setInterval(() => void this.check(), this.o.intervalMs ?? 250);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** False once the replica failed enough handshakes in a row; true for replicas not yet checked. */
  isReachable(name: string): boolean {
    return !this.unreachable.has(name);
  }

  /** One round of handshakes (the timer's work; exposed for tests). */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const peers = this.o.peers();
      const interval = this.o.intervalMs ?? 250;
      const outcomes = await Promise.all(peers.map(async (p) => ({ name: p.name, outcome: await this.o.connect(addressOf(p.url), Math.max(100, 2 * interval)) })));
      let changed = false;
      for (const { name, outcome } of outcomes) {
        if (outcome.ok) {
          this.failures.delete(name);
          if (this.unreachable.delete(name)) changed = true;
          continue;
        }
        const failures = (this.failures.get(name) ?? 0) + 1;
        this.failures.set(name, failures);
        if (failures >= (this.o.failuresToMark ?? 2) && !this.unreachable.has(name)) {
          this.unreachable.add(name);
          changed = true;
        }
      }
      // Replicas that left the live list are forgotten.
      const live = new Set(peers.map((p) => p.name));
      for (const name of [...this.failures.keys()]) if (!live.has(name)) this.failures.delete(name);
      for (const name of [...this.unreachable]) {
        if (live.has(name)) continue;
        this.unreachable.delete(name);
        changed = true;
      }
      if (changed) this.o.onChange();
    } finally {
      this.checking = false;
    }
  }
}

/** HOST:PORT of a replica's base URL (the scheme's default port when it names none). */
export function addressOf(url: string): string {
  const u = new URL(url);
  const port = u.port !== "" ? u.port : u.protocol === "https:" ? "443" : "80";
  return `${u.hostname}:${port}`;
}
