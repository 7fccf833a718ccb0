import { test } from "node:test";
import assert from "node:assert/strict";
import { MemorySeriesStore } from "../../src/tsdb/memory-store.js";
import type { Sample } from "../../src/protocol/messages.js";
import type { Labels } from "../../src/tsdb/series-store.js";

const cpu = (node: string, ts: number, value: number): Sample => ({ name: "node_cpu_usage_ratio", labels: { node }, ts, value });

function pointsOf(store: MemorySeriesStore, name: string, match: Labels): [number, number][] {
  const series = store.range(name, match, -Infinity, Infinity);
  assert.ok(series.length <= 1, "expected at most one matching series");
  return (series[0]?.points ?? []).map((p) => [p.ts, p.value]);
}

test("appends in time order are accepted and read back oldest first", () => {
  const store = new MemorySeriesStore();
  const result = store.append([cpu("a", 1000, 0.1), cpu("a", 2000, 0.2), cpu("b", 1500, 0.5), cpu("a", 3000, 0.3)]);
  assert.deepEqual(result, { accepted: 4, rejected: 0 });
  assert.deepEqual(pointsOf(store, "node_cpu_usage_ratio", { node: "a" }), [[1000, 0.1], [2000, 0.2], [3000, 0.3]]);
  assert.deepEqual(store.stats(), { series: 2, samples: 4, rejected: 0, replayRejected: 0 });
});

test("out-of-order and duplicate samples are rejected, counted and never merged", () => {
  const store = new MemorySeriesStore();
  store.append([cpu("a", 1000, 0.1), cpu("a", 2000, 0.2)]);
  const result = store.append([cpu("a", 2000, 0.9), cpu("a", 1500, 0.15), cpu("a", 2500, 0.25)]);
  assert.deepEqual(result, { accepted: 1, rejected: 2 });
  assert.deepEqual(pointsOf(store, "node_cpu_usage_ratio", { node: "a" }), [[1000, 0.1], [2000, 0.2], [2500, 0.25]]);
  store.append([cpu("a", 2500, 0.25)]);
  assert.deepEqual(store.stats(), { series: 1, samples: 3, rejected: 3, replayRejected: 0 });
});

test("time order is per series: another series may append an earlier ts", () => {
  const store = new MemorySeriesStore();
  store.append([cpu("a", 5000, 0.5)]);
  assert.deepEqual(store.append([cpu("b", 1000, 0.1)]), { accepted: 1, rejected: 0 });
});

test("series identity ignores label order; labels given to append are copied", () => {
  const store = new MemorySeriesStore();
  const labels: Labels = { node: "a", cpu: "0" };
  store.append([{ name: "m", labels, ts: 1, value: 1 }]);
  store.append([{ name: "m", labels: { cpu: "0", node: "a" }, ts: 2, value: 2 }]);
  labels.node = "changed";
  assert.deepEqual(store.find("m"), [{ name: "m", labels: { node: "a", cpu: "0" } }]);
  assert.equal(store.stats().samples, 2);
});

test("retention drops points older than retentionMs before the newest accepted sample", () => {
  const store = new MemorySeriesStore({ retentionMs: 10_000 });
  store.append([0, 4000, 5000, 9000].map((ts) => cpu("a", ts, ts / 1000)));
  store.append([cpu("a", 15_000, 15)]);
  // Horizon 15000 - 10000 = 5000: the point exactly 10 s old stays.
  assert.deepEqual(pointsOf(store, "node_cpu_usage_ratio", { node: "a" }), [[5000, 5], [9000, 9], [15_000, 15]]);
  assert.equal(store.stats().samples, 3);
});

test("retention also applies to a series that stopped reporting, which is then forgotten", () => {
  const store = new MemorySeriesStore({ retentionMs: 10_000 });
  store.append([cpu("gone", 1000, 1), cpu("gone", 2000, 2), cpu("alive", 1000, 1)]);
  store.append([cpu("alive", 11_500, 3)]);
  // Horizon 1500: "gone" keeps only its point at 2000.
  assert.deepEqual(pointsOf(store, "node_cpu_usage_ratio", { node: "gone" }), [[2000, 2]]);
  store.append([cpu("alive", 12_500, 4)]);
  assert.deepEqual(pointsOf(store, "node_cpu_usage_ratio", { node: "gone" }), []);
  assert.deepEqual(store.find("node_cpu_usage_ratio").map((s) => s.labels.node), ["alive"]);
  assert.deepEqual(store.latest("node_cpu_usage_ratio", { node: "gone" }, 0), []);
  assert.deepEqual(store.stats(), { series: 1, samples: 2, rejected: 0, replayRejected: 0 });
});

test("a sample already beyond retention is rejected and counted", () => {
  const store = new MemorySeriesStore({ retentionMs: 10_000 });
  store.append([cpu("a", 100_000, 1)]);
  assert.deepEqual(store.append([cpu("late", 89_999, 1), cpu("ok", 90_000, 1)]), { accepted: 1, rejected: 1 });
  assert.deepEqual(store.find("node_cpu_usage_ratio").map((s) => s.labels.node).sort(), ["a", "ok"]);
  assert.equal(store.stats().rejected, 1);
});

test("the per-series cap keeps the newest maxPointsPerSeries points", () => {
  const store = new MemorySeriesStore({ maxPointsPerSeries: 3 });
  store.append([1, 2, 3, 4, 5].map((ts) => cpu("a", ts, ts * 10)));
  store.append([1, 2].map((ts) => cpu("b", ts, ts)));
  assert.deepEqual(pointsOf(store, "node_cpu_usage_ratio", { node: "a" }), [[3, 30], [4, 40], [5, 50]]);
  assert.deepEqual(store.stats(), { series: 2, samples: 5, rejected: 0, replayRejected: 0 });
});

test("long runs under cap and retention keep exactly the points a naive model keeps", () => {
  // Exercises buffer growth and compaction: irregular steps, several series, many rounds.
  const retentionMs = 5_000;
  const maxPoints = 37;
  const store = new MemorySeriesStore({ retentionMs, maxPointsPerSeries: maxPoints });
  const model = new Map<string, [number, number][]>();
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const last = new Map<string, number>();
  let newest = -Infinity;
  for (let i = 0; i < 20_000; i++) {
    const node = `n${Math.floor(random() * 4)}`;
    const ts = (last.get(node) ?? 0) + 1 + Math.floor(random() * 400);
    last.set(node, ts);
    store.append([cpu(node, ts, i)]);
    newest = Math.max(newest, ts);
    const points = [...(model.get(node) ?? []), [ts, i] as [number, number]];
    model.set(node, points.slice(-maxPoints));
  }
  for (const [node, points] of model) {
    const expected = points.filter(([ts]) => ts >= newest - retentionMs);
    assert.deepEqual(pointsOf(store, "node_cpu_usage_ratio", { node }), expected, `series ${node}`);
  }
});

test("find selects by metric name and label match; without a name it lists every series", () => {
  const store = new MemorySeriesStore();
  store.append([
    { name: "up", labels: { node: "a", service: "api" }, ts: 1, value: 1 },
    { name: "up", labels: { node: "b", service: "api" }, ts: 1, value: 1 },
    { name: "up", labels: { node: "a", service: "db" }, ts: 1, value: 0 },
    { name: "load1", labels: { node: "a" }, ts: 1, value: 0.5 },
  ]);
  assert.equal(store.find("up").length, 3);
  assert.deepEqual(
    store.find("up", { node: "a" }).map((s) => s.labels.service).sort(),
    ["api", "db"],
  );
  assert.deepEqual(store.find("up", { node: "a", service: "db" }), [{ name: "up", labels: { node: "a", service: "db" } }]);
  assert.deepEqual(store.find("up", { node: "c" }), []);
  assert.deepEqual(store.find("missing"), []);
  assert.deepEqual(store.find(undefined, { node: "a" }).map((s) => s.name).sort(), ["load1", "up", "up"]);
  assert.equal(store.find().length, 4);
});

test("latest returns the newest sample of each matching series no older than notBefore", () => {
  const store = new MemorySeriesStore();
  store.append([cpu("a", 1000, 0.1), cpu("a", 2000, 0.2), cpu("b", 1000, 0.7)]);
  const all = store.latest("node_cpu_usage_ratio", {}, 0).sort((x, y) => x.labels.node!.localeCompare(y.labels.node!));
  assert.deepEqual(all, [
    { name: "node_cpu_usage_ratio", labels: { node: "a" }, ts: 2000, value: 0.2 },
    { name: "node_cpu_usage_ratio", labels: { node: "b" }, ts: 1000, value: 0.7 },
  ]);
  assert.deepEqual(store.latest("node_cpu_usage_ratio", {}, 1001).map((s) => s.labels.node), ["a"]);
  assert.deepEqual(store.latest("node_cpu_usage_ratio", {}, 2000).map((s) => s.ts), [2000]);
  assert.deepEqual(store.latest("node_cpu_usage_ratio", {}, 2001), []);
  assert.deepEqual(store.latest("node_cpu_usage_ratio", { node: "b" }, 0).map((s) => s.value), [0.7]);
});

test("range includes both ends and leaves out series with no point inside", () => {
  const store = new MemorySeriesStore();
  store.append([10, 20, 30, 40, 50].map((ts) => cpu("a", ts, ts)));
  store.append([cpu("b", 5, 5), cpu("b", 60, 60)]);
  const ts = (from: number, to: number, match: Labels = { node: "a" }) =>
    store.range("node_cpu_usage_ratio", match, from, to).flatMap((s) => s.points.map((p) => p.ts));
  assert.deepEqual(ts(20, 40), [20, 30, 40]);
  assert.deepEqual(ts(21, 39), [30]);
  assert.deepEqual(ts(0, 10), [10]);
  assert.deepEqual(ts(50, 100), [50]);
  assert.deepEqual(ts(51, 100), []);
  assert.deepEqual(ts(0, 9), []);
  assert.deepEqual(ts(30, 30), [30]);
  assert.deepEqual(ts(40, 20), []);
  const both = store.range("node_cpu_usage_ratio", {}, 10, 50);
  assert.deepEqual(both.map((s) => s.labels.node), ["a"], "b has no point in [10, 50]");
  assert.deepEqual(both[0]!.points[0], { ts: 10, value: 10 });
  assert.deepEqual(store.range("node_cpu_usage_ratio", {}, 0, 100).length, 2);
});

test("range with a NaN bound is a clear error", () => {
  const store = new MemorySeriesStore();
  assert.throws(() => store.range("m", {}, Number.NaN, 10), /from and to must be numbers/);
});

test("invalid options are rejected with the option's name", () => {
  assert.throws(() => new MemorySeriesStore({ retentionMs: 0 }), /retentionMs/);
  assert.throws(() => new MemorySeriesStore({ maxPointsPerSeries: 0.5 }), /maxPointsPerSeries/);
});

test("a forgotten series leaves series with overlapping labels alone and can report again", () => {
  const store = new MemorySeriesStore({ retentionMs: 1000 });
  const up = (labels: Labels, ts: number): Sample => ({ name: "up", labels, ts, value: 1 });
  store.append([up({ node: "a" }, 0), up({ node: "a", pid: "7" }, 0), up({ node: "a", pid: "8" }, 1500)]);
  store.append([up({ node: "a" }, 1600)]);
  assert.equal(store.stats().series, 2, "the series with pid 7 expired");
  assert.deepEqual(store.find("up").map((s) => s.labels.pid ?? "-").sort(), ["-", "8"]);
  assert.deepEqual(store.append([up({ node: "a", pid: "7" }, 1700), up({ node: "a" }, 1600)]), { accepted: 1, rejected: 1 });
  assert.deepEqual(pointsOf(store, "up", { pid: "7" }), [[1700, 1]]);
  assert.deepEqual(store.stats(), { series: 3, samples: 3, rejected: 1, replayRejected: 0 }, "node a lost its point at 0 to retention");
});
