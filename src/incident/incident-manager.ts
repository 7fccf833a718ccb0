// Incident lifecycle: at most one open incident per component ("service:api",
// "node:node-a"); a failure related to an open incident (same node, dependsOn, the node
// hosting the service — see topology.ts) within the correlation window joins it as a member
// instead of opening another. Every change is journalled: the incident's timeline is its
// journal events.
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

export interface IncidentLocalization {
  rootKey: string;
  cause: string;
  confidence: number;
  summary: string;
  evidence: unknown[];
  candidates: unknown[];
}

export type ResolvedListener = (incident: IncidentRecord) => Promise<void>;

export interface Correlation {
  /** Failures whose first signals are this close to an incident's join it. */
  windowMs: number;
  /**
   * For a weak relation (strength 1: merely sharing a node) the first signals must be this
   * close: failing together suggests a common cause on the node, failing minutes apart does not.
   */
  weakWindowMs?: number;
  /** Why two components' failures share a root (the stronger relation wins), or null. */
  relation(a: string, b: string): { reason: string; strength: number } | null;
}

export interface ReportOutcome {
  incident: IncidentRecord;
  /** A new incident was opened for the signal. */
  opened: boolean;
  /** The signal's component joined an open incident as a new member. */
  joined: boolean;
}

export class IncidentManager {
  /** Open incidents by every member key. */
  private open = new Map<string, IncidentRecord>();
  /** Reports are handled one at a time, so that related failures arriving together meet. */
  private reports: Promise<unknown> = Promise.resolve();
  private resolvedListeners: ResolvedListener[] = [];

  constructor(
    private readonly storage: Storage,
    private readonly journal: Journal,
    private readonly clock: Clock,
    private readonly correlation: Correlation | null = null,
  ) {}

  async load(): Promise<IncidentRecord[]> {
    const open = await this.storage.listIncidents({ open: true, limit: 10_000 });
    for (const incident of open) for (const key of incident.members) this.open.set(key, incident);
    return open;
  }

  /** Called after every resolution (to clear the incident's escalation alert, say). */
  onResolved(listener: ResolvedListener): void {
    this.resolvedListeners.push(listener);
  }

  /** The open incident that has `key` (a component) as a member. */
  openIncident(key: string): IncidentRecord | undefined {
    return this.open.get(key);
  }

  openIncidents(): IncidentRecord[] {
    return [...new Set(this.open.values())];
  }

  /**
   * Opens an incident for the signal, returns the one already open for its component, or
   * joins the component to a related open incident.
   */
  report(s: IncidentSignal): Promise<ReportOutcome> {
    const outcome = this.reports.then(() => this.handleReport(s));
    this.reports = outcome.catch(() => undefined);
    return outcome;
  }

  private async handleReport(s: IncidentSignal): Promise<ReportOutcome> {
    const existing = this.open.get(s.key);
    if (existing) return { incident: existing, opened: false, joined: false };
    const related = this.relatedIncident(s);
    if (related) {
      await this.join(related.incident, s, related.reason);
      return { incident: related.incident, opened: false, joined: true };
    }
    return { incident: await this.create(s), opened: true, joined: false };
  }

  /**
   * The open incident most strongly related to the signal's component within the window
   * (the earliest among equals). Escalated incidents are in human hands: a new failure is
   * news, not part of them.
   */
  private relatedIncident(s: IncidentSignal): { incident: IncidentRecord; reason: string } | null {
    if (!this.correlation) return null;
    const { windowMs, relation } = this.correlation;
    const candidates = this.openIncidents()
      .filter((i) => i.state !== "escalated" && Math.abs(i.firstSignalAt - s.firstSignalAt) <= windowMs)
      .sort((a, b) => a.firstSignalAt - b.firstSignalAt || a.id - b.id);
    let best: { incident: IncidentRecord; reason: string; strength: number } | null = null;
    for (const incident of candidates) {
      for (const member of incident.members) {
        const r = relation(s.key, member);
        if (r === null || (r.strength < 2 && Math.abs(incident.firstSignalAt - s.firstSignalAt) > (this.correlation.weakWindowMs ?? windowMs))) continue;
        if (best === null || r.strength > best.strength) best = { incident, ...r };
      }
    }
    return best && { incident: best.incident, reason: best.reason };
  }

  private async join(incident: IncidentRecord, s: IncidentSignal, reason: string): Promise<void> {
    incident.members.push(s.key);
    if (s.firstSignalAt < incident.firstSignalAt) incident.firstSignalAt = s.firstSignalAt;
    incident.updatedAt = this.clock.now();
    this.open.set(s.key, incident);
    await this.storage.updateIncident(incident);
    const where = this.where(incident);
    await this.journal.record("signal", { ...where, ts: Math.min(s.firstSignalAt, this.clock.now()), data: { ...s.signal, key: s.key } });
    await this.journal.record("incident.correlated", { ...where, data: { key: s.key, reason } });
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

  /**
   * Records where the fault is: the root component, its cause, the confidence and the
   * sentence, journalled as `incident.localized` whenever the root or the cause changes.
   */
  async localized(incident: IncidentRecord, l: IncidentLocalization): Promise<boolean> {
    if (incident.state === "resolved") return false;
    if (incident.rootKey === l.rootKey && incident.cause === l.cause) return false;
    const now = this.clock.now();
    incident.rootKey = l.rootKey;
    incident.cause = l.cause;
    incident.confidence = l.confidence;
    incident.rootCause = l.summary;
    incident.localizedAt ??= now;
    incident.updatedAt = now;
    await this.storage.updateIncident(incident);
    await this.journal.record("incident.localized", {
      ...this.where(incident),
      data: { root: l.rootKey, cause: l.cause, confidence: l.confidence, summary: l.summary, evidence: l.evidence, candidates: l.candidates },
    });
    return true;
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
    for (const key of incident.members) if (this.open.get(key) === incident) this.open.delete(key);
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
