// How many processes the node has (numeric directories of /proc) and how many are running
// or blocked on I/O right now (procs_running / procs_blocked of /proc/stat).
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Sample } from "../../protocol/messages.js";
import { DEFAULT_PROC_ROOT, parseCounter, readAndParse, sample, type CollectContext, type Collector } from "./collector.js";

export interface ProcessStates {
  running: number;
  blocked: number;
}

/** Reads the procs_running and procs_blocked lines of /proc/stat. */
export function parseProcessStates(text: string): ProcessStates {
  const value = (key: string): number => {
    const match = new RegExp(`^${key}\\s+(\\S+)`, "m").exec(text);
    if (!match) throw new Error(`no "${key}" line found`);
    return parseCounter(match[1], key);
  };
  return { running: value("procs_running"), blocked: value("procs_blocked") };
}

/** Process directories are the numeric names in /proc (thread ids are hidden from readdir). */
export function countProcessEntries(names: Iterable<string>): number {
  let count = 0;
  for (const name of names) if (/^\d+$/.test(name)) count++;
  return count;
}

export class ProcessesCollector implements Collector {
  readonly name = "processes";

  constructor(private readonly procRoot: string = DEFAULT_PROC_ROOT) {}

  async collect(ctx: CollectContext): Promise<Sample[]> {
    const [entries, states] = await Promise.all([
      readdir(this.procRoot, { withFileTypes: true }),
      readAndParse(join(this.procRoot, "stat"), parseProcessStates),
    ]);
    const processes = countProcessEntries(entries.filter((e) => e.isDirectory()).map((e) => e.name));
    return [
      sample(ctx, "node_processes", processes),
      sample(ctx, "node_procs_running", states.running),
      sample(ctx, "node_procs_blocked", states.blocked),
    ];
  }
}
