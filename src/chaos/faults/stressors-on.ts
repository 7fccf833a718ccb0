// Runs stressor processes for a fault: attached to the target service's process (they
// watch its pid, count as its resources and end with it) or loose on the node.
import { killStressors } from "../helpers/spawn-stressor.js";
import type { FaultContext, FaultTarget, Injected } from "./fault.js";
import { targetProcess } from "./target-process.js";

export async function stressorsOn(
  ctx: FaultContext,
  target: FaultTarget,
  fault: string,
  start: (watchPid: number | null) => Array<Promise<number>>,
  what: string,
): Promise<Injected> {
  const watch = target.kind === "service" ? targetProcess(ctx, target, fault).pid : null;
  const pids = await Promise.all(start(watch));
  if (target.kind === "service") for (const pid of pids) ctx.attachHelper(target.name, pid);
  const ended =
    watch === null
      ? undefined
      : new Promise<string>((resolve) => {
          const timer = ctx.clock.setInterval(() => {
            if (ctx.pidOf(target.name) !== watch) {
              timer.cancel();
              resolve(`the process of ${target.name} (pid ${watch}) ended, and its ${fault} stressor with it`);
            }
          }, 200);
        });
  return {
    record: { pids, ...(watch !== null && { servicePid: watch }), what },
    revert: async () => {
      if (target.kind === "service") for (const pid of pids) ctx.detachHelper(target.name, pid);
      return `stopped ${killStressors(pids)} ${fault} stressor(s) of ${pids.length}`;
    },
    ...(ended && { ended }),
  };
}
