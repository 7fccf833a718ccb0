// Level-triggered incident reconciliation: after every change to an incident's members
// (a member fails, joins, recovers; a repair is verified) it compares what should run
// with what runs. Repairs go to the roots only — failing members that no other failing
// component explains (a failing dependency, a down node) — or, for a down node, to its
// services that have a standby; a run whose service turns out to be explained by another
// failure is cancelled. The incident is localized each time, and resolved once no member
// fails and no repair is running.
import type { Cause } from "../config/schema.js";
import type { RecoveryOrchestrator } from "../recover/orchestrator.js";
import type { Journal } from "../storage/journal.js";
import type { IncidentRecord } from "../storage/storage.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import type { IncidentLocalization, IncidentManager } from "./incident-manager.js";
import { nodeId, serviceId, tryParseComponentId } from "./localization/component.js";
import type { ComponentStatus } from "./localization/observation.js";
import type { Topology } from "./topology.js";

export interface ReconcilerDeps {
  clock: Clock;
  journal: Journal;
  logger: Logger;
  incidents: IncidentManager;
  recovery: RecoveryOrchestrator;
  topology(): Topology;
  /** Failing (a service unhealthy, a node down), healthy or unknown, and since when. */
  status(key: string): { status: ComponentStatus; since: number };
  hasStandby(service: string): boolean;
  /** Where the fault is; null when nothing can be said yet. */
  localize?(incident: IncidentRecord): IncidentLocalization | null;
  /**
   * After a dependency recovers, its dependents get this long to recover by themselves
   * before they count as failing on their own account (and get repaired).
   */
  dependentGraceMs: number;
}

export class IncidentReconciler {
  private readonly failing = (key: string) => this.deps.status(key).status === "failing";

  /** When a component last became healthy again (for the dependents' grace). */
  private recoveredAt = new Map<string, number>();
  private timers = new Map<number, TimerHandle>();
  /**
   * Per service, the incidents whose run of it ended (verified, escalated, dry-run, failed):
   * not begun again for the same failure — forgotten once the service is healthy again.
   */
  private ended = new Map<string, Set<number>>();

  constructor(private readonly deps: ReconcilerDeps) {}

  /** The cause a run of `service` for the incident acts on. */
  causeOf(incident: IncidentRecord, service: string): Cause {
    const node = this.deps.topology().nodeOf(service);
    if (node !== null && incident.members.includes(nodeId(node)) && this.failing(nodeId(node))) return "node-down";
    if (incident.rootKey === serviceId(service) || incident.rootKey === null) return (incident.cause as Cause | null) ?? "unknown";
    return "unknown";
  }

  /** A run of the incident ended: the next reconciliation decides what follows. */
  async runEnded(incident: IncidentRecord, service: string): Promise<void> {
    const incidents = this.ended.get(service) ?? new Set<number>();
    this.ended.set(service, incidents.add(incident.id));
    await this.reconcile(incident);
  }

  /** A component became healthy again: remember when, then reconcile its incident. */
  async componentRecovered(key: string, at: number): Promise<void> {
    this.recoveredAt.set(key, at);
    const p = tryParseComponentId(key);
    if (p?.kind === "service") this.ended.delete(p.name);
    const incident = this.deps.incidents.openIncident(key);
    if (incident) await this.reconcile(incident);
  }

  async reconcile(incident: IncidentRecord): Promise<void> {
    if (incident.state === "resolved") return;
    const { incidents, recovery, journal } = this.deps;
    const now = this.deps.clock.now();
    const topology = this.deps.topology();
    const failing = incident.members.filter(this.failing);
    const running = recovery.servicesOf(incident.id);

    if (failing.length === 0 && running.length === 0) {
      const since = Math.max(...incident.members.map((k) => {
        const s = this.deps.status(k);
        return s.status === "healthy" ? s.since : now;
      }));
      await incidents.resolve(incident, since, "every member is healthy again");
      return;
    }

    const localization = this.deps.localize?.(incident) ?? null;
    if (localization && (await incidents.localized(incident, localization))) recovery.pauseChanged();

    // A dependency that recovered moments ago still explains its dependents' failures.
    let graceEnds = Infinity;
    const explains = (k: string) => {
      if (this.failing(k)) return true;
      const back = this.recoveredAt.get(k);
      if (back !== undefined && now - back < this.deps.dependentGraceMs) {
        graceEnds = Math.min(graceEnds, back + this.deps.dependentGraceMs);
        return true;
      }
      return false;
    };
    const targets = new Set<string>();
    for (const key of failing) {
      const p = tryParseComponentId(key);
      if (!p) continue;
      if (p.kind === "node") {
        for (const service of topology.hostedOn(p.name)) if (this.deps.hasStandby(service)) targets.add(service);
      } else if (topology.explainedBy(key, explains) === null) {
        targets.add(p.name);
      }
    }
    for (const service of running) {
      const by = topology.explainedBy(serviceId(service), this.failing);
      if (by !== null && !targets.has(service)) {
        recovery.cancel(incident.id, service);
        await journal.record("recovery.cancelled", { incidentId: incident.id, service, data: { reason: `its failure is explained by ${by}` } });
      }
    }
    // An escalated incident is in human hands: nothing more is started for it.
    if (incident.state !== "escalated") {
      for (const service of targets) if (!this.ended.get(service)?.has(incident.id)) recovery.begin(incident, service);
    }
    if (graceEnds !== Infinity) this.recheckAt(incident, graceEnds);
  }

  stop(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  private recheckAt(incident: IncidentRecord, at: number): void {
    this.timers.get(incident.id)?.cancel();
    this.timers.set(
      incident.id,
      this.deps.clock.setTimeout(() => {
        this.timers.delete(incident.id);
        this.reconcile(incident).catch((err) => this.deps.logger.error({ err, incident: incident.id }, "incident reconciliation failed"));
      }, Math.max(0, at - this.deps.clock.now())),
    );
  }
}
