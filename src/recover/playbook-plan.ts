// A playbook's steps split into the attempt (every step up to and including the last
// verify, repeated while the limits allow) and the escalation tail (the steps after it,
// run only when no attempt could be verified). A playbook without any verify gets the
// default verify after each repair, so every repair is checked before the next one runs.
// Which steps apply to an incident (their `when: { cause }`) is decided per attempt by
// stepApplies(), since the localized cause can change while the incident is open.
import type { Cause, PlaybookConfig, PlaybookStep, RecoveryAction } from "../config/schema.js";
import type { VerifySpec } from "./verification.js";

export const DEFAULT_VERIFY: VerifySpec = { healthyFor: 2000, within: 30_000 };

export interface ActionStep {
  kind: "action";
  action: RecoveryAction;
  /** Only for these causes (absent: always). */
  when?: Cause[];
  /** Waits for an operator's approval before acting. */
  approve?: true;
  /** exec: the declared command's name. */
  command?: string;
}

export type PlanStep = ActionStep | { kind: "verify"; spec: VerifySpec } | { kind: "escalate" };

export interface PlaybookPlan {
  attempt: PlanStep[];
  escalation: PlanStep[];
}

/** Actions that repair by themselves; `stop` only prepares for the next step. */
const REPAIRS: ReadonlySet<RecoveryAction> = new Set(["restart", "start", "kill", "failover", "restore", "exec", "clean-disk"]);

function toPlanStep(step: PlaybookStep): PlanStep {
  if (typeof step === "string") return step === "escalate" ? { kind: "escalate" } : { kind: "action", action: step };
  if ("verify" in step) return { kind: "verify", spec: { healthyFor: step.verify.healthyFor, within: step.verify.within } };
  return {
    kind: "action",
    action: step.do,
    ...(step.when && { when: step.when.cause }),
    ...(step.approve && { approve: true as const }),
    ...(step.command !== undefined && { command: step.command }),
  };
}

export function planPlaybook(playbook: PlaybookConfig): PlaybookPlan {
  const steps = playbook.steps.map(toPlanStep);
  const lastVerify = steps.map((s) => s.kind).lastIndexOf("verify");
  if (lastVerify >= 0) return { attempt: steps.slice(0, lastVerify + 1), escalation: steps.slice(lastVerify + 1) };
  // No verify: each repair is verified before the next step, and the trailing escalates
  // (if any) are the escalation tail.
  const firstTailEscalate = steps.findIndex((s, i) => s.kind === "escalate" && steps.slice(i).every((t) => t.kind === "escalate"));
  const body = firstTailEscalate >= 0 ? steps.slice(0, firstTailEscalate) : steps;
  const escalation = firstTailEscalate >= 0 ? steps.slice(firstTailEscalate) : [];
  const attempt: PlanStep[] = [];
  for (const step of body) {
    attempt.push(step);
    if (step.kind === "action" && REPAIRS.has(step.action)) attempt.push({ kind: "verify", spec: DEFAULT_VERIFY });
  }
  if (attempt[attempt.length - 1]?.kind !== "verify") attempt.push({ kind: "verify", spec: DEFAULT_VERIFY });
  return { attempt, escalation };
}

/** Whether an action step applies to an incident whose localized cause is `cause`. */
export function stepApplies(step: ActionStep, cause: Cause): boolean {
  return step.when === undefined || step.when.includes(cause);
}
