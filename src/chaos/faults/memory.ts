// memory: grow memory at `rate` up to `limit`. On a service the growth counts as the
// service's (a stressor in its container) and, at the limit, the service's process is
// SIGKILLed as the OOM killer would; on a node the memory is held until reverted.
import { onlyKnownOptions, rateOption, sizeOption } from "../fault-options.js";
import { killStressors, spawnStressor } from "../helpers/spawn-stressor.js";
import type { Fault } from "./fault.js";
import { stressorsOn } from "./stressors-on.js";

const MB = 1e6;

export const memoryFault: Fault<{ rate: number; limit: number }> = {
  kind: "memory",
  summary: "grow memory at a rate up to a limit (a service is OOM-killed at it)",
  targets: ["service", "node"],
  options: ["rate", "limit"],
  parse(raw) {
    onlyKnownOptions("memory", raw, ["rate", "limit"]);
    return { rate: rateOption(raw, "rate", 20 * MB), limit: sizeOption(raw, "limit", 256 * MB) };
  },
  async inject(ctx, target, { rate, limit }) {
    return stressorsOn(ctx, target, "memory", (watch) => [spawnStressor("memory", [rate, limit, ...(watch === null ? [] : [watch])])], `${rate} B/s up to ${limit} B`);
  },
  async cleanup(record) {
    return `killed ${killStressors((record.pids as number[]) ?? [])} memory stressor(s)`;
  },
};
