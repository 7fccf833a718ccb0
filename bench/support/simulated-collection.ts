// What one simulated agent collects each time, for the ingest benchmark: `count` series
// shaped like the host collectors' (a handful of metric names, a node label and one or two
// more), valued like them — counters that grow, gauges with two decimals that wander — at one
// timestamp per collection, and that collection written as an agent samples message.
import { PROTOCOL_VERSION } from "../../src/protocol/messages.js";
import { SamplesFrameWriter, encodeSeriesTable } from "../../src/protocol/samples-frame.js";

interface SeriesShape {
  name: string;
  /** The label besides node: the device, cpu, interface or process it is about. */
  label: string;
  counter: boolean;
}

const SHAPES: SeriesShape[] = [
  { name: "node_cpu_seconds_total", label: "cpu", counter: true },
  { name: "node_network_receive_bytes_total", label: "device", counter: true },
  { name: "node_disk_written_bytes_total", label: "device", counter: true },
  { name: "node_filesystem_avail_bytes", label: "mountpoint", counter: false },
  { name: "process_resident_memory_bytes", label: "service", counter: false },
  { name: "node_load1", label: "window", counter: false },
  { name: "service_probe_duration_seconds", label: "service", counter: false },
  { name: "node_memory_usage_ratio", label: "zone", counter: false },
];

export class SimulatedCollection {
  readonly series: Array<{ name: string; labels: Record<string, string> }>;
  private readonly values: Float64Array;
  private readonly counter: boolean[];
  private lastTs = 0;
  /** Per series the JSON text of a sample up to its ts: `{"name":…,"labels":{…},"ts":`. */
  private readonly jsonPrefixes: string[];
  /** The binary frames' series table, the same bytes every collection (as the agent's are). */
  private readonly seriesTable: Buffer;
  private readonly seriesOf: Uint32Array;
  private readonly tsColumn: Float64Array;
  private readonly frames = new SamplesFrameWriter();

  constructor(
    readonly node: string,
    count: number,
    private readonly random: () => number = Math.random,
  ) {
    this.series = [];
    this.counter = [];
    this.values = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const shape = SHAPES[i % SHAPES.length]!;
      this.series.push({ name: shape.name, labels: { node, [shape.label]: `${shape.label}-${Math.floor(i / SHAPES.length)}` } });
      this.counter.push(shape.counter);
      this.values[i] = shape.counter ? Math.floor(random() * 1e6) : Math.round(random() * 10_000) / 100;
    }
    this.jsonPrefixes = this.series.map((s) => `{"name":${JSON.stringify(s.name)},"labels":${JSON.stringify(s.labels)},"ts":`);
    this.seriesTable = encodeSeriesTable(this.series);
    this.seriesOf = Uint32Array.from({ length: count }, (_, i) => i);
    this.tsColumn = new Float64Array(count);
  }

  get size(): number {
    return this.series.length;
  }

  /**
   * Moves every series on by one collection, at the wall clock's ms (or 1 ms after the last
   * collection, so each series' timestamps keep increasing however fast messages go out).
   */
  next(): { ts: number; values: Float64Array } {
    const ts = Math.max(Date.now(), this.lastTs + 1);
    this.lastTs = ts;
    const values = this.values;
    for (let i = 0; i < values.length; i++) {
      values[i] = this.counter[i] ? values[i]! + Math.floor(this.random() * 5000) : Math.max(0, Math.round(values[i]! * 100 + (this.random() - 0.5) * 200) / 100);
    }
    return { ts, values };
  }

  /** The next collection as the JSON `samples` message of `seq` (what agents sent before the binary form). */
  jsonFrame(seq: number): string {
    const { ts, values } = this.next();
    const parts: string[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) parts[i] = `${this.jsonPrefixes[i]}${ts},"value":${values[i]}}`;
    return `{"type":"samples","v":${PROTOCOL_VERSION},"seq":${seq},"samples":[${parts.join(",")}]}`;
  }

  /** The next collection as the binary samples frame of `seq` (what agents send to a server that offers it). */
  binaryFrame(seq: number): Buffer {
    const { ts, values } = this.next();
    this.tsColumn.fill(ts);
    return this.frames.frame(seq, this.seriesTable, this.seriesOf, this.tsColumn, values);
  }
}
