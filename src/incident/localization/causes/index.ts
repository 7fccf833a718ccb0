// The resource checks the attribution runs on a suspect, in no particular order (the
// attribution ranks their findings). Adding a kind of cause means adding a file and a line here.
import type { CauseCheck } from "./cause.js";
import { CpuCheck } from "./cpu.js";
import { DiskCheck } from "./disk.js";
import { FdsCheck } from "./fds.js";
import { MemoryCheck } from "./memory.js";
import { NetworkCheck } from "./network.js";

export const RESOURCE_CHECKS: readonly CauseCheck[] = [new MemoryCheck(), new CpuCheck(), new DiskCheck(), new FdsCheck(), new NetworkCheck()];
