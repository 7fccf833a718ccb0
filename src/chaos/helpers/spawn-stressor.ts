// Starts a stressor process (helpers/stressor.ts) detached from the agent, so an agent
// restart does not take it down silently: the persisted record names its pid, and
// cleanup() kills it only when its command line is still a stressor's.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { commandLineOf } from "./process-signals.js";

const STRESSOR = fileURLToPath(new URL("./stressor.js", import.meta.url));

export function spawnStressor(mode: "cpu" | "memory" | "fd", args: Array<string | number>): Promise<number> {
  const child = spawn(process.execPath, [STRESSOR, mode, ...args.map(String)], { detached: true, stdio: "ignore" });
  child.unref();
  return new Promise((resolve, reject) => {
    child.once("spawn", () => resolve(child.pid!));
    child.once("error", (err) => reject(new Error(`cannot start the ${mode} stressor: ${err.message}`)));
  });
}

/** Kills stressors still running; returns how many were. */
export function killStressors(pids: readonly number[]): number {
  let killed = 0;
  for (const pid of pids) {
    if (!commandLineOf(pid).includes("stressor.js")) continue;
    try {
      process.kill(pid, "SIGKILL");
      killed++;
    } catch {
      /* gone */
    }
  }
  return killed;
}
