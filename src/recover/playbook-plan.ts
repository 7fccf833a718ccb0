// A playbook's steps split into the attempt (every step up to and including the last
// verify, repeated while the limits allow) and the escalation tail (the steps after it,
// run only when no attempt could be verified). A playbook without a verify step gets
// one appended, so every repair is checked.
import type { PlaybookConfig, PlaybookStep } from "../config/schema.js";
import type { VerifySpec } from "./verification.js";

export const DEFAULT_VERIFY: VerifySpec = { healthyFor: 2000, within: 30_000 };

export type PlanStep =
  | { kind: "action"; action: "restart" | "stop" | "start" }
  | { kind: "verify"; spec: VerifySpec }
  | { kind: "escalate" };

export interface PlaybookPlan {
  attempt: PlanStep[];
  escalation: PlanStep[];
}

function toPlanStep(step: PlaybookStep): PlanStep {
  if (typeof step === "string") return step === "escalate" ? { kind: "escalate" } : { kind: "action", action: step };
  return { kind: "verify", spec: { healthyFor: step.verify.healthyFor, within: step.verify.within } };
}

export function planPlaybook(playbook: PlaybookConfig): PlaybookPlan {
  const steps = playbook.steps.map(toPlanStep);
  const lastVerify = steps.map((s) => s.kind).lastIndexOf("verify");
  if (lastVerify >= 0) return { attempt: steps.slice(0, lastVerify + 1), escalation: steps.slice(lastVerify + 1) };
  // No verify: the actions are the attempt, a default verify follows them, and a trailing
  // escalate (if any) is the escalation tail.
  const firstTailEscalate = steps.findIndex((s, i) => s.kind === "escalate" && steps.slice(i).every((t) => t.kind === "escalate"));
  const attempt = firstTailEscalate >= 0 ? steps.slice(0, firstTailEscalate) : steps;
  const escalation = firstTailEscalate >= 0 ? steps.slice(firstTailEscalate) : [];
  return { attempt: [...attempt, { kind: "verify", spec: DEFAULT_VERIFY }], escalation };
}
