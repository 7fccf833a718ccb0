// kill: SIGKILL the service's process group, as a crash would. Nothing is left to revert:
// bringing it back is Vigil's recovery's job (that is what the fault tests).
import { onlyKnownOptions } from "../fault-options.js";
import { signalGroup } from "../helpers/process-signals.js";
import type { Fault } from "./fault.js";
import { targetProcess } from "./target-process.js";

export const killFault: Fault<Record<string, never>> = {
  kind: "kill",
  summary: "SIGKILL the service's process",
  targets: ["service"],
  options: [],
  parse(raw) {
    onlyKnownOptions("kill", raw, []);
    return {};
  },
  async inject(ctx, target) {
    const { pid } = targetProcess(ctx, target, "kill");
    signalGroup(pid, "SIGKILL");
    return { record: { pid }, revert: async () => `nothing to revert (pid ${pid} was killed)` };
  },
};
