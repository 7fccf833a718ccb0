// fd: open `count` file descriptors (or up to the open-files limit) and hold them; on a
// service they count as the service's open files.
import { countOption, onlyKnownOptions } from "../fault-options.js";
import { killStressors, spawnStressor } from "../helpers/spawn-stressor.js";
import type { Fault } from "./fault.js";
import { stressorsOn } from "./stressors-on.js";

export const fdFault: Fault<{ count: number }> = {
  kind: "fd",
  summary: "exhaust file descriptors (held by a stressor charged to the service)",
  targets: ["service", "node"],
  options: ["count"],
  parse(raw) {
    onlyKnownOptions("fd", raw, ["count"]);
    return { count: countOption(raw, "count", 1000, 1, 1_000_000) };
  },
  async inject(ctx, target, { count }) {
    return stressorsOn(ctx, target, "fd", (watch) => [spawnStressor("fd", [count, ...(watch === null ? [] : [watch])])], `${count} descriptors`);
  },
  async cleanup(record) {
    return `killed ${killStressors((record.pids as number[]) ?? [])} fd stressor(s)`;
  },
};
