// What the process itself did at the onset, from the agent's process events and probes:
// exited (crash), exited again and again (restarting: a crash loop), or alive but not
// running or not answering (hang). Process evidence is decisive when present.
import type { Evidence } from "../observation.js";
import type { AttributionContext, CauseCheck, CauseFinding } from "./cause.js";

/** Exits counted for a crash loop: those from this long before the onset on. */
export const CRASH_LOOP_WINDOW_MS = 10 * 60_000;
/** This many exits in the window make a crash loop. */
export const CRASH_LOOP_EXITS = 3;
/**
 * Two exits make one too when the second came this soon after the first: the restart did
 * not help. (Kubernetes reports CrashLoopBackOff from the second failure on.) At
 * localization time a loop has often shown only two exits.
 */
export const QUICK_REEXIT_MS = 60_000;

export class ProcessEvidenceCheck implements CauseCheck {
  readonly name = "process";

  check(ctx: AttributionContext): CauseFinding | null {
    if (ctx.target.kind !== "service") return null;
    const recent = ctx.evidence.filter((e) => e.source !== "node" && e.at >= ctx.onset - CRASH_LOOP_WINDOW_MS && e.at <= ctx.now);
    const exits = recent.filter((e) => e.kind === "process-exited");
    const lines = (items: Evidence[]) => items.map((e) => `${ctx.formatClock(e.at)} ${e.detail}`);
    const quickReexit = exits.length === 2 && exits[1]!.at - exits[0]!.at <= QUICK_REEXIT_MS;
    if (exits.length >= CRASH_LOOP_EXITS || quickReexit) {
      const span = exits[exits.length - 1]!.at - exits[0]!.at;
      const starts = recent.filter((e) => e.kind === "process-started");
      return {
        cause: "restarting",
        score: quickReexit ? 0.75 : 0.9,
        phrase: `crash loop (${exits.length} exits in ${minutes(span)} since ${ctx.formatClock(exits[0]!.at)}; last: ${exits[exits.length - 1]!.detail})`,
        evidence: lines([...exits, ...starts].sort((a, b) => a.at - b.at)),
        abnormalSince: null,
      };
    }
    if (exits.length > 0) {
      const first = exits[0]!;
      return {
        cause: "crash",
        score: 0.9,
        phrase: `process crashed (${first.detail} at ${ctx.formatClock(first.at)}${exits.length > 1 ? `, and ${exits.length - 1} more time${exits.length > 2 ? "s" : ""}` : ""})`,
        evidence: lines(exits),
        abnormalSince: null,
      };
    }
    const stopped = recent.filter((e) => e.kind === "process-stopped");
    const timeouts = recent.filter((e) => e.kind === "probe-timeout");
    if (stopped.length > 0) {
      return {
        cause: "hang",
        score: 0.9,
        phrase: `process hung (${stopped[0]!.detail}${timeouts.length > 0 ? "; probes time out" : ""})`,
        evidence: lines([...stopped, ...timeouts]),
        abnormalSince: null,
      };
    }
    if (timeouts.length > 0) {
      // Timeouts from a live process: hung, or starved of something a resource check may name.
      return {
        cause: "hang",
        score: 0.45,
        phrase: `process not answering (${timeouts[0]!.detail}; no exit seen)`,
        evidence: lines(timeouts),
        abnormalSince: null,
      };
    }
    return null;
  }
}

function minutes(ms: number): string {
  return ms < 90_000 ? `${Math.max(1, Math.round(ms / 1000))} s` : `${Math.round(ms / 60_000)} min`;
}
