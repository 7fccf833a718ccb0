// Incident lifecycle: at most one open incident per key ("service:api", "node:node-a");
// every change is journalled, so the incident's timeline is its journal events.
import type { Clock } from "../util/clock.js";
import type { Journal } from "../storage/journal.js";
import type { IncidentRecord, IncidentState, Storage } from "../storage/storage.js";

export interface IncidentSignal {
  key: string;
  kind: "service" | "node";
  target: string;
  node: string | null;
  title: string;
  /** The first failing observation (agent's time), before detection. */
  firstSignalAt: number;
  /** What was observed, for the `signal` journal event. */
  signal: Record<string, unknown>;
}

export type ResolvedListener = (incident: IncidentRecord) => Promise<void>;

export class IncidentManager {
  private open = new Map<string, IncidentRecord>();
  /** Incidents being created: a report arriving meanwhile joins it instead of opening a second. */
  private opening = new Map<string, Promise<IncidentRecord>>();
  private resolvedListeners: ResolvedListener[] = [];

  constructor(
    private readonly storage: Storage,
    private readonly journal: Journal,
    private readonly clock: Clock,
  ) {}

  async load(): Promise<IncidentRecord[]> {
    const open = await this.storage.listIncidents({ open: true, limit: 10_000 });
    for (const incident of open) this.open.set(incident.key, incident);
    return open;
  }

  /** Called after every resolution (to clear the incident's escalation alert, say). */
  onResolved(listener: ResolvedListener): void {
    this.resolvedListeners.push(listener);
  }

  openIncident(key: string): IncidentRecord | undefined {
    return this.open.get(key);
  }

  openIncidents(): IncidentRecord[] {
    return [...this.open.values()];
  }

  /** Opens an incident for the signal, or returns the one already open for its key. */
  async report(s: IncidentSignal): Promise<{ incident: IncidentRecord; opened: boolean }> {
    const existing = this.open.get(s.key);
    if (existing) return { incident: existing, opened: false };
    const opening = this.opening.get(s.key);
    if (opening) return { incident: await opening, opened: false };
    const created = this.create(s);
    this.opening.set(s.key, created);
    try {
      return { incident: await created, opened: true };
    } finally {
      this.opening.delete(s.key);
    }
  }

  private async create(s: IncidentSignal): Promise<IncidentRecord> {
    const now = this.clock.now();
    const firstSignalAt = Math.min(s.firstSignalAt, now);
    const incident = await this.storage.createIncident({
      key: s.key,
      kind: s.kind,
      target: s.target,
      node: s.node,
      state: "open",
      title: s.title,
      firstSignalAt,
      detectedAt: now,
      recoveredAt: null,
      resolvedAt: null,
      escalatedAt: null,
      rootCause: null,
      rootKey: null,
      cause: null,
      confidence: null,
      localizedAt: null,
      members: [s.key],
      updatedAt: now,
    });
    this.open.set(s.key, incident);
    const where = this.where(incident);
    await this.journal.record("signal", { ...where, ts: firstSignalAt, data: s.signal });
    await this.journal.record("incident.opened", { ...where, data: { title: s.title, key: s.key } });
    return incident;
  }

  async setState(incident: IncidentRecord, state: Exclude<IncidentState, "resolved" | "escalated">): Promise<void> {
    if (incident.state === state || incident.state === "resolved") return;
    incident.state = state;
    incident.updatedAt = this.clock.now();
    await this.storage.updateIncident(incident);
  }

  async escalate(incident: IncidentRecord, reason: string): Promise<void> {
    if (incident.state === "resolved" || incident.state === "escalated") return;
    const now = this.clock.now();
    incident.state = "escalated";
    incident.escalatedAt = now;
    incident.updatedAt = now;
    await this.storage.updateIncident(incident);
    await this.journal.record("escalated", { ...this.where(incident), data: { reason } });
  }

  /** Resolves the incident; `recoveredAt` is when the target was healthy again. */
  async resolve(incident: IncidentRecord, recoveredAt: number, reason: string): Promise<void> {
    if (incident.state === "resolved") return;
    const now = this.clock.now();
    incident.state = "resolved";
    incident.recoveredAt = Math.max(incident.detectedAt, Math.min(recoveredAt, now));
    incident.resolvedAt = now;
    incident.updatedAt = now;
    this.open.delete(incident.key);
    await this.storage.updateIncident(incident);
    await this.journal.record("incident.resolved", {
      ...this.where(incident),
      data: { reason, recoveredAt: incident.recoveredAt },
    });
    for (const listener of this.resolvedListeners) await listener(incident);
  }

  private where(incident: IncidentRecord) {
    return {
      incidentId: incident.id,
      ...(incident.node !== null && { node: incident.node }),
      ...(incident.kind === "service" && { service: incident.target }),
    };
  }
}
