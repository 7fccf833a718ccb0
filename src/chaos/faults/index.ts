// The registry of faults: one file per kind in this folder; adding a fault means adding a
// file and a line here.
import { ChaosSpecError } from "../chaos-spec-error.js";
import { cpuFault } from "./cpu.js";
import { crashLoopFault } from "./crash-loop.js";
import { diskFault } from "./disk.js";
import { dropFault } from "./drop.js";
import { faultKinds, type AnyFault, type FaultKind } from "./fault.js";
import { fdFault } from "./fd.js";
import { hangFault } from "./hang.js";
import { killFault } from "./kill.js";
import { latencyFault } from "./latency.js";
import { memoryFault } from "./memory.js";
import { partitionFault } from "./partition.js";

export const faults: Readonly<Record<FaultKind, AnyFault>> = {
  kill: killFault,
  hang: hangFault,
  "crash-loop": crashLoopFault,
  cpu: cpuFault,
  memory: memoryFault,
  disk: diskFault,
  fd: fdFault,
  latency: latencyFault,
  drop: dropFault,
  partition: partitionFault,
};

export function faultOf(kind: unknown): AnyFault {
  if (typeof kind === "string" && (faultKinds as readonly string[]).includes(kind)) return faults[kind as FaultKind];
  throw new ChaosSpecError("fault", `unknown fault ${JSON.stringify(kind)} (expected one of ${faultKinds.join(", ")})`);
}
