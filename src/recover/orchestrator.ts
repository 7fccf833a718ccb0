// Recovery orchestration: runs a service incident's playbook — attempts (actions, then
// verification) within the limits and backoff, then the escalation tail — and journals
// every step. Level-triggered: each attempt first looks at the service's health now.
import type { PlaybookConfig } from "../config/schema.js";
import type { ActionKind } from "../protocol/messages.js";
import type { Journal } from "../storage/journal.js";
import type { IncidentRecord, ServiceHealth } from "../storage/storage.js";
import type { IncidentManager } from "../incident/incident-manager.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { nextAttempt } from "./attempt-limits.js";
import { planPlaybook, type PlanStep } from "./playbook-plan.js";
import { evaluateVerification, type VerifySpec } from "./verification.js";

export interface ActionOutcome {
  ok: boolean;
  error?: string;
  data?: Record<string, unknown>;
}

export interface ServiceHealthView {
  health: ServiceHealth;
  since: number;
}

export interface RecoveryDeps {
  clock: Clock;
  journal: Journal;
  incidents: IncidentManager;
  logger: Logger;
  playbookFor(service: string): PlaybookConfig | null;
  healthOf(service: string): ServiceHealthView;
  sendAction(service: string, action: ActionKind, reason: string): Promise<ActionOutcome>;
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
}

/** While paused, a run looks again this often even without pauseChanged(). */
const PAUSE_RECHECK_MS = 1000;

class Cancelled extends Error {}

/** One running playbook for one incident. */
class RecoveryRun {
  private cancelled = false;
  private waiters = new Set<() => void>();
  private timer: TimerHandle | null = null;

  constructor(
    readonly incident: IncidentRecord,
    private readonly deps: RecoveryDeps,
    private readonly history: number[],
  ) {}

  cancel(): void {
    this.cancelled = true;
    // A pending backoff or verify timer would otherwise outlive the run (and, on the
    // system clock, keep the process alive for up to the backoff's max).
    this.clearTimer();
    this.wake();
  }

  /** Called when the service's health changed: re-evaluates a waiting step. */
  wake(): void {
    for (const w of [...this.waiters]) w();
  }

  async run(playbook: PlaybookConfig): Promise<void> {
    const { clock, journal, incidents } = this.deps;
    const plan = planPlaybook(playbook);
    const service = this.incident.target;
    const where = { incidentId: this.incident.id, service, ...(this.incident.node && { node: this.incident.node }) };
    try {
      for (;;) {
        await this.until(() => this.deps.healthOf(service).health !== "unknown");
        const permission = nextAttempt(this.history, playbook.limits, clock.now());
        if (!permission.allowed) {
          await this.escalate(plan.escalation, permission.reason, where);
          return;
        }
        if (permission.at > clock.now()) {
          await journal.record("recovery.backoff", { ...where, data: { until: permission.at, backoffMs: permission.backoffMs } });
          await this.sleepUntil(permission.at);
        }
        this.history.push(clock.now());
        await journal.record("recovery.attempt", {
          ...where,
          data: { attempt: permission.attemptNumber, limit: playbook.limits.attempts },
        });
        const failure = await this.runAttempt(plan.attempt, where);
        if (failure === null) return;
        await journal.record("recovery.failed", { ...where, data: { attempt: permission.attemptNumber, reason: failure } });
      }
    } catch (err) {
      if (err instanceof Cancelled) return;
      this.deps.logger.error({ err, incident: this.incident.id }, "recovery run failed");
      await incidents.escalate(this.incident, `recovery error: ${(err as Error).message}`);
    }
  }

  /** Runs the attempt's steps; returns null when verified (incident resolved) or the failure reason. */
  private async runAttempt(steps: PlanStep[], where: { incidentId: number; service: string }): Promise<string | null> {
    const { incidents } = this.deps;
    const service = this.incident.target;
    // Level-triggered: a service that is healthy again needs no action, only verification.
    const healthyAlready = this.deps.healthOf(service).health === "healthy";
    for (const step of steps) {
      this.throwIfCancelled();
      if (step.kind === "action") {
        if (healthyAlready) continue;
        await incidents.setState(this.incident, "mitigating");
        const error = await this.act(step.action, where);
        if (error !== null) return error;
      } else if (step.kind === "escalate") {
        await this.deps.escalationAlert(this.incident, true, "playbook escalate step");
      } else {
        await incidents.setState(this.incident, "verifying");
        const outcome = await this.verify(step.spec);
        if (outcome.ok) {
          await this.deps.journal.record("recovery.verified", { ...where, data: { healthySince: outcome.healthySince } });
          await incidents.resolve(this.incident, outcome.healthySince, "recovery verified");
          return null;
        }
        return outcome.reason;
      }
    }
    return "the playbook's attempt ended without verification";
  }

  /** Waits while recovery is paused for this incident, journalling the pause and the resume. */
  private async unlessPaused(where: { incidentId: number; service: string }): Promise<void> {
    const reasonNow = () => this.deps.pauseReason?.(this.incident) ?? null;
    const reason = reasonNow();
    if (reason === null) return;
    await this.deps.journal.record("recovery.paused", { ...where, data: { reason } });
    await this.until(() => {
      const paused = reasonNow() !== null;
      if (paused) this.schedule(PAUSE_RECHECK_MS);
      return !paused;
    });
    await this.deps.journal.record("recovery.resumed", { ...where, data: {} });
  }

  private async act(action: ActionKind, where: { incidentId: number; service: string }): Promise<string | null> {
    const { journal, clock } = this.deps;
    await this.unlessPaused(where);
    this.throwIfCancelled();
    const started = clock.now();
    await journal.record("action.started", { ...where, data: { action } });
    const outcome = await this.deps.sendAction(this.incident.target, action, `incident ${this.incident.id}: ${this.incident.title}`);
    this.throwIfCancelled();
    const data = { action, durationMs: clock.now() - started, ...(outcome.data ?? {}) };
    if (outcome.ok) {
      await journal.record("action.succeeded", { ...where, data });
      return null;
    }
    await journal.record("action.failed", { ...where, data: { ...data, error: outcome.error ?? "unknown error" } });
    return `${action} failed: ${outcome.error ?? "unknown error"}`;
  }

  private async verify(spec: VerifySpec): Promise<{ ok: true; healthySince: number } | { ok: false; reason: string }> {
    const startedAt = this.deps.clock.now();
    let result: { ok: true; healthySince: number } | { ok: false; reason: string } | null = null;
    await this.until(() => {
      const h = this.deps.healthOf(this.incident.target);
      const now = this.deps.clock.now();
      const outcome = evaluateVerification(spec, startedAt, h.health === "healthy" ? h.since : null, now);
      if (outcome.outcome === "verified") result = { ok: true, healthySince: outcome.healthySince };
      else if (outcome.outcome === "failed") result = { ok: false, reason: outcome.reason };
      else this.schedule(outcome.checkAt - now);
      return result !== null;
    });
    return result!;
  }

  private async escalate(tail: PlanStep[], reason: string, where: { incidentId: number; service: string }): Promise<void> {
    for (const step of tail) {
      this.throwIfCancelled();
      if (step.kind === "action") await this.act(step.action, where);
    }
    await this.deps.incidents.escalate(this.incident, reason);
    await this.deps.escalationAlert(this.incident, true, reason);
  }

  private sleepUntil(ts: number): Promise<void> {
    return this.until(() => {
      const remaining = ts - this.deps.clock.now();
      if (remaining > 0) this.schedule(remaining);
      return remaining <= 0;
    });
  }

  /** Resolves when `ready()` holds; re-checked on wake() and on scheduled timers. */
  private until(ready: () => boolean): Promise<void> {
    this.throwIfCancelled();
    if (ready()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (this.cancelled) {
          this.waiters.delete(check);
          reject(new Cancelled());
        } else if (ready()) {
          this.waiters.delete(check);
          this.clearTimer();
          resolve();
        }
      };
      this.waiters.add(check);
    });
  }

  private schedule(ms: number): void {
    this.clearTimer();
    this.timer = this.deps.clock.setTimeout(() => this.wake(), Math.max(0, ms));
  }

  private clearTimer(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private throwIfCancelled(): void {
    if (this.cancelled) throw new Cancelled();
  }
}

export class RecoveryOrchestrator {
  private runs = new Map<number, RecoveryRun>();
  private history: Map<string, number[]>;

  constructor(private readonly deps: RecoveryDeps) {
    this.history = deps.attemptHistory ?? new Map();
  }

  /** Starts the playbook for a service incident; false when the service has healing turned off. */
  begin(incident: IncidentRecord): boolean {
    if (incident.kind !== "service" || this.runs.has(incident.id)) return false;
    const playbook = this.deps.playbookFor(incident.target);
    if (!playbook) return false;
    const history = this.history.get(incident.target) ?? [];
    this.history.set(incident.target, history);
    const run = new RecoveryRun(incident, this.deps, history);
    this.runs.set(incident.id, run);
    run
      .run(playbook)
      .catch((err) => this.deps.logger.error({ err, incident: incident.id }, "recovery run failed unexpectedly"))
      .finally(() => this.runs.delete(incident.id));
    return true;
  }

  /** A maintenance window or the freeze began or ended: paused runs look again. */
  pauseChanged(): void {
    for (const run of this.runs.values()) run.wake();
  }

  /** The service's health changed: running verifications and waits look again. */
  healthChanged(service: string): void {
    for (const run of this.runs.values()) if (run.incident.target === service) run.wake();
  }

  isRunning(incidentId: number): boolean {
    return this.runs.has(incidentId);
  }

  stop(): void {
    for (const run of this.runs.values()) run.cancel();
  }
}
