// Load averages (runnable plus uninterruptible tasks, averaged over 1, 5 and 15 minutes)
// from /proc/loadavg.
import { join } from "node:path";
import type { Sample } from "../../protocol/messages.js";
import { DEFAULT_PROC_ROOT, parseCounter, readAndParse, sample, type CollectContext, type Collector } from "./collector.js";

export interface LoadAverages {
  load1: number;
  load5: number;
  load15: number;
}

/** Parses "0.28 0.53 0.33 1/80 3355": the first three fields. */
export function parseLoadAvg(text: string): LoadAverages {
  const fields = text.trim().split(/\s+/);
  return {
    load1: parseCounter(fields[0], "1-minute load average"),
    load5: parseCounter(fields[1], "5-minute load average"),
    load15: parseCounter(fields[2], "15-minute load average"),
  };
}

export class LoadCollector implements Collector {
  readonly name = "load";

  constructor(private readonly procRoot: string = DEFAULT_PROC_ROOT) {}

  async collect(ctx: CollectContext): Promise<Sample[]> {
    const load = await readAndParse(join(this.procRoot, "loadavg"), parseLoadAvg);
    return [
      sample(ctx, "node_load1", load.load1),
      sample(ctx, "node_load5", load.load5),
      sample(ctx, "node_load15", load.load15),
    ];
  }
}
