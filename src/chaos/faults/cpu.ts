// cpu: burn `cores` cores with stressor processes; on a service they count as its CPU (a
// stressor in its container) and end with its process; on a node they load the node.
import { countOption, onlyKnownOptions } from "../fault-options.js";
import { killStressors, spawnStressor } from "../helpers/spawn-stressor.js";
import type { Fault } from "./fault.js";
import { stressorsOn } from "./stressors-on.js";

export const cpuFault: Fault<{ cores: number }> = {
  kind: "cpu",
  summary: "burn N cores (on a node, or charged to a service)",
  targets: ["service", "node"],
  options: ["cores"],
  parse(raw) {
    onlyKnownOptions("cpu", raw, ["cores"]);
    return { cores: countOption(raw, "cores", 1, 1, 256) };
  },
  async inject(ctx, target, { cores }) {
    return stressorsOn(ctx, target, "cpu", (watch) => Array.from({ length: cores }, () => spawnStressor("cpu", watch === null ? [] : [watch])), `${cores} core(s)`);
  },
  async cleanup(record) {
    return `killed ${killStressors((record.pids as number[]) ?? [])} cpu stressor(s)`;
  },
};
