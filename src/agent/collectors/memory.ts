// Memory and swap of the node from /proc/meminfo. "Used" means not available to new work:
// 1 - MemAvailable / MemTotal, which counts reclaimable page cache as available.
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

export interface MemInfo {
  totalBytes: number;
  availableBytes: number;
  swapTotalBytes: number;
  swapFreeBytes: number;
}

/** Parses /proc/meminfo; "kB" there means KiB (1024 bytes). */
export function parseMemInfo(text: string): MemInfo {
  const bytes = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^([^:\s]+):\s*(\S+)(?:\s+(kB))?\s*$/.exec(line);
    if (!match) continue;
    const value = parseCounter(match[2], match[1]!);
    bytes.set(match[1]!, match[3] ? value * 1024 : value);
  }
  const total = bytes.get("MemTotal");
  if (total === undefined || total <= 0) throw new Error("MemTotal is missing or zero");
  // Kernels before 3.14 have no MemAvailable; free + buffers + page cache is the classic estimate.
  const available =
    bytes.get("MemAvailable") ?? (bytes.get("MemFree") ?? 0) + (bytes.get("Buffers") ?? 0) + (bytes.get("Cached") ?? 0);
  return {
    totalBytes: total,
    availableBytes: available,
    swapTotalBytes: bytes.get("SwapTotal") ?? 0,
    swapFreeBytes: bytes.get("SwapFree") ?? 0,
  };
}

export class MemoryCollector implements Collector {
  readonly name = "memory";

  constructor(private readonly procRoot: string = DEFAULT_PROC_ROOT) {}

  async collect(ctx: CollectContext): Promise<Sample[]> {
    const mem = await readAndParse(join(this.procRoot, "meminfo"), parseMemInfo);
    const swapUsed = mem.swapTotalBytes > 0 ? clampRatio(1 - mem.swapFreeBytes / mem.swapTotalBytes) : 0;
    return [
      sample(ctx, "node_memory_total_bytes", mem.totalBytes),
      sample(ctx, "node_memory_available_bytes", mem.availableBytes),
      sample(ctx, "node_memory_used_ratio", clampRatio(1 - mem.availableBytes / mem.totalBytes)),
      sample(ctx, "node_swap_total_bytes", mem.swapTotalBytes),
      sample(ctx, "node_swap_free_bytes", mem.swapFreeBytes),
      sample(ctx, "node_swap_used_ratio", swapUsed),
    ];
  }
}
