// Where a service's playbook stood when the server stopped, read back from the incident's
// journal: the unfinished attempt, the first step not yet done, an action that was sent but
// whose result never arrived (re-sent with the same actionId, which the agent answers from
// memory instead of acting twice), and the approvals already granted. Pure.
import type { JournalEvent } from "../storage/storage.js";

export interface ResumePoint {
  attemptNumber: number;
  /** Index (in the plan's attempt) of the first step that has not finished. */
  nextStep: number;
  /** The action of step `nextStep` was sent with this id and its result is unknown. */
  unfinishedActionId?: string;
  /** Steps already approved by an operator. */
  approved: Set<number>;
}

function stepOf(e: JournalEvent): number | null {
  const step = e.data["step"];
  return typeof step === "number" && Number.isInteger(step) && step >= 0 ? step : null;
}

/** `events`: the incident's journal, oldest first. Null when no attempt is unfinished. */
export function resumePoint(events: readonly JournalEvent[], service: string): ResumePoint | null {
  const mine = events.filter((e) => e.service === service);
  let lastAttempt = -1;
  for (let i = mine.length - 1; i >= 0; i--) {
    if (mine[i]!.kind === "recovery.attempt") {
      lastAttempt = i;
      break;
    }
  }
  if (lastAttempt < 0) return null;
  const attemptEvent = mine[lastAttempt]!;
  const after = mine.slice(lastAttempt + 1);
  if (after.some((e) => e.kind === "recovery.failed" || e.kind === "recovery.verified" || e.kind === "recovery.waiting")) return null;
  const attemptNumber = typeof attemptEvent.data["attempt"] === "number" ? (attemptEvent.data["attempt"] as number) : 1;
  let nextStep = 0;
  let unfinishedActionId: string | undefined;
  const approved = new Set<number>();
  for (const e of after) {
    const step = stepOf(e);
    if (step === null) continue;
    switch (e.kind) {
      case "action.started":
        nextStep = Math.max(nextStep, step);
        unfinishedActionId = typeof e.data["actionId"] === "string" ? (e.data["actionId"] as string) : undefined;
        break;
      case "action.succeeded":
      case "action.failed":
      case "action.planned":
      case "step.skipped":
      case "recovery.unverified":
        if (step >= nextStep) {
          nextStep = step + 1;
          unfinishedActionId = undefined;
        }
        break;
      case "approval.granted":
        approved.add(step);
        break;
    }
  }
  return { attemptNumber, nextStep, ...(unfinishedActionId !== undefined && { unfinishedActionId }), approved };
}
