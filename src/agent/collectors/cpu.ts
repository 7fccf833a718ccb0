// CPU utilisation of the whole node and of each core, from the tick counters in /proc/stat.
// The counters only grow, so a ratio needs two readings: the first collect() emits nothing.
import { join } from "node:path";
import type { Sample } from "../../protocol/messages.js";
import {
  clampRatio,
  DEFAULT_PROC_ROOT,
  parseCounter,
  readAndParse,
  sample,
  type CollectContext,
  type Collector,
} from "./collector.js";

/** Ticks (USER_HZ) spent in each state since boot. Columns absent on old kernels read as 0. */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

export interface ProcStatCpu {
  all: CpuTimes;
  /** Keyed by the core number as the kernel prints it ("0" for the line "cpu0"). */
  cores: Map<string, CpuTimes>;
}

const cpuColumns = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"] as const;

/** Parses the `cpu` and `cpuN` lines of /proc/stat. */
export function parseProcStat(text: string): ProcStatCpu {
  let all: CpuTimes | undefined;
  const cores = new Map<string, CpuTimes>();
  for (const line of text.split("\n")) {
    const match = /^cpu(\d*)\s+(.*)$/.exec(line);
    if (!match) continue;
    const label = match[1] === "" ? "cpu" : `cpu${match[1]}`;
    const fields = match[2]!.trim().split(/\s+/);
    if (fields.length < 4) throw new Error(`line "${label}": expected at least 4 tick columns, got ${fields.length}`);
    const times = {} as CpuTimes;
    cpuColumns.forEach((column, i) => {
      times[column] = i < fields.length ? parseCounter(fields[i], `line "${label}" column ${column}`) : 0;
    });
    if (match[1] === "") all = times;
    else cores.set(match[1]!, times);
  }
  if (!all) throw new Error(`no "cpu" line found`);
  return { all, cores };
}

/**
 * Busy share of the ticks between two readings: 1 - (Δidle + Δiowait) / Δtotal, where total
 * sums every state except guest and guest_nice (the kernel already counts those inside user
 * and nice). Undefined when no tick passed. Clamped because iowait may step backwards on
 * tickless kernels.
 */
export function cpuUsageRatio(previous: CpuTimes, current: CpuTimes): number | undefined {
  const total = (t: CpuTimes) => cpuColumns.reduce((sum, column) => sum + t[column], 0);
  const totalDelta = total(current) - total(previous);
  if (!(totalDelta > 0)) return undefined;
  const idleDelta = current.idle + current.iowait - (previous.idle + previous.iowait);
  return clampRatio(1 - idleDelta / totalDelta);
}

export class CpuCollector implements Collector {
  readonly name = "cpu";
  private previous: ProcStatCpu | undefined;

  constructor(private readonly procRoot: string = DEFAULT_PROC_ROOT) {}

  async collect(ctx: CollectContext): Promise<Sample[]> {
    const current = await readAndParse(join(this.procRoot, "stat"), parseProcStat);
    const previous = this.previous;
    this.previous = current;
    if (!previous) return [];
    const samples: Sample[] = [];
    const overall = cpuUsageRatio(previous.all, current.all);
    if (overall !== undefined) samples.push(sample(ctx, "node_cpu_usage_ratio", overall));
    for (const [cpu, times] of current.cores) {
      // A core that came online since the last reading has no interval yet.
      const before = previous.cores.get(cpu);
      const ratio = before && cpuUsageRatio(before, times);
      if (ratio !== undefined) samples.push(sample(ctx, "node_cpu_core_usage_ratio", ratio, { cpu }));
    }
    return samples;
  }
}
