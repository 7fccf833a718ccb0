// One running playbook: one service of one incident. Attempts (the plan's steps for the
// localized cause, each repair verified before the next step) within the limits and the
// backoff, then the escalation tail; dry-run journals the plan and acts on nothing; steps
// with `approve` wait for an operator; every action takes one of the global action slots.
// Level-triggered: each attempt first looks at the service's health now, and a run resumed
// after a server restart continues its unfinished attempt where the journal says it stood.
import { randomUUID } from "node:crypto";
import type { Cause, PlaybookConfig } from "../config/schema.js";
import type { IncidentRecord } from "../storage/storage.js";
import type { TimerHandle } from "../util/clock.js";
import { nextAttempt } from "./attempt-limits.js";
import type { ActionSlots } from "./action-slots.js";
import { planPlaybook, stepApplies, type ActionStep, type PlanStep } from "./playbook-plan.js";
import type { ResumePoint } from "./resume-point.js";
import { evaluateVerification, type VerifySpec } from "./verification.js";
import type { RecoveryDeps } from "./orchestrator.js";

/** While paused, a run looks again this often even without pauseChanged(). */
const PAUSE_RECHECK_MS = 1000;

export class Cancelled extends Error {}

type AttemptResult = { kind: "verified"; healthySince: number } | { kind: "failed"; reason: string } | { kind: "nothing-applies"; cause: Cause };

interface Where {
  incidentId: number;
  service: string;
  node?: string;
}

export class RecoveryRun {
  private cancelled = false;
  private waiters = new Set<() => void>();
  private timer: TimerHandle | null = null;
  /** The step waiting for approval, if any. */
  private awaitingApproval: number | null = null;
  private readonly approved: Set<number>;

  constructor(
    readonly incident: IncidentRecord,
    readonly service: string,
    private readonly deps: RecoveryDeps,
    private readonly slots: ActionSlots,
    private readonly history: number[],
    private resume: ResumePoint | null,
  ) {
    this.approved = resume?.approved ?? new Set();
  }

  cancel(): void {
    this.cancelled = true;
    // A pending backoff or verify timer would otherwise outlive the run (and, on the
    // system clock, keep the process alive for up to the backoff's max).
    this.clearTimer();
    this.wake();
  }

  /** Called when the service's health, the cause or a pause changed: re-evaluates a waiting step. */
  wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** The operator's approval of the step waiting for it; false when none waits. */
  approve(by: string): Promise<boolean> {
    const step = this.awaitingApproval;
    if (step === null) return Promise.resolve(false);
    this.approved.add(step);
    this.awaitingApproval = null;
    return this.deps.journal.record("approval.granted", { ...this.where(), data: { step, by } }).then(() => {
      this.wake();
      return true;
    });
  }

  get waitingForApproval(): boolean {
    return this.awaitingApproval !== null;
  }

  /** Runs the playbook; resolves with the start of the verified healthy period, or null when not verified. */
  async run(playbook: PlaybookConfig): Promise<number | null> {
    const { clock, journal, incidents } = this.deps;
    const plan = planPlaybook(playbook);
    const where = this.where();
    try {
      if ((playbook.mode ?? this.deps.modeOf?.(this.service) ?? "act") === "dry-run") {
        await this.journalPlan(plan.attempt, plan.escalation, where);
        return null;
      }
      for (;;) {
        // Unknown health (its node not connected) waits, unless the node is down: failover is for that.
        await this.until(() => this.deps.healthOf(this.service).health !== "unknown" || this.cause() === "node-down");
        let from = 0;
        let resumeActionId: string | undefined;
        let attemptNumber: number;
        if (this.resume) {
          from = this.resume.nextStep;
          attemptNumber = this.resume.attemptNumber;
          resumeActionId = this.resume.unfinishedActionId;
          await journal.record("recovery.resumed", { ...where, data: { attempt: this.resume.attemptNumber, step: from } });
          this.resume = null;
        } else {
          const permission = nextAttempt(this.history, playbook.limits, clock.now());
          if (!permission.allowed) {
            await this.escalate(plan.escalation, permission.reason, where);
            return null;
          }
          if (permission.at > clock.now()) {
            await journal.record("recovery.backoff", { ...where, data: { until: permission.at, backoffMs: permission.backoffMs } });
            await this.sleepUntil(permission.at);
          }
          this.history.push(clock.now());
          attemptNumber = permission.attemptNumber;
          await journal.record("recovery.attempt", {
            ...where,
            data: { attempt: permission.attemptNumber, limit: playbook.limits.attempts, cause: this.cause() },
          });
        }
        const result = await this.runAttempt(plan.attempt, from, resumeActionId, where);
        if (result.kind === "verified") return result.healthySince;
        if (result.kind === "nothing-applies") {
          // Nothing in the playbook fits this cause (a down node and no standby, say): wait
          // for the cause to change or the service to come back by itself.
          await journal.record("recovery.waiting", { ...where, data: { cause: result.cause, reason: `no step of the playbook applies to cause ${result.cause}` } });
          await this.until(() => this.cause() !== result.cause || this.deps.healthOf(this.service).health === "healthy");
          continue;
        }
        await journal.record("recovery.failed", { ...where, data: { attempt: attemptNumber, reason: result.reason } });
        await incidents.setState(this.incident, "mitigating");
      }
    } catch (err) {
      if (err instanceof Cancelled) return null;
      this.deps.logger.error({ err, incident: this.incident.id }, "recovery run failed");
      await incidents.escalate(this.incident, `recovery error: ${(err as Error).message}`);
      return null;
    }
  }

  private cause(): Cause {
    return this.deps.causeOf?.(this.incident, this.service) ?? ((this.incident.cause as Cause | null) ?? "unknown");
  }

  /** Why an action step cannot be taken here, or null when it applies. */
  private notApplicable(step: ActionStep, cause: Cause): string | null {
    if (!stepApplies(step, cause)) return `only for cause ${step.when!.join(" or ")}`;
    return this.deps.unavailable?.(this.service, step) ?? null;
  }

  /** Runs the attempt's steps from `from`; each repair is verified before the next step runs. */
  private async runAttempt(steps: PlanStep[], from: number, resumeActionId: string | undefined, where: Where): Promise<AttemptResult> {
    const { incidents } = this.deps;
    const cause = this.cause();
    // Level-triggered: a service that is healthy again needs no action, only verification.
    const healthyAlready = this.deps.healthOf(this.service).health === "healthy";
    let toVerify = healthyAlready || from > 0;
    let applied = toVerify;
    let lastFailure: string | null = null;
    for (let i = from; i < steps.length; i++) {
      const step = steps[i]!;
      this.throwIfCancelled();
      if (step.kind === "action") {
        if (healthyAlready || this.notApplicable(step, cause) !== null) continue;
        applied = true;
        if (step.approve && !this.approved.has(i)) await this.awaitApproval(step, i, where);
        await incidents.setState(this.incident, "mitigating");
        const error = await this.act(step, i, i === from ? resumeActionId : undefined, where);
        toVerify = error === null;
        if (error !== null) lastFailure = error;
      } else if (step.kind === "escalate") {
        await this.deps.escalationAlert(this.incident, true, "playbook escalate step");
      } else {
        if (!toVerify) continue;
        await incidents.setState(this.incident, "verifying");
        const outcome = await this.verify(step.spec);
        if (outcome.ok) {
          await this.deps.journal.record("recovery.verified", { ...where, data: { step: i, healthySince: outcome.healthySince } });
          return { kind: "verified", healthySince: outcome.healthySince };
        }
        await this.deps.journal.record("recovery.unverified", { ...where, data: { step: i, reason: outcome.reason } });
        lastFailure = outcome.reason;
        toVerify = false;
      }
    }
    if (!applied) return { kind: "nothing-applies", cause };
    return { kind: "failed", reason: lastFailure ?? "the playbook's attempt ended without verification" };
  }

  /** Dry-run: the steps that would run for the cause now, journalled; nothing is sent. */
  private async journalPlan(attempt: PlanStep[], escalation: PlanStep[], where: Where): Promise<void> {
    const cause = this.cause();
    const describe = (s: PlanStep, i: number) =>
      s.kind === "action"
        ? { step: i, action: s.action, ...(s.command && { command: s.command }), skipped: this.notApplicable(s, cause) }
        : s.kind === "verify"
          ? { step: i, verify: s.spec }
          : { step: i, escalate: true };
    await this.deps.journal.record("recovery.plan", {
      ...where,
      data: { mode: "dry-run", cause, attempt: attempt.map(describe), escalation: escalation.map(describe) },
    });
    for (const [i, s] of attempt.entries()) {
      if (s.kind !== "action" || this.notApplicable(s, cause) !== null) continue;
      await this.deps.journal.record("action.planned", { ...where, data: { step: i, action: s.action, mode: "dry-run" } });
    }
  }

  private async awaitApproval(step: ActionStep, i: number, where: Where): Promise<void> {
    this.awaitingApproval = i;
    await this.deps.journal.record("approval.requested", { ...where, data: { step: i, action: step.action } });
    await this.until(() => this.approved.has(i));
  }

  /** Waits while recovery is paused for this incident, journalling the pause and the resume. */
  private async unlessPaused(where: Where): Promise<void> {
    const reasonNow = () => this.deps.pauseReason?.(this.incident) ?? null;
    const reason = reasonNow();
    if (reason === null) return;
    await this.deps.journal.record("recovery.paused", { ...where, data: { reason } });
    await this.until(() => {
      const paused = reasonNow() !== null;
      if (paused) this.schedule(PAUSE_RECHECK_MS);
      return !paused;
    });
    await this.deps.journal.record("recovery.unpaused", { ...where, data: {} });
  }

  private async act(step: ActionStep, i: number, resumeActionId: string | undefined, where: Where): Promise<string | null> {
    const { journal, clock } = this.deps;
    await this.unlessPaused(where);
    if (!this.slots.tryAcquire()) {
      await journal.record("recovery.queued", { ...where, data: { step: i, action: step.action, inFlight: this.slots.busy } });
      await this.slots.acquire();
    }
    try {
      this.throwIfCancelled();
      const actionId = resumeActionId ?? randomUUID();
      const started = clock.now();
      const what = { action: step.action, ...(step.command && { command: step.command }) };
      await journal.record("action.started", { ...where, data: { ...what, step: i, actionId, ...(resumeActionId && { resent: true }) } });
      const outcome = await this.deps.sendAction(this.service, step.action, `incident ${this.incident.id}: ${this.incident.title}`, {
        actionId,
        ...(step.command && { command: step.command }),
      });
      this.throwIfCancelled();
      const data = { ...what, step: i, durationMs: clock.now() - started, ...(outcome.data ?? {}) };
      if (outcome.ok) {
        await journal.record("action.succeeded", { ...where, data });
        return null;
      }
      await journal.record("action.failed", { ...where, data: { ...data, error: outcome.error ?? "unknown error" } });
      return `${step.action} failed: ${outcome.error ?? "unknown error"}`;
    } finally {
      this.slots.release();
    }
  }

  private async verify(spec: VerifySpec): Promise<{ ok: true; healthySince: number } | { ok: false; reason: string }> {
    const startedAt = this.deps.clock.now();
    let result: { ok: true; healthySince: number } | { ok: false; reason: string } | null = null;
    await this.until(() => {
      const h = this.deps.healthOf(this.service);
      const now = this.deps.clock.now();
      const outcome = evaluateVerification(spec, startedAt, h.health === "healthy" ? h.since : null, now);
      if (outcome.outcome === "verified") result = { ok: true, healthySince: outcome.healthySince };
      else if (outcome.outcome === "failed") result = { ok: false, reason: outcome.reason };
      else this.schedule(outcome.checkAt - now);
      return result !== null;
    });
    return result!;
  }

  private async escalate(tail: PlanStep[], reason: string, where: Where): Promise<void> {
    const cause = this.cause();
    for (const [i, step] of tail.entries()) {
      this.throwIfCancelled();
      if (step.kind === "action" && this.notApplicable(step, cause) === null) await this.act(step, -1 - i, undefined, where);
    }
    await this.deps.incidents.escalate(this.incident, reason);
    await this.deps.escalationAlert(this.incident, true, reason);
  }

  private where(): Where {
    return { incidentId: this.incident.id, service: this.service, ...(this.incident.node && { node: this.incident.node }) };
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
