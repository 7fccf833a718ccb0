// Read and write throughput per disk from /proc/diskstats. Its sector counts are always in
// 512-byte units, whatever the device's real sector size. Rates need two readings.
import { join } from "node:path";
import type { Sample } from "../../protocol/messages.js";
import {
  counterRate,
  DEFAULT_PROC_ROOT,
  parseCounter,
  readAndParse,
  sample,
  type CollectContext,
  type Collector,
} from "./collector.js";

export const DISKSTATS_SECTOR_BYTES = 512;

export interface DiskCounters {
  device: string;
  readSectors: number;
  writeSectors: number;
}

/**
 * Parses /proc/diskstats: "major minor name reads merged sectors_read ms writes merged
 * sectors_written ms ..." (14 fields up to Linux 4.18, more after).
 */
export function parseDiskStats(text: string): DiskCounters[] {
  const disks: DiskCounters[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length === 1 && fields[0] === "") continue;
    if (fields.length < 14) throw new Error(`expected at least 14 fields per line, got ${JSON.stringify(line.trim())}`);
    const device = fields[2]!;
    disks.push({
      device,
      readSectors: parseCounter(fields[5], `${device} sectors read`),
      writeSectors: parseCounter(fields[9], `${device} sectors written`),
    });
  }
  return disks;
}

/**
 * Whole disks only: no loop or ram devices, and no partition whose disk is listed too (its
 * traffic is already in the disk's). The kernel names partitions disk + number, with a "p"
 * between when the disk name ends in a digit: vda → vda1, nvme0n1 → nvme0n1p1, but
 * nvme0n10 is a disk of its own.
 */
export function selectWholeDisks<T extends { device: string }>(disks: T[]): T[] {
  const names = new Set(disks.map((d) => d.device));
  const isPartition = (device: string): boolean => {
    // Try every split point: "nvme0n1p1" is "nvme0n1" + "p1"; "sda12" is "sda" + "12".
    for (let cut = device.length - 1; cut > 0; cut--) {
      const disk = device.slice(0, cut);
      const suffix = device.slice(cut);
      const partitionSuffix = /\d$/.test(disk) ? /^p\d+$/ : /^\d+$/;
      if (names.has(disk) && partitionSuffix.test(suffix)) return true;
    }
    return false;
  };
  return disks.filter((d) => !d.device.startsWith("loop") && !d.device.startsWith("ram") && !isPartition(d.device));
}

export class DiskIoCollector implements Collector {
  readonly name = "diskio";
  private previous: { at: number; disks: Map<string, DiskCounters> } | undefined;

  constructor(private readonly procRoot: string = DEFAULT_PROC_ROOT) {}

  async collect(ctx: CollectContext): Promise<Sample[]> {
    const disks = selectWholeDisks(await readAndParse(join(this.procRoot, "diskstats"), parseDiskStats));
    const previous = this.previous;
    this.previous = { at: ctx.now, disks: new Map(disks.map((d) => [d.device, d])) };
    if (!previous) return [];
    const elapsedMs = ctx.now - previous.at;
    const samples: Sample[] = [];
    for (const disk of disks) {
      const before = previous.disks.get(disk.device);
      if (!before) continue;
      const labels = { device: disk.device };
      const read = counterRate(before.readSectors, disk.readSectors, elapsedMs);
      const write = counterRate(before.writeSectors, disk.writeSectors, elapsedMs);
      if (read !== undefined) samples.push(sample(ctx, "node_disk_read_bytes_per_second", read * DISKSTATS_SECTOR_BYTES, labels));
      if (write !== undefined) samples.push(sample(ctx, "node_disk_write_bytes_per_second", write * DISKSTATS_SECTOR_BYTES, labels));
    }
    return samples;
  }
}
