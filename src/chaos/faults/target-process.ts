// The running process of a fault's target service, or a clear refusal.
import type { FaultContext, FaultTarget } from "./fault.js";
import { processStartTime } from "../helpers/process-signals.js";

export function targetProcess(ctx: FaultContext, target: FaultTarget, fault: string): { pid: number; startTime: number | null } {
  if (target.kind !== "service") throw new Error(`fault "${fault}" needs a service as target, got node "${target.name}"`);
  if (!ctx.services().has(target.name)) throw new Error(`service "${target.name}" is not run by this agent`);
  const pid = ctx.pidOf(target.name);
  if (pid === null) throw new Error(`service "${target.name}" has no running process to act on`);
  return { pid, startTime: processStartTime(pid) };
}
