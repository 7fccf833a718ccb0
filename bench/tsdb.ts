// Benchmark of the compressed series store (npm run bench -- tsdb): append rate on one core,
// bytes per sample of closed chunks, checkpoint cost, memory, and the latency of a 24 h
// range query of one series, on synthetic host metrics sampled every second.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { XorChunkAppender } from "../src/tsdb/chunk/xor-appender.js";
import { CompressedSeriesStore, DEFAULT_TSDB_OPTIONS } from "../src/tsdb/compressed-store.js";
import type { Sample } from "../src/protocol/messages.js";
import type { Clock, TimerHandle } from "../src/util/clock.js";
import { seededRandom, type SeededRandom } from "../test/tsdb/seeded-random.js";

const USAGE = `usage: npm run bench -- tsdb [--series N] [--hours H] [--query-series N] [--queries N]
  --series N        series appended (50 per simulated node; default 1000)
  --hours H         hours of 1 s samples appended (default 2)
  --query-series N  series holding 24 h for the query test (default 20)
  --queries N       24 h queries timed (default 200)`;

const SERIES_PER_NODE = 50;
const CHECKPOINT_EVERY_TICKS = 5;
const HOUR = 3_600_000;

// ---- synthetic host metrics ----------------------------------------------------------

type Kind = "constant" | "counter" | "ratio2" | "ratio3" | "bytesGauge" | "fullPrecision";

/** The kinds of a node's 50 series: what node_exporter-like collectors report. */
const NODE_MIX: [Kind, number][] = [
  ["constant", 15], // totals, sizes, core counts
  ["counter", 10], // bytes, packets, operations: increasing integers
  ["ratio2", 10], // 2-decimal gauges that change every second (load, %)
  ["ratio3", 5], // 3-decimal ratios that change every few seconds
  ["bytesGauge", 10], // memory available, filesystem free: page multiples
];

/** One series' value process: next() gives the value of the next second. */
function valueProcess(kind: Kind, random: SeededRandom): () => number {
  switch (kind) {
    case "constant": {
      const value = random.pick([16_777_216_000, 8, 0, 1, 499_963_174_912, 1_048_576]);
      return () => value;
    }
    case "counter": {
      let value = random.int(0, 2 ** 40);
      const rate = random.pick([300, 20_000, 2_000_000]);
      return () => (value += random.next() < 0.05 ? 0 : random.int(0, rate));
    }
    case "ratio2": {
      let level = random.next();
      return () => {
        level = Math.min(1, Math.max(0, level + (random.next() - 0.5) * 0.04));
        return Math.round(level * 100) / 100;
      };
    }
    case "ratio3": {
      let level = random.next();
      let value = Math.round(level * 1000) / 1000;
      return () => {
        if (random.next() < 0.3) {
          level = Math.min(1, Math.max(0, level + (random.next() - 0.5) * 0.01));
          value = Math.round(level * 1000) / 1000;
        }
        return value;
      };
    }
    case "bytesGauge": {
      let pages = random.int(100_000, 4_000_000);
      return () => (random.next() < 0.5 ? (pages += random.int(-64, 64)) * 4096 : pages * 4096);
    }
    case "fullPrecision": {
      let level = random.next();
      return () => (level = Math.min(1, Math.max(0, level + (random.next() - 0.5) * 0.02)));
    }
  }
}

/** A node's collection tick: Node's 1 s setInterval runs late by 0..5 ms, so deltas are 1000..1005. */
function tickDelta(random: SeededRandom): number {
  const r = random.next();
  return 1000 + (r < 0.4 ? 0 : r < 0.7 ? 1 : r < 0.9 ? 2 : random.int(3, 5));
}

interface Node {
  name: string;
  ts: number;
  series: { name: string; labels: Record<string, string>; next: () => number }[];
}

function makeNodes(count: number, start: number, random: SeededRandom): Node[] {
  const nodes: Node[] = [];
  for (let n = 0; n < count; n++) {
    const node: Node = { name: `node-${String(n).padStart(3, "0")}`, ts: start + random.int(0, 999), series: [] };
    for (const [kind, howMany] of NODE_MIX) {
      for (let i = 0; i < howMany; i++) {
        node.series.push({ name: `host_${kind}_${i}`, labels: { node: node.name, instance: `${node.name}:9100` }, next: valueProcess(kind, random) });
      }
    }
    nodes.push(node);
  }
  return nodes;
}

function tickSamples(node: Node): Sample[] {
  return node.series.map((s) => ({ name: s.name, labels: s.labels, ts: node.ts, value: s.next() }));
}

// ---- helpers -------------------------------------------------------------------------

/** The clock the store sees: set by the benchmark; timers never fire, checkpoints are explicit flushes. */
class BenchClock implements Clock {
  constructor(public current: number) {}
  now(): number {
    return this.current;
  }
  setTimeout(): TimerHandle {
    return { cancel: () => undefined };
  }
  setInterval(): TimerHandle {
    return { cancel: () => undefined };
  }
}

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
}

/** CPU time of this process in ms (all its threads: the main one, GC helpers, the WAL worker). */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

// ---- measurements --------------------------------------------------------------------

/** Bytes per sample of each value kind through the chunk codec alone, with and without the decimal columns. */
function codecByKind(): void {
  console.log("\ncodec alone, 20 series × 2 h per kind, 1024-sample chunks (bytes/sample incl. timestamps and headers):");
  console.log("  kind           decimals+XOR   plain Gorilla XOR");
  for (const kind of ["constant", "counter", "ratio2", "ratio3", "bytesGauge", "fullPrecision"] as Kind[]) {
    const sizes = [true, false].map((decimals) => {
      const random = seededRandom(11);
      let bytes = 0;
      let samples = 0;
      for (let s = 0; s < 20; s++) {
        const next = valueProcess(kind, random);
        let ts = 1_700_000_000_000;
        let chunk = new XorChunkAppender(1, 32, decimals);
        for (let i = 0; i < 7200; i++) {
          if (chunk.count === 1024) {
            bytes += chunk.byteLength;
            chunk = new XorChunkAppender(1, 32, decimals);
          }
          chunk.append((ts += tickDelta(random)), next());
          samples++;
        }
        bytes += chunk.byteLength;
      }
      return bytes / samples;
    });
    console.log(`  ${kind.padEnd(14)} ${sizes[0]!.toFixed(3).padStart(12)}   ${sizes[1]!.toFixed(3).padStart(17)}`);
  }
}

async function appendPhase(seriesCount: number, hours: number, dir: string): Promise<void> {
  const start = Math.floor(1_700_000_000_000 / HOUR) * HOUR;
  const clock = new BenchClock(start);
  const heapBefore = heapAfterGc();
  const path = join(dir, "append.db");
  const store = CompressedSeriesStore.open({ path, clock });
  const random = seededRandom(1);
  const nodes = makeNodes(Math.ceil(seriesCount / SERIES_PER_NODE), start, random);
  const ticks = Math.round(hours * 3600);
  let appendMs = 0;
  let samples = 0;
  /** Append rates of each simulated minute: their median shrugs off bursts of load from other processes. */
  const minuteRates: number[] = [];
  let minuteMs = 0;
  let minuteSamples = 0;
  let checkpointMs = 0;
  let checkpointCpuMs = 0;
  let checkpoints = 0;
  let maxCheckpointMs = 0;
  const slices: number[] = [];
  let rejected = 0;
  for (let tick = 0; tick < ticks; tick++) {
    for (const node of nodes) {
      node.ts += tickDelta(random);
      const batch = tickSamples(node);
      if (node.ts > clock.current) clock.current = node.ts;
      const t0 = performance.now();
      rejected += store.append(batch).rejected;
      const ms = performance.now() - t0;
      appendMs += ms;
      minuteMs += ms;
      samples += batch.length;
      minuteSamples += batch.length;
    }
    if (tick % 60 === 59) {
      minuteRates.push(minuteSamples / minuteMs / 1000);
      minuteMs = 0;
      minuteSamples = 0;
    }
    if (tick % CHECKPOINT_EVERY_TICKS === CHECKPOINT_EVERY_TICKS - 1) {
      const c0 = cpuMs();
      const t0 = performance.now();
      await store.flush();
      const ms = performance.now() - t0;
      checkpointCpuMs += cpuMs() - c0;
      checkpointMs += ms;
      maxCheckpointMs = Math.max(maxCheckpointMs, ms);
      checkpoints++;
      slices.push(store.stats().checkpoints.lastMaxSliceMs);
    }
  }
  await store.flush();
  const stats = store.stats();
  const heapAfter = heapAfterGc();
  const fileBytes = statSync(path).size;
  console.log(`\nappend: ${nodes.length * SERIES_PER_NODE} series (${nodes.length} nodes × ${SERIES_PER_NODE}), ${hours} h of 1 s samples, ${SERIES_PER_NODE} samples per append call`);
  minuteRates.sort((a, b) => a - b);
  console.log(
    `  append rate            ${(samples / appendMs / 1000).toFixed(2)} M samples/s overall (${samples} samples in ${(appendMs / 1000).toFixed(2)} s of append calls); per simulated minute: median ${percentile(minuteRates, 50).toFixed(2)}, best ${minuteRates.at(-1)!.toFixed(2)}  (target ≥ 1.00)`,
  );
  console.log(`  rejected               ${rejected}`);
  console.log(
    `  bytes/sample           ${(stats.rawClosedBytes / stats.rawClosedSamples).toFixed(3)}  (closed raw chunks: ${stats.rawClosedBytes} bytes for ${stats.rawClosedSamples} samples; target ≤ 1.5)`,
  );
  console.log(`  file on disk           ${mb(fileBytes)} (${(fileBytes / samples).toFixed(2)} bytes/sample with SQLite overhead, heads and downsampled rows)`);
  slices.sort((a, b) => a - b);
  console.log(
    `  checkpoint             ${checkpoints} × ${SERIES_PER_NODE * nodes.length} dirty series (${CHECKPOINT_EVERY_TICKS} s of data each): mean ${(checkpointMs / checkpoints).toFixed(1)} ms wall (${(checkpointCpuMs / checkpoints).toFixed(1)} ms CPU), max ${maxCheckpointMs.toFixed(1)} ms`,
  );
  console.log(
    `  longest slice per checkpoint  p50 ${percentile(slices, 50).toFixed(1)} ms, p99 ${percentile(slices, 99).toFixed(1)} ms, max ${slices.at(-1)!.toFixed(1)} ms (a slice stops taking series after ${DEFAULT_TSDB_OPTIONS.checkpointSliceMs} ms; the event loop is blocked this long)`,
  );
  console.log(`  memory                 heap + buffers +${mb(heapAfter - heapBefore)} after GC; store's estimate ${mb(stats.memoryBytes)} (closed chunks ${mb(stats.residentChunkBytes)})`);
  await store.close();
}

/** Heap per series with one sample: what the memory estimate charges per series. */
function seriesOverhead(): void {
  const clock = new BenchClock(1_700_000_000_000);
  const before = heapAfterGc();
  const store = CompressedSeriesStore.open({ path: ":memory:", clock });
  const count = 10_000;
  for (let i = 0; i < count; i++) {
    store.append([{ name: "overhead_probe", labels: { node: `node-${i % 100}`, instance: `i-${i}` }, ts: clock.current, value: i }]);
  }
  clock.current += 61 * 60_000; // every series opens its second minute and hour: all three heads in use
  for (let i = 0; i < count; i++) {
    store.append([{ name: "overhead_probe", labels: { node: `node-${i % 100}`, instance: `i-${i}` }, ts: clock.current, value: i }]);
  }
  const after = heapAfterGc();
  console.log(`  per-series overhead    ${((after - before) / count).toFixed(0)} bytes (${count} series, heads open on all levels)`);
  void store.close();
}

async function queryPhase(seriesCount: number, queries: number, dir: string): Promise<void> {
  const start = Math.floor(1_700_000_000_000 / HOUR) * HOUR;
  const clock = new BenchClock(start);
  const path = join(dir, "query.db");
  let store = CompressedSeriesStore.open({ path, clock });
  const random = seededRandom(2);
  const nodes = makeNodes(1, start, random);
  const series = nodes[0]!.series.slice(15, 15 + seriesCount); // counters, 2- and 3-decimal gauges, byte gauges
  let ts = start;
  for (let tick = 0; tick < 24 * 3600; tick++) {
    ts += tickDelta(random);
    clock.current = ts;
    store.append(series.map((s) => ({ name: s.name, labels: s.labels, ts, value: s.next() })));
    if (tick % 3600 === 0) await store.flush();
  }
  await store.flush();
  /** Latencies of `queries` 24 h queries of a random series, sorted: as columns, or as Point objects. */
  const time = (s: CompressedSeriesStore, as: "columns" | "points"): { sorted: number[]; meanCpuMs: number } => {
    const latencies: number[] = [];
    let points = 0;
    const c0 = cpuMs();
    for (let q = 0; q < queries; q++) {
      const target = random.pick(series);
      const t0 = performance.now();
      const count =
        as === "columns"
          ? s.rangeColumns(target.name, target.labels, ts - 24 * HOUR, ts)[0]!.ts.length
          : s.range(target.name, target.labels, ts - 24 * HOUR, ts)[0]!.points.length;
      latencies.push(performance.now() - t0);
      points += count;
    }
    if (points / queries < 86_000) throw new Error(`a 24 h query returned ${points / queries} points on average, expected ~86400`);
    return { sorted: latencies.sort((a, b) => a - b), meanCpuMs: (cpuMs() - c0) / queries };
  };
  const report = (label: string, { sorted, meanCpuMs }: { sorted: number[]; meanCpuMs: number }) =>
    console.log(
      `  ${label.padEnd(37)} p50 ${percentile(sorted, 50).toFixed(2)} ms, p95 ${percentile(sorted, 95).toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms; mean CPU ${meanCpuMs.toFixed(2)} ms`,
    );
  console.log(`\n24 h range query of one series (86,400 points; ${seriesCount} series × 24 h stored; ${queries} queries; target ≤ 10 ms):`);
  time(store, "columns"); // warm-up
  report("rangeColumns, chunks in memory", time(store, "columns"));
  report("range (Point objects), in memory", time(store, "points"));
  await store.close();
  store = CompressedSeriesStore.open({ path, clock });
  report("rangeColumns, chunks read from disk", time(store, "columns"));
  await store.close();
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: { series: { type: "string" }, hours: { type: "string" }, "query-series": { type: "string" }, queries: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const number = (name: string, fallback: number, min: number): number => {
    const text = values[name];
    const n = text === undefined ? fallback : Number(text);
    if (!(n >= min) || !Number.isFinite(n)) {
      console.error(`--${name}: expected a number ≥ ${min}, got "${String(text)}"\n${USAGE}`);
      process.exit(2);
    }
    return n;
  };
  const seriesCount = number("series", 1000, SERIES_PER_NODE);
  const hours = number("hours", 2, 0.01);
  const querySeries = Math.min(35, number("query-series", 20, 1));
  const queries = number("queries", 200, 10);
  console.log(`tsdb benchmark on ${cpus()[0]?.model ?? "unknown CPU"}, node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  const dir = mkdtempSync(join(tmpdir(), "vigil-bench-tsdb-"));
  try {
    codecByKind();
    await appendPhase(seriesCount, hours, dir);
    seriesOverhead();
    await queryPhase(querySeries, queries, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nload average at the end ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
}

await main();
