// Space and inodes of each real mounted filesystem: mounts from <procRoot>/mounts, sizes
// from statfs(2). One mount failing or hanging (permission, stale NFS) skips only that mount.
import { statfs as statfsAsync } from "node:fs/promises";
import { join } from "node:path";
import type { Sample } from "../../protocol/messages.js";
import { clampRatio, DEFAULT_PROC_ROOT, readAndParse, sample, type CollectContext, type Collector } from "./collector.js";

export interface MountEntry {
  device: string;
  mountpoint: string;
  fstype: string;
}

/** The statfs(2) fields this collector reads, in blocks of `bsize` bytes and in inodes. */
export interface FsStats {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}

/** Kernel and virtual filesystems that hold no user data worth watching. */
export const PSEUDO_FILESYSTEMS: ReadonlySet<string> = new Set([
  "proc", "sysfs", "cgroup", "cgroup2", "devpts", "devtmpfs", "tmpfs", "mqueue", "debugfs",
  "tracefs", "securityfs", "pstore", "bpf", "autofs", "fusectl", "configfs", "hugetlbfs",
  "nsfs", "ramfs", "rpc_pipefs", "binfmt_misc", "squashfs",
]);

/** The kernel writes space, tab, newline and backslash in mount fields as \ooo octal escapes. */
export function decodeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Parses every line of /proc/mounts ("device mountpoint fstype options dump pass"). */
export function parseMounts(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const [index, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    const fields = line.trim().split(/\s+/);
    if (fields.length < 3) throw new Error(`line ${index + 1}: expected "device mountpoint fstype ...", got ${JSON.stringify(line)}`);
    entries.push({ device: decodeMountField(fields[0]!), mountpoint: decodeMountField(fields[1]!), fstype: fields[2]! });
  }
  return entries;
}

/**
 * The mounts worth a statfs: no pseudo filesystems, overlay only as the root filesystem (a
 * container's "/"; elsewhere it is a container runtime's layer), one entry per mountpoint.
 * When a mountpoint is mounted over, the last entry wins: it is the one statfs will see.
 */
export function selectMonitoredMounts(entries: MountEntry[]): MountEntry[] {
  const byMountpoint = new Map<string, MountEntry>();
  for (const entry of entries) {
    if (PSEUDO_FILESYSTEMS.has(entry.fstype)) continue;
    if (entry.fstype === "overlay" && entry.mountpoint !== "/") continue;
    byMountpoint.set(entry.mountpoint, entry);
  }
  return [...byMountpoint.values()];
}

/**
 * Metric values for one filesystem. Size counts every block; free counts the blocks an
 * unprivileged user may still write (bavail: without the root reserve); used ratio is used
 * over what users can reach, as df's Use% does: 1 - bavail / (blocks - bfree + bavail).
 * Filesystems without inode accounting (files = 0, e.g. btrfs) have an inode ratio of 1.
 */
export function filesystemValues(stats: FsStats): {
  sizeBytes: number;
  freeBytes: number;
  usedRatio: number | undefined;
  inodesFreeRatio: number;
} {
  const reachable = stats.blocks - stats.bfree + stats.bavail;
  return {
    sizeBytes: stats.blocks * stats.bsize,
    freeBytes: stats.bavail * stats.bsize,
    usedRatio: reachable > 0 ? clampRatio(1 - stats.bavail / reachable) : undefined,
    inodesFreeRatio: stats.files > 0 ? clampRatio(stats.ffree / stats.files) : 1,
  };
}

export interface FilesystemCollectorOptions {
  procRoot?: string;
  /** statfs(2); replaceable so a test can make a mount fail or hang. */
  statfs?: (path: string) => Promise<FsStats>;
  /** How long one mount's statfs may take before that mount is skipped (default 5000 ms). */
  statfsTimeoutMs?: number;
}

export class FilesystemCollector implements Collector {
  readonly name = "filesystem";
  private readonly procRoot: string;
  private readonly statfs: (path: string) => Promise<FsStats>;
  private readonly statfsTimeoutMs: number;
  /**
   * Mounts whose statfs has not answered yet. A hung statfs (dead NFS server) holds one of
   * libuv's few pool threads; asking again every interval would soon hold them all and
   * stall every file operation of the agent, so such a mount is skipped until it answers.
   */
  private readonly stuck = new Set<string>();

  constructor(options: FilesystemCollectorOptions = {}) {
    this.procRoot = options.procRoot ?? DEFAULT_PROC_ROOT;
    this.statfs = options.statfs ?? statfsAsync;
    this.statfsTimeoutMs = options.statfsTimeoutMs ?? 5000;
  }

  async collect(ctx: CollectContext): Promise<Sample[]> {
    const mounts = selectMonitoredMounts(await readAndParse(join(this.procRoot, "mounts"), parseMounts));
    const stats = await Promise.all(mounts.map((mount) => this.statOrSkip(mount.mountpoint)));
    const samples: Sample[] = [];
    mounts.forEach((mount, i) => {
      const stat = stats[i];
      // blocks = 0: a virtual filesystem not in the list above (lxcfs, other FUSE); no size to watch.
      if (!stat || !(stat.blocks > 0)) return;
      const labels = { mountpoint: mount.mountpoint, device: mount.device, fstype: mount.fstype };
      const values = filesystemValues(stat);
      samples.push(sample(ctx, "node_filesystem_size_bytes", values.sizeBytes, labels));
      samples.push(sample(ctx, "node_filesystem_free_bytes", values.freeBytes, labels));
      if (values.usedRatio !== undefined) samples.push(sample(ctx, "node_filesystem_used_ratio", values.usedRatio, labels));
      samples.push(sample(ctx, "node_filesystem_inodes_free_ratio", values.inodesFreeRatio, labels));
    });
    return samples;
  }

  /** The mount's statfs, or undefined when it fails, is still stuck from before, or times out. */
  private async statOrSkip(mountpoint: string): Promise<FsStats | undefined> {
    if (this.stuck.has(mountpoint)) return undefined;
    const pending = this.statfs(mountpoint);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.statfsTimeoutMs);
    });
    try {
      const result = await Promise.race([pending, timedOut]);
      if (result !== "timeout") return result;
      this.stuck.add(mountpoint);
      const unstick = () => this.stuck.delete(mountpoint);
      pending.then(unstick, unstick);
      return undefined;
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
