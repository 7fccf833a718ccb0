// Signals for faults, with the pid's start time checked so that a pid reused by another
// process after the target died is never signalled.
import { readFileSync } from "node:fs";

/** Field 22 of /proc/<pid>/stat (ticks after boot), or null when the process is gone. */
export function processStartTime(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 1).trim().split(/\s+/);
    return Number(fields[22 - 3]);
  } catch {
    return null;
  }
}

/** The same process as when `startTime` was read (not a reused pid). */
export function isSameProcess(pid: number, startTime: number | null): boolean {
  return startTime !== null && processStartTime(pid) === startTime;
}

/** Signals the process group of `pid` (the supervisor starts each service as a group leader), else the pid. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

export function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
}
