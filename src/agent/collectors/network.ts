// Traffic and errors per network interface (loopback included) from /proc/net/dev, as
// per-second rates between two readings. A counter that went down skips that one rate.
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

export interface InterfaceCounters {
  device: string;
  receiveBytes: number;
  receiveErrors: number;
  transmitBytes: number;
  transmitErrors: number;
}

/**
 * Parses /proc/net/dev: two header lines, then "name: 8 receive columns, 8 transmit
 * columns" (bytes packets errs drop fifo frame|colls compressed multicast|carrier ...).
 * The name ends at the last colon; old kernels print no space after it.
 */
export function parseNetDev(text: string): InterfaceCounters[] {
  const interfaces: InterfaceCounters[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.includes("|")) continue;
    const colon = line.lastIndexOf(":");
    if (colon < 0) throw new Error(`expected "interface: counters", got ${JSON.stringify(line.trim())}`);
    const device = line.slice(0, colon).trim();
    const fields = line.slice(colon + 1).trim().split(/\s+/);
    if (fields.length < 16) throw new Error(`${device}: expected 16 counters, got ${fields.length}`);
    interfaces.push({
      device,
      receiveBytes: parseCounter(fields[0], `${device} receive bytes`),
      receiveErrors: parseCounter(fields[2], `${device} receive errors`),
      transmitBytes: parseCounter(fields[8], `${device} transmit bytes`),
      transmitErrors: parseCounter(fields[10], `${device} transmit errors`),
    });
  }
  return interfaces;
}

const rateMetrics = [
  ["node_network_receive_bytes_per_second", "receiveBytes"],
  ["node_network_transmit_bytes_per_second", "transmitBytes"],
  ["node_network_receive_errors_per_second", "receiveErrors"],
  ["node_network_transmit_errors_per_second", "transmitErrors"],
] as const;

export class NetworkCollector implements Collector {
  readonly name = "network";
  private previous: { at: number; interfaces: Map<string, InterfaceCounters> } | undefined;

  constructor(private readonly procRoot: string = DEFAULT_PROC_ROOT) {}

  async collect(ctx: CollectContext): Promise<Sample[]> {
    const interfaces = await readAndParse(join(this.procRoot, "net", "dev"), parseNetDev);
    const previous = this.previous;
    this.previous = { at: ctx.now, interfaces: new Map(interfaces.map((i) => [i.device, i])) };
    if (!previous) return [];
    const elapsedMs = ctx.now - previous.at;
    const samples: Sample[] = [];
    for (const current of interfaces) {
      const before = previous.interfaces.get(current.device);
      if (!before) continue;
      for (const [metric, counter] of rateMetrics) {
        const rate = counterRate(before[counter], current[counter], elapsedMs);
        if (rate !== undefined) samples.push(sample(ctx, metric, rate, { device: current.device }));
      }
    }
    return samples;
  }
}
