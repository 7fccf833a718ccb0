// What a benchmark reads about another process from /proc: its CPU time (utime + stime) to
// take its share of one core over a window, its resident memory, its open-file limit.
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** utime + stime of a process, in ms (resolution: one clock tick, usually 10 ms). */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** Resident set size in bytes (VmRSS), NaN when /proc does not say. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

export function openFdLimit(pid: number): string {
  const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(readFileSync(`/proc/${pid}/limits`, "utf8"));
  return m ? `${m[1]} soft / ${m[2]} hard` : "unknown";
}
