// crash-loop: kill the service, and make its next `starts` starts exit at once (exit code
// 1), as a service with a bad deploy would. Reverted: its starts run the real command again.
import { countOption, onlyKnownOptions } from "../fault-options.js";
import { signalGroup } from "../helpers/process-signals.js";
import type { Fault } from "./fault.js";
import { targetProcess } from "./target-process.js";

export const crashLoopFault: Fault<{ starts: number }> = {
  kind: "crash-loop",
  summary: "kill the service and make its next N starts exit at once",
  targets: ["service"],
  options: ["starts"],
  parse(raw) {
    onlyKnownOptions("crash-loop", raw, ["starts"]);
    return { starts: countOption(raw, "starts", 3, 1, 1000) };
  },
  async inject(ctx, target, { starts }) {
    const { pid } = targetProcess(ctx, target, "crash-loop");
    ctx.failNextStarts(target.name, starts);
    signalGroup(pid, "SIGKILL");
    return {
      record: { pid, starts },
      revert: async () => {
        ctx.failNextStarts(target.name, 0);
        return `starts of ${target.name} run its command again`;
      },
    };
  },
};
