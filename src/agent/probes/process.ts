// Process probe: healthy when the service's pid exists and can run. A zombie ('Z') is dead,
// and a stopped process ('T', e.g. SIGSTOPped) cannot serve, per /proc/<pid>/stat.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { elapsedSince, errorDetail, type Probe, type ProbeResult } from "./probe.js";

/**
 * The state letter of a /proc/<pid>/stat line. The command name (field 2) is in parentheses
 * and may itself contain ") ", so the state is the first field after the LAST ')'.
 */
export function parseProcStatState(stat: string): string | null {
  const close = stat.lastIndexOf(")");
  if (close < 0) return null;
  const state = stat.slice(close + 1).trim()[0];
  return state ?? null;
}

/** Whether a pid exists (EPERM means it exists but belongs to another user). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The process state letter, or null when /proc has no such process (or no /proc at all). */
export function readProcessStateSync(pid: number): string | null {
  try {
    return parseProcStatState(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return null;
  }
}

export async function readProcessState(pid: number): Promise<string | null> {
  try {
    return parseProcStatState(await readFile(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return null;
  }
}

/** 'T' is stopped by a signal, 't' stopped by a tracer: neither runs. */
export function isStoppedState(state: string | null): boolean {
  return state === "T" || state === "t";
}

/** Alive for supervision purposes: exists and is not a zombie (or a dead 'X' entry). */
export function isProcessAliveSync(pid: number): boolean {
  if (!pidExists(pid)) return false;
  const state = readProcessStateSync(pid);
  return state !== "Z" && state !== "X";
}

export class ProcessProbe implements Probe {
  readonly kind = "process";

  constructor(private readonly getPid: () => number | null) {}

  async check(_timeoutMs?: number): Promise<ProbeResult> {
    const startedAt = performance.now();
    const result = (ok: boolean, detail: string): ProbeResult => ({ ok, latencyMs: elapsedSince(startedAt), detail });
    let pid: number | null;
    try {
      pid = this.getPid();
    } catch (err) {
      return result(false, `cannot tell the pid: ${errorDetail(err)}`);
    }
    if (pid === null) return result(false, "no process");
    if (!pidExists(pid)) return result(false, `process ${pid} not running`);
    // Without /proc (not Linux) existence is all that can be told.
    const state = await readProcessState(pid);
    if (state === "Z" || state === "X") return result(false, `process ${pid} is a zombie`);
    if (isStoppedState(state)) return result(false, `process stopped (pid ${pid}, state ${state})`);
    return result(true, state ? `process ${pid} running (state ${state})` : `process ${pid} exists`);
  }
}
