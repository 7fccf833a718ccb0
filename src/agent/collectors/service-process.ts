// CPU, resident memory and open file descriptors of each supervised service's process,
// from /proc/<pid>/{stat,status,fd}. A restarted service (new pid, or a reused pid with a
// new start time) starts a fresh CPU interval; a pid that vanished is skipped silently.
import { readdir } from "node:fs/promises";
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

export interface ServiceProcess {
  service: string;
  pid: number;
  /** Processes charged to the service besides its own (chaos stressors, as in its container). */
  helpers?: readonly number[];
}

export interface PidStat {
  comm: string;
  state: string;
  /** CPU time of the process itself (children excluded), in clock ticks. */
  utimeTicks: number;
  stimeTicks: number;
  /** Ticks after boot at which the process started: tells a reused pid from the old process. */
  startTimeTicks: number;
}

/**
 * Parses /proc/<pid>/stat: "pid (comm) state ppid ...". comm is the program name as the
 * process set it and may hold spaces and ")" itself, so the fields are read after the LAST
 * ")". Counting from state as field 3 (proc(5)): utime 14, stime 15, starttime 22.
 */
export function parsePidStat(text: string): PidStat {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error(`expected "pid (comm) state ...", got ${JSON.stringify(text.slice(0, 80))}`);
  const fields = text.slice(close + 1).trim().split(/\s+/);
  const field = (n: number, what: string) => parseCounter(fields[n - 3], `field ${n} (${what})`);
  return {
    comm: text.slice(open + 1, close),
    state: fields[0] ?? "",
    utimeTicks: field(14, "utime"),
    stimeTicks: field(15, "stime"),
    startTimeTicks: field(22, "starttime"),
  };
}

/** VmRSS of /proc/<pid>/status in bytes; undefined for kernel threads and zombies, which have none. */
export function parseVmRssBytes(text: string): number | undefined {
  const match = /^VmRSS:\s*(\S+)\s*kB/m.exec(text);
  return match ? parseCounter(match[1], "VmRSS") * 1024 : undefined;
}

export interface ServiceProcessCollectorOptions {
  procRoot?: string;
  /**
   * USER_HZ, the unit of utime/stime. Assumed 100: the kernel reports these in USER_HZ (not
   * its internal HZ), which is 100 on every mainstream architecture, and Node cannot ask
   * sysconf(_SC_CLK_TCK) without a native addon or a child process.
   */
  ticksPerSecond?: number;
}

/** Per service: what the last reading saw, to measure CPU over the interval since. */
interface CpuReading {
  pid: number;
  /** The helper pids of the reading: a changed set starts a fresh interval. */
  helpers: string;
  startTimeTicks: number;
  cpuTicks: number;
  at: number;
}

function isVanished(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ESRCH";
}

export class ServiceProcessCollector implements Collector {
  readonly name = "service-process";
  private readonly procRoot: string;
  private readonly ticksPerSecond: number;
  private readonly previous = new Map<string, CpuReading>();

  constructor(
    private readonly services: () => ServiceProcess[],
    options: ServiceProcessCollectorOptions = {},
  ) {
    this.procRoot = options.procRoot ?? DEFAULT_PROC_ROOT;
    this.ticksPerSecond = options.ticksPerSecond ?? 100;
  }

  async collect(ctx: CollectContext): Promise<Sample[]> {
    const services = this.services().filter((s) => Number.isInteger(s.pid) && s.pid > 0);
    const listed = new Set(services.map((s) => s.service));
    for (const service of this.previous.keys()) if (!listed.has(service)) this.previous.delete(service);
    const perService = await Promise.all(services.map((s) => this.collectService(ctx, s)));
    return perService.flat();
  }

  private async collectService(ctx: CollectContext, { service, pid, helpers = [] }: ServiceProcess): Promise<Sample[]> {
    const dir = join(this.procRoot, String(pid));
    const labels = { service };
    let stat: PidStat;
    try {
      stat = await readAndParse(join(dir, "stat"), parsePidStat);
    } catch (err) {
      if (!isVanished(err)) throw err;
      this.previous.delete(service);
      return [];
    }
    const samples: Sample[] = [];

    // CPU seconds per second, in units of one core: 2.0 means two cores kept busy. Children's
    // CPU (cutime/cstime) is left out: it lands all at once when a child is reaped, a spike
    // that never happened.
    const helperReadings = await Promise.all(helpers.map((h) => this.readHelper(h)));
    const reading: CpuReading = {
      pid,
      helpers: helpers.join(","),
      startTimeTicks: stat.startTimeTicks,
      cpuTicks: stat.utimeTicks + stat.stimeTicks + helperReadings.reduce((sum, h) => sum + h.cpuTicks, 0),
      at: ctx.now,
    };
    const before = this.previous.get(service);
    this.previous.set(service, reading);
    if (before && before.pid === pid && before.startTimeTicks === reading.startTimeTicks && before.helpers === reading.helpers) {
      const ticksPerSecond = counterRate(before.cpuTicks, reading.cpuTicks, reading.at - before.at);
      if (ticksPerSecond !== undefined) {
        samples.push(sample(ctx, "service_cpu_usage_ratio", ticksPerSecond / this.ticksPerSecond, labels));
      }
    }

    const [rss, fds] = await Promise.all([
      readAndParse(join(dir, "status"), parseVmRssBytes).catch(skipWhen(isVanished)),
      readdir(join(dir, "fd")).catch(skipWhen((err) => isVanished(err) || isPermissionDenied(err))),
    ]);
    const helperRss = helperReadings.reduce((sum, h) => sum + h.rss, 0);
    const helperFds = helperReadings.reduce((sum, h) => sum + h.fds, 0);
    if (rss !== undefined) samples.push(sample(ctx, "service_memory_rss_bytes", rss + helperRss, labels));
    if (fds !== undefined) samples.push(sample(ctx, "service_open_fds", fds.length + helperFds, labels));
    return samples;
  }

  /** A helper's CPU ticks, resident memory and open fds; zeros once it is gone. */
  private async readHelper(pid: number): Promise<{ cpuTicks: number; rss: number; fds: number }> {
    const dir = join(this.procRoot, String(pid));
    const ignore = () => undefined;
    const [stat, rss, fds] = await Promise.all([
      readAndParse(join(dir, "stat"), parsePidStat).catch(ignore),
      readAndParse(join(dir, "status"), parseVmRssBytes).catch(ignore),
      readdir(join(dir, "fd")).catch(ignore),
    ]);
    return { cpuTicks: stat ? stat.utimeTicks + stat.stimeTicks : 0, rss: rss ?? 0, fds: fds?.length ?? 0 };
  }
}

function isPermissionDenied(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "EACCES" || code === "EPERM";
}

/** A rejection handler that turns the expected errors into "no value" and rethrows the rest. */
function skipWhen(expected: (err: unknown) => boolean): (err: unknown) => undefined {
  return (err) => {
    if (expected(err)) return undefined;
    throw err;
  };
}
