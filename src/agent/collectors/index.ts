// The agent's host collectors in one list, and collectAll, which runs them concurrently so
// that one failing collector costs only its own samples.
import type { Sample } from "../../protocol/messages.js";
import type { CollectContext, Collector } from "./collector.js";
import { CpuCollector } from "./cpu.js";
import { DiskIoCollector } from "./diskio.js";
import { FilesystemCollector } from "./filesystem.js";
import { LoadCollector } from "./load.js";
import { MemoryCollector } from "./memory.js";
import { NetworkCollector } from "./network.js";
import { ProcessesCollector } from "./processes.js";
import { ServiceProcessCollector, type ServiceProcess } from "./service-process.js";

export type { CollectContext, Collector } from "./collector.js";
export type { ServiceProcess } from "./service-process.js";

export interface HostCollectorOptions {
  /** Where procfs is mounted; "/proc" unless a test points it at a fixture tree. */
  procRoot?: string;
  /** The supervised services' current pids; without it there are no service_* metrics. */
  services?: () => ServiceProcess[];
}

export function createHostCollectors(options: HostCollectorOptions = {}): Collector[] {
  const { procRoot } = options;
  const collectors: Collector[] = [
    new CpuCollector(procRoot),
    new LoadCollector(procRoot),
    new MemoryCollector(procRoot),
    new FilesystemCollector({ procRoot }),
    new DiskIoCollector(procRoot),
    new NetworkCollector(procRoot),
    new ProcessesCollector(procRoot),
  ];
  if (options.services) collectors.push(new ServiceProcessCollector(options.services, { procRoot }));
  return collectors;
}

/**
 * Runs every collector at once and concatenates their samples in collector order. A
 * collector that throws or rejects is reported through onError and contributes nothing.
 */
export async function collectAll(
  collectors: Collector[],
  ctx: CollectContext,
  onError: (collector: string, err: Error) => void,
): Promise<Sample[]> {
  const results = await Promise.allSettled(collectors.map(async (collector) => collector.collect(ctx)));
  const samples: Sample[] = [];
  results.forEach((result, i) => {
    if (result.status === "fulfilled") samples.push(...result.value);
    else {
      const reason = result.reason;
      onError(collectors[i]!.name, reason instanceof Error ? reason : new Error(String(reason)));
    }
  });
  return samples;
}
