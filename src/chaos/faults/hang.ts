// hang: SIGSTOP the service's process group; SIGCONT after the duration. If recovery
// killed and replaced it meanwhile, there is nothing left to continue.
import { onlyKnownOptions } from "../fault-options.js";
import { isSameProcess, signalGroup } from "../helpers/process-signals.js";
import type { Fault } from "./fault.js";
import { targetProcess } from "./target-process.js";

function continueProcess(pid: number, startTime: number | null): string {
  if (!isSameProcess(pid, startTime)) return `pid ${pid} is gone (killed or replaced by recovery): nothing to continue`;
  signalGroup(pid, "SIGCONT");
  return `continued pid ${pid}`;
}

export const hangFault: Fault<Record<string, never>> = {
  kind: "hang",
  summary: "SIGSTOP the service's process, SIGCONT after the duration",
  targets: ["service"],
  options: [],
  parse(raw) {
    onlyKnownOptions("hang", raw, []);
    return {};
  },
  async inject(ctx, target) {
    const { pid, startTime } = targetProcess(ctx, target, "hang");
    signalGroup(pid, "SIGSTOP");
    return { record: { pid, startTime }, revert: async () => continueProcess(pid, startTime) };
  },
  async cleanup(record) {
    return continueProcess(Number(record.pid), typeof record.startTime === "number" ? record.startTime : null);
  },
};
