// What the control plane believes about each service's health, from its agent's probe
// transitions, process events and reconnect snapshots. Returns the transitions it makes
// so the composition root can hand them on to alerts, incidents and recovery.
import type { Clock } from "../util/clock.js";
import type { EventMessage, ProbeMessage, ServiceSnapshot } from "../protocol/messages.js";
import type { ServiceHealth, ServiceRecord, Storage } from "../storage/storage.js";

export interface HealthTransition {
  service: string;
  node: string;
  from: ServiceHealth;
  to: ServiceHealth;
  /** When the new state began (for unhealthy: the first failing observation). */
  since: number;
  detail: string;
  source: "probe" | "process" | "snapshot" | "node";
}

export class ServiceRegistry {
  private services = new Map<string, ServiceRecord>();

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    /** Configured services and the node each runs on. */
    placements: Array<{ name: string; node: string }>,
  ) {
    const now = clock.now();
    for (const p of placements) {
      this.services.set(p.name, {
        name: p.name,
        node: p.node,
        health: "unknown",
        since: now,
        detail: "not yet observed",
        pid: null,
        running: false,
        updatedAt: now,
      });
    }
  }

  /** Restores what was known before a restart, for services still configured. */
  async load(): Promise<void> {
    for (const stored of await this.storage.listServices()) {
      const current = this.services.get(stored.name);
      if (current && current.node === stored.node) this.services.set(stored.name, stored);
    }
  }

  get(name: string): ServiceRecord | undefined {
    return this.services.get(name);
  }

  all(): ServiceRecord[] {
    return [...this.services.values()];
  }

  onNode(node: string): ServiceRecord[] {
    return this.all().filter((s) => s.node === node);
  }

  async applyProbe(node: string, m: ProbeMessage): Promise<HealthTransition | null> {
    const s = this.owned(node, m.service);
    if (!s) return null;
    // A verdict decided before the current state began is stale: it was about an older
    // process (overtaken by a restart) or replayed after a reconnect snapshot. Both times
    // are the agent's clock.
    if (m.health !== s.health && m.ts < s.since) return null;
    return this.transition(s, m.health, m.health === "unhealthy" ? m.since : m.ts, m.detail, "probe");
  }

  async applyEvent(node: string, m: EventMessage): Promise<HealthTransition | null> {
    if (!m.service) return null;
    const s = this.owned(node, m.service);
    if (!s) return null;
    const pid = typeof m.data.pid === "number" ? m.data.pid : null;
    if (m.kind === "process.started" || m.kind === "process.adopted") {
      s.pid = pid;
      s.running = true;
      // A new process is not healthy until its probe says so.
      return this.transition(s, "unknown", m.ts, `process ${pid ?? "?"} started`, "process", true);
    }
    if (m.kind === "process.exited") {
      if (pid !== null && s.pid !== null && pid !== s.pid) return null; // an older process
      s.running = false;
      s.pid = null;
      if (m.data.expected === true) return this.transition(s, "unknown", m.ts, "process stopped by Vigil", "process", true);
      const how = m.data.signal ? `killed by ${String(m.data.signal)}` : `exit code ${String(m.data.code ?? "?")}`;
      const error = m.data.error ? `: ${String(m.data.error)}` : "";
      return this.transition(s, "unhealthy", m.ts, `process exited (${how})${error}`, "process", true);
    }
    return null;
  }

  async applySnapshot(node: string, snapshots: ServiceSnapshot[]): Promise<HealthTransition[]> {
    const out: HealthTransition[] = [];
    for (const snap of snapshots) {
      const s = this.owned(node, snap.name);
      if (!s) continue;
      s.pid = snap.pid ?? null;
      s.running = snap.running;
      const t = await this.transition(s, snap.health, snap.since, "reported after reconnect", "snapshot", true);
      if (t) out.push(t);
    }
    return out;
  }

  /** A failover moved the service to `node`: what was known came from the old instance. */
  async moveTo(service: string, node: string): Promise<HealthTransition | null> {
    const s = this.services.get(service);
    if (!s || s.node === node) return null;
    const from = s.node;
    s.node = node;
    s.pid = null;
    s.running = false;
    const t = await this.transition(s, "unknown", this.clock.now(), `moved from ${from} to ${node} by failover`, "node", true);
    return t;
  }

  /** The node is down: its services' health is unknown until it is back. */
  async nodeDown(node: string, since: number): Promise<HealthTransition[]> {
    const out: HealthTransition[] = [];
    for (const s of this.onNode(node)) {
      const t = await this.transition(s, "unknown", since, `node ${node} is down`, "node");
      if (t) out.push(t);
    }
    return out;
  }

  private owned(node: string, service: string): ServiceRecord | undefined {
    const s = this.services.get(service);
    return s && s.node === node ? s : undefined;
  }

  private async transition(
    s: ServiceRecord,
    to: ServiceHealth,
    since: number,
    detail: string,
    source: HealthTransition["source"],
    persistAnyway = false,
  ): Promise<HealthTransition | null> {
    const from = s.health;
    s.updatedAt = this.clock.now();
    if (from === to) {
      if (persistAnyway) await this.storage.upsertService(s);
      return null;
    }
    s.health = to;
    s.since = since;
    s.detail = detail;
    await this.storage.upsertService(s);
    return { service: s.name, node: s.node, from, to, since, detail, source };
  }
}
