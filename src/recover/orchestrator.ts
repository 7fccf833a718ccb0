// Recovery orchestration: one RecoveryRun per (incident, service) — the service the
// localization names as the root, or each service with a standby on a node that died —
// within the global limit of actions in flight. Runs are started, re-targeted when the
// localization changes its mind, approved, paused and cancelled here; what a run does is
// in recovery-run.ts, and every step is journalled there.
import type { Cause, PlaybookConfig, RecoveryAction } from "../config/schema.js";
import type { Journal } from "../storage/journal.js";
import type { IncidentRecord, ServiceHealth } from "../storage/storage.js";
import type { IncidentManager } from "../incident/incident-manager.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { ActionSlots } from "./action-slots.js";
import type { ActionStep } from "./playbook-plan.js";
import { RecoveryRun } from "./recovery-run.js";
import { resumePoint, type ResumePoint } from "./resume-point.js";

export interface ActionOutcome {
  ok: boolean;
  error?: string;
  data?: Record<string, unknown>;
}

export interface ServiceHealthView {
  health: ServiceHealth;
  since: number;
}

export interface ActionOptions {
  /** Unique per action; the same id again (a run resumed after a restart) must not act twice. */
  actionId: string;
  /** exec: the declared command's name. */
  command?: string;
}

export interface RecoveryDeps {
  clock: Clock;
  journal: Journal;
  incidents: IncidentManager;
  logger: Logger;
  playbookFor(service: string): PlaybookConfig | null;
  healthOf(service: string): ServiceHealthView;
  sendAction(service: string, action: RecoveryAction, reason: string, options: ActionOptions): Promise<ActionOutcome>;
  /** Raises (active) or clears the escalation alert of an incident. */
  escalationAlert(incident: IncidentRecord, active: boolean, reason: string): Promise<void>;
  /** Earlier attempt start times per service (from the journal, after a restart). */
  attemptHistory?: Map<string, number[]>;
  /**
   * Why recovery must not act on this incident now (a maintenance window, the control
   * plane's freeze), or null. Asked before every action; call `pauseChanged()` when the
   * answer may have changed.
   */
  pauseReason?(incident: IncidentRecord): string | null;
  /** The cause the run of `service` acts on (default: the incident record's, else unknown). */
  causeOf?(incident: IncidentRecord, service: string): Cause;
  /**
   * A run ended by itself (not cancelled): `verifiedSince` is the start of the verified
   * healthy period, null when it ended otherwise (escalated, dry-run, failed). Whoever owns
   * incidents decides from this whether the incident is resolved.
   */
  onRunEnded?(incident: IncidentRecord, service: string, verifiedSince: number | null): void;
  /** Why a step cannot be taken for this service (failover without a standby, say), or null. */
  unavailable?(service: string, step: ActionStep): string | null;
  /** The mode when the playbook names none (config `recovery.mode`). */
  modeOf?(service: string): "act" | "dry-run";
  /** How many actions may be in flight at once, over all runs (default unlimited). */
  maxConcurrentActions?: number;
}

export class RecoveryOrchestrator {
  private runs = new Map<string, RecoveryRun>();
  private history: Map<string, number[]>;
  private slots: ActionSlots;

  constructor(private readonly deps: RecoveryDeps) {
    this.history = deps.attemptHistory ?? new Map();
    this.slots = new ActionSlots(deps.maxConcurrentActions ?? Number.MAX_SAFE_INTEGER);
  }

  /**
   * Starts the playbook of `service` (default: the incident's target) for the incident;
   * false when it has healing turned off or a run for it is already going.
   */
  begin(incident: IncidentRecord, service: string = incident.target): boolean {
    return this.start(incident, service, null);
  }

  /**
   * After a server restart: continues every unfinished attempt of the incident where the
   * journal says it stood (one read of its journal); returns the services resumed.
   */
  async resume(incident: IncidentRecord): Promise<string[]> {
    const events = await this.deps.journal.list({ incidentId: incident.id, limit: 100_000 });
    const attempted = new Set(events.filter((e) => e.kind === "recovery.attempt" && e.service).map((e) => e.service!));
    const resumed: string[] = [];
    for (const service of attempted) {
      const point = resumePoint(events, service);
      if (point && this.start(incident, service, point)) resumed.push(service);
    }
    return resumed;
  }

  private start(incident: IncidentRecord, service: string, resume: ResumePoint | null): boolean {
    const key = runKey(incident.id, service);
    if (this.runs.has(key)) return false;
    if (incident.kind !== "service" && service === incident.target) return false;
    const playbook = this.deps.playbookFor(service);
    if (!playbook) return false;
    const history = this.history.get(service) ?? [];
    this.history.set(service, history);
    const run = new RecoveryRun(incident, service, this.deps, this.slots, history, resume);
    this.runs.set(key, run);
    run
      .run(playbook)
      .catch((err) => {
        this.deps.logger.error({ err, incident: incident.id }, "recovery run failed unexpectedly");
        return null;
      })
      .then((verifiedSince) => {
        if (this.runs.get(key) !== run) return; // cancelled: whoever cancelled it decides what follows
        this.runs.delete(key);
        this.deps.onRunEnded?.(incident, service, verifiedSince);
      });
    return true;
  }

  /** Cancels the run of `service` for the incident (the localization moved the root elsewhere). */
  cancel(incidentId: number, service: string): boolean {
    const run = this.runs.get(runKey(incidentId, service));
    if (!run) return false;
    run.cancel();
    this.runs.delete(runKey(incidentId, service));
    return true;
  }

  /** Services with a run for the incident. */
  servicesOf(incidentId: number): string[] {
    return [...this.runs.values()].filter((r) => r.incident.id === incidentId).map((r) => r.service);
  }

  /** Grants the step waiting for approval in the incident's runs; false when none waits. */
  async approve(incidentId: number, by: string): Promise<boolean> {
    let any = false;
    for (const run of this.runs.values()) if (run.incident.id === incidentId && (await run.approve(by))) any = true;
    return any;
  }

  waitingForApproval(incidentId: number): boolean {
    return [...this.runs.values()].some((r) => r.incident.id === incidentId && r.waitingForApproval);
  }

  /** A maintenance window, the freeze or an incident's cause changed: waiting runs look again. */
  pauseChanged(): void {
    for (const run of this.runs.values()) run.wake();
  }

  /** The service's health changed: running verifications and waits look again. */
  healthChanged(service: string): void {
    for (const run of this.runs.values()) if (run.service === service) run.wake();
  }

  isRunning(incidentId: number): boolean {
    return this.servicesOf(incidentId).length > 0;
  }

  stop(): void {
    for (const run of this.runs.values()) run.cancel();
    this.runs.clear();
  }
}

function runKey(incidentId: number, service: string): string {
  return `${incidentId}:${service}`;
}
