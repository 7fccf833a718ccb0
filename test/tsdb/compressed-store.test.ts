import { test } from "node:test";
import assert from "node:assert/strict";
import { CompressedSeriesStore, type CompressedStoreOptions } from "../../src/tsdb/compressed-store.js";
import { QueryLimitError, type Labels, type LabelPredicate } from "../../src/tsdb/series-store.js";
import { compileMatcher, parseMatcher } from "../../src/alert/matchers.js";
import type { Sample } from "../../src/protocol/messages.js";
import type { SeriesKey } from "../../src/protocol/sample-columns.js";
import { ManualClock } from "../../src/util/clock.js";
import { seededRandom } from "./seeded-random.js";

const T0 = 1_700_000_000_000;
const cpu = (node: string, ts: number, value: number): Sample => ({ name: "node_cpu_usage_ratio", labels: { node }, ts, value });

/** A store on an in-memory SQLite file and a manual clock at T0 + 1 h (checkpoints only when the test advances it). */
function openStore(options: Partial<CompressedStoreOptions> = {}) {
  const clock = new ManualClock(T0 + 3_600_000);
  const store = CompressedSeriesStore.open({ path: ":memory:", clock, ...options });
  return { store, clock };
}

function pointsOf(store: CompressedSeriesStore, name: string, match: Labels): [number, number][] {
  const series = store.range(name, match, -Infinity, Infinity);
  assert.ok(series.length <= 1, "expected at most one matching series");
  return (series[0]?.points ?? []).map((p) => [p.ts, p.value]);
}

test("appends in time order are accepted and read back oldest first", async () => {
  const { store } = openStore();
  const result = store.append([cpu("a", T0 + 1000, 0.1), cpu("a", T0 + 2000, 0.2), cpu("b", T0 + 1500, 0.5), cpu("a", T0 + 3000, 0.3)]);
  assert.deepEqual(result, { accepted: 4, rejected: 0 });
  assert.deepEqual(pointsOf(store, "node_cpu_usage_ratio", { node: "a" }), [[T0 + 1000, 0.1], [T0 + 2000, 0.2], [T0 + 3000, 0.3]]);
  const stats = store.stats();
  assert.deepEqual([stats.series, stats.samples, stats.rejected], [2, 4, 0]);
  await store.close();
});

test("out-of-order and duplicate samples are rejected, counted and never merged", async () => {
  const { store } = openStore();
  store.append([cpu("a", T0 + 1000, 0.1), cpu("a", T0 + 2000, 0.2)]);
  const result = store.append([cpu("a", T0 + 2000, 0.9), cpu("a", T0 + 1500, 0.15), cpu("a", T0 + 2500, 0.25)]);
  assert.deepEqual(result, { accepted: 1, rejected: 2 });
  assert.deepEqual(pointsOf(store, "node_cpu_usage_ratio", { node: "a" }), [[T0 + 1000, 0.1], [T0 + 2000, 0.2], [T0 + 2500, 0.25]]);
  store.append([cpu("a", T0 + 2500, 0.25)]);
  assert.equal(store.stats().rejected, 3);
  assert.equal(store.stats().samples, 3);
  // The same duplicates re-sent after a crash (an outbox replay) are expected: counted apart.
  assert.deepEqual(store.append([cpu("a", T0 + 2000, 0.2), cpu("a", T0 + 2500, 0.25), cpu("a", T0 + 3000, 0.3)], { replay: true }), { accepted: 1, rejected: 2 });
  assert.deepEqual([store.stats().rejected, store.stats().replayRejected, store.stats().samples], [3, 2, 4]);
  await store.close();
});

test("time order is per series: another series may append an earlier ts", async () => {
  const { store } = openStore();
  store.append([cpu("a", T0 + 5000, 0.5)]);
  assert.deepEqual(store.append([cpu("b", T0 + 1000, 0.1)]), { accepted: 1, rejected: 0 });
  await store.close();
});

test("series identity ignores label order; labels given to append are copied", async () => {
  const { store } = openStore();
  const labels: Labels = { node: "a", cpu: "0" };
  store.append([{ name: "m", labels, ts: T0 + 1, value: 1 }]);
  store.append([{ name: "m", labels: { cpu: "0", node: "a" }, ts: T0 + 2, value: 2 }]);
  labels.node = "changed";
  assert.deepEqual(store.find("m"), [{ name: "m", labels: { node: "a", cpu: "0" } }]);
  assert.equal(store.stats().samples, 2);
  await store.close();
});

test("appendColumns: samples over a table of series, each series looked up once per call, same rules as append", async () => {
  const { store } = openStore();
  store.append([cpu("a", T0 + 1000, 0.1)]);
  const table: SeriesKey[] = [
    { name: "node_cpu_usage_ratio", labels: { node: "a" } },
    { name: "node_cpu_usage_ratio", labels: { node: "b" } },
    { name: "unused", labels: {} },
  ];
  const result = store.appendColumns({
    series: table,
    seriesOf: new Uint32Array([0, 1, 0, 1, 0]),
    ts: new Float64Array([T0 + 500, T0 + 2000, T0 + 2000, T0 + 2000, T0 + 3000]),
    values: new Float64Array([9, 0.2, 0.3, 9, 0.4]),
  });
  // a's T0+500 is before its last sample and b's second T0+2000 a duplicate: rejected as by append().
  assert.deepEqual(result, { accepted: 3, rejected: 2 });
  assert.deepEqual(pointsOf(store, "node_cpu_usage_ratio", { node: "a" }), [[T0 + 1000, 0.1], [T0 + 2000, 0.3], [T0 + 3000, 0.4]]);
  assert.deepEqual(pointsOf(store, "node_cpu_usage_ratio", { node: "b" }), [[T0 + 2000, 0.2]]);
  assert.deepEqual(store.find("unused"), [], "a series of the table without samples is not created");
  assert.deepEqual([store.stats().series, store.stats().rejected], [2, 2]);
  await store.close();
});

test("samples older than raw retention, too far in the future or with a bad ts are rejected and counted", async () => {
  const { store, clock } = openStore({ retentionMs: 10_000, futureToleranceMs: 60_000 });
  const now = clock.now();
  const result = store.append([
    cpu("late", now - 10_001, 1),
    cpu("edge", now - 10_000, 1),
    cpu("future", now + 60_001, 1),
    cpu("ahead", now + 60_000, 1),
    cpu("fraction", now + 0.5, 1),
    cpu("negative", -5, 1),
  ]);
  assert.deepEqual(result, { accepted: 2, rejected: 4 });
  assert.deepEqual(store.find("node_cpu_usage_ratio").map((s) => s.labels.node).sort(), ["ahead", "edge"]);
  await store.close();
});

test("raw retention is exact in queries and frees whole chunks at the checkpoint", async () => {
  const { store, clock } = openStore({ retentionMs: 10_000, chunkMaxSamples: 4, downsampling: [] });
  const start = clock.now();
  store.append([0, 1, 2, 3, 4, 5, 6, 7, 8].map((s) => cpu("a", start + s * 1000, s)));
  clock.set(start + 15_000);
  // Horizon start + 5000: the sample exactly 10 s old stays, older ones are gone from queries at once.
  assert.deepEqual(pointsOf(store, "node_cpu_usage_ratio", { node: "a" }).map(([, v]) => v), [5, 6, 7, 8]);
  await store.flush();
  // The chunk [0..3] ended before the horizon and was dropped; [4..7] straddles it and stays.
  assert.equal(store.stats().samples, 5);
  assert.deepEqual(pointsOf(store, "node_cpu_usage_ratio", { node: "a" }).map(([, v]) => v), [5, 6, 7, 8]);
  await store.close();
});

test("a series that stopped reporting is forgotten once every level's retention passed it", async () => {
  const minute = 60_000;
  const { store, clock } = openStore({ retentionMs: 10 * minute, downsampling: [{ resolutionMs: minute, retentionMs: 30 * minute }] });
  const start = clock.now();
  store.append([cpu("gone", start, 1), cpu("gone", start + 1000, 2), cpu("alive", start, 1)]);
  for (let m = 1; m <= 40; m++) {
    clock.set(start + m * minute);
    store.append([cpu("alive", start + m * minute, m)]);
  }
  await store.flush();
  assert.deepEqual(store.find("node_cpu_usage_ratio").map((s) => s.labels.node), ["alive"]);
  assert.deepEqual(store.latest("node_cpu_usage_ratio", { node: "gone" }, 0), []);
  assert.deepEqual(pointsOf(store, "node_cpu_usage_ratio", { node: "gone" }), []);
  assert.equal(store.stats().series, 1);
  // It may report again, as a new series.
  assert.deepEqual(store.append([cpu("gone", clock.now(), 7)]), { accepted: 1, rejected: 0 });
  assert.deepEqual(pointsOf(store, "node_cpu_usage_ratio", { node: "gone" }), [[clock.now(), 7]]);
  await store.close();
});

test("long runs across many chunks keep exactly the points a naive model keeps, in any window", async () => {
  const { store, clock } = openStore({ chunkMaxSamples: 37, chunkMaxSpanMs: 20_000 });
  const random = seededRandom(42);
  const model = new Map<string, [number, number][]>();
  const last = new Map<string, number>();
  for (let i = 0; i < 20_000; i++) {
    const node = `n${random.int(0, 3)}`;
    const ts = (last.get(node) ?? T0) + 1 + random.int(0, 400) * (random.next() < 0.02 ? 100 : 1);
    if (ts > clock.now()) clock.set(ts);
    last.set(node, ts);
    const value = random.next() < 0.5 ? Number((random.next() * 100).toFixed(2)) : random.next();
    assert.deepEqual(store.append([cpu(node, ts, value)]), { accepted: 1, rejected: 0 });
    model.set(node, [...(model.get(node) ?? []), [ts, value]]);
    if (i % 5000 === 0) await store.flush();
  }
  for (const [node, points] of model) {
    assert.deepEqual(pointsOf(store, "node_cpu_usage_ratio", { node }), points, `series ${node}`);
    for (let q = 0; q < 50; q++) {
      const a = random.pick(points)[0] + random.int(-500, 500);
      const b = a + random.int(0, 200_000);
      const got = store.range("node_cpu_usage_ratio", { node }, a, b)[0]?.points.map((p) => [p.ts, p.value]) ?? [];
      assert.deepEqual(got, points.filter(([ts]) => ts >= a && ts <= b), `series ${node} over [${a}, ${b}]`);
    }
  }
  await store.close();
});

test("NaN with a payload, ±Inf, -0 and extreme values are stored bit-exactly", async () => {
  const { store } = openStore({ chunkMaxSamples: 3 });
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  words[1] = 0x7ff80000;
  words[0] = 0xdeadbeef;
  const payloadNaN = bits[0]!;
  const values = [payloadNaN, Number.NaN, Infinity, -Infinity, -0, 0, Number.MIN_VALUE, -Number.MAX_VALUE, 1e-310, 0.1 + 0.2];
  store.append(values.map((value, i) => ({ name: "odd", labels: {}, ts: T0 + i, value })));
  const got = store.range("odd", {}, -Infinity, Infinity)[0]!.points.map((p) => p.value);
  const bitsOf = (x: number) => {
    bits[0] = x;
    return `${words[1]!.toString(16)}:${words[0]!.toString(16)}`;
  };
  assert.deepEqual(got.map(bitsOf), values.map(bitsOf));
  await store.close();
});

test("find selects by metric name and label match or predicates; without a name it lists every series", async () => {
  const { store } = openStore();
  store.append([
    { name: "up", labels: { node: "a", service: "api" }, ts: T0, value: 1 },
    { name: "up", labels: { node: "b", service: "api" }, ts: T0, value: 1 },
    { name: "up", labels: { node: "a", service: "db" }, ts: T0, value: 0 },
    { name: "load1", labels: { node: "a" }, ts: T0, value: 0.5 },
  ]);
  assert.equal(store.find("up").length, 3);
  assert.deepEqual(store.find("up", { node: "a" }).map((s) => s.labels.service).sort(), ["api", "db"]);
  assert.deepEqual(store.find("up", { node: "a", service: "db" }), [{ name: "up", labels: { node: "a", service: "db" } }]);
  assert.deepEqual(store.find("up", { node: "c" }), []);
  assert.deepEqual(store.find("missing"), []);
  assert.deepEqual(store.find(undefined, { node: "a" }).map((s) => s.name).sort(), ["load1", "up", "up"]);
  assert.equal(store.find().length, 4);
  const matchers = (...texts: string[]): LabelPredicate[] => texts.map((t) => compileMatcher(parseMatcher(t)));
  assert.deepEqual(store.find("up", matchers('node!="a"')).map((s) => s.labels.node), ["b"]);
  assert.deepEqual(store.find("up", matchers('service=~"a.*"', 'node=~"a|b"')).length, 2);
  assert.deepEqual(store.find("up", matchers('service!~"api|db"')), []);
  await store.close();
});

test("latest returns the newest sample of each matching series no older than notBefore", async () => {
  const { store } = openStore();
  store.append([cpu("a", T0 + 1000, 0.1), cpu("a", T0 + 2000, 0.2), cpu("b", T0 + 1000, 0.7)]);
  const all = store.latest("node_cpu_usage_ratio", {}, 0).sort((x, y) => x.labels.node!.localeCompare(y.labels.node!));
  assert.deepEqual(all, [
    { name: "node_cpu_usage_ratio", labels: { node: "a" }, ts: T0 + 2000, value: 0.2 },
    { name: "node_cpu_usage_ratio", labels: { node: "b" }, ts: T0 + 1000, value: 0.7 },
  ]);
  assert.deepEqual(store.latest("node_cpu_usage_ratio", {}, T0 + 1001).map((s) => s.labels.node), ["a"]);
  assert.deepEqual(store.latest("node_cpu_usage_ratio", {}, T0 + 2001), []);
  await store.close();
});

test("range includes both ends and leaves out series with no point inside", async () => {
  const { store } = openStore({ chunkMaxSamples: 2 });
  store.append([10, 20, 30, 40, 50].map((s) => cpu("a", T0 + s, s)));
  store.append([cpu("b", T0 + 5, 5), cpu("b", T0 + 60, 60)]);
  const ts = (from: number, to: number, match: Labels = { node: "a" }) =>
    store.range("node_cpu_usage_ratio", match, T0 + from, T0 + to).flatMap((s) => s.points.map((p) => p.ts - T0));
  assert.deepEqual(ts(20, 40), [20, 30, 40]);
  assert.deepEqual(ts(21, 39), [30]);
  assert.deepEqual(ts(0, 10), [10]);
  assert.deepEqual(ts(50, 100), [50]);
  assert.deepEqual(ts(51, 100), []);
  assert.deepEqual(ts(30, 30), [30]);
  assert.deepEqual(ts(40, 20), []);
  assert.deepEqual(store.range("node_cpu_usage_ratio", {}, T0 + 10, T0 + 50).map((s) => s.labels.node), ["a"]);
  assert.equal(store.range("node_cpu_usage_ratio", {}, T0, T0 + 100).length, 2);
  await store.close();
});

test("a step gives the last point of each step window, at the window's end", async () => {
  const { store } = openStore();
  store.append([0, 1000, 2500, 2900, 7000].map((s) => cpu("a", T0 + s, s)));
  const stepped = store.range("node_cpu_usage_ratio", { node: "a" }, T0 + 1000, T0 + 7000, { step: 2000 })[0]!.points;
  // Windows (−1000, 1000], (1000, 3000], (3000, 5000] (empty), (5000, 7000].
  assert.deepEqual(stepped.map((p) => [p.ts - T0, p.value]), [[1000, 1000], [3000, 2900], [7000, 7000]]);
  assert.throws(() => store.range("node_cpu_usage_ratio", {}, T0, T0 + 1e9, { step: 1 }), /more than 11000 points/);
  assert.throws(() => store.range("node_cpu_usage_ratio", {}, T0, T0 + 10, { step: 0 }), /step must be a positive number/);
  await store.close();
});

test("a query that would return more than maxPoints fails with QueryLimitError", async () => {
  const { store } = openStore({ chunkMaxSamples: 10 });
  store.append(Array.from({ length: 100 }, (_, i) => cpu("a", T0 + i, i)));
  assert.equal(store.range("node_cpu_usage_ratio", {}, T0, T0 + 99, { maxPoints: 100 })[0]!.points.length, 100);
  assert.throws(() => store.range("node_cpu_usage_ratio", {}, T0, T0 + 99, { maxPoints: 99 }), QueryLimitError);
  await store.close();
});

test("bad query bounds and invalid options are clear errors naming the problem", async () => {
  const { store } = openStore();
  assert.throws(() => store.range("m", {}, Number.NaN, 10), /from and to must be numbers/);
  assert.throws(() => store.range("m", {}, 0, 10, { aggregate: "median" as never }), /aggregate must be one of avg, min, max, sum, count/);
  await store.close();
  assert.throws(() => CompressedSeriesStore.open({ path: ":memory:", checkpointIntervalMs: 30_000 }), /checkpointIntervalMs must be a positive number ≤ 10000/);
  assert.throws(() => CompressedSeriesStore.open({ path: ":memory:", retentionMs: 0 }), /retentionMs/);
  assert.throws(() => CompressedSeriesStore.open({ path: ":memory:", chunkMaxSamples: 1 }), /chunkMaxSamples/);
  assert.throws(
    () => CompressedSeriesStore.open({ path: ":memory:", downsampling: [{ resolutionMs: 3_600_000, retentionMs: 1 }, { resolutionMs: 60_000, retentionMs: 1 }] }),
    /downsampling\[1\]\.resolutionMs must be coarser/,
  );
  assert.throws(() => CompressedSeriesStore.open({ path: "" }), /path/);
});

test("appends take generations; a checkpoint makes them durable and tells its listeners", async () => {
  const { store, clock } = openStore({ checkpointIntervalMs: 5000 });
  const told: number[] = [];
  store.onDurable((g) => told.push(g));
  assert.deepEqual([store.appendGeneration, store.durableGeneration], [0, 0]);
  store.append([cpu("a", T0, 1)]);
  store.append([]);
  assert.deepEqual([store.appendGeneration, store.durableGeneration], [2, 0]);
  clock.advance(5000); // the interval fires and a checkpoint starts
  while (store.durableGeneration < 2) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(told, [2]);
  store.append([cpu("a", T0 + 1, 2)]);
  await store.flush();
  assert.deepEqual(told, [2, 3]);
  await store.flush(); // nothing new: no new generation to tell
  assert.deepEqual(told, [2, 3]);
  await store.close();
  assert.throws(() => store.append([cpu("a", T0 + 2, 3)]), /closed/);
});
