// The cluster's series for one query: a local store plus other replicas' answers, read as one
// store (names, find, ranges with steps and limits), a series held by two replicas merged.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { MergedSeries } from "../../../src/server/replicas/merged-series.js";
import { CompressedSeriesStore } from "../../../src/tsdb/compressed-store.js";
import { QueryLimitError, type SeriesColumns } from "../../../src/tsdb/series-store.js";
import { ManualClock } from "../../../src/util/clock.js";

const T0 = 1_700_000_000_000;
const S = 1000;
let local: CompressedSeriesStore;

function remote(name: string, labels: Record<string, string>, points: [number, number][]): SeriesColumns {
  return { name, labels, ts: Float64Array.from(points, (p) => T0 + p[0] * S), values: Float64Array.from(points, (p) => p[1]) };
}

/** [seconds after T0, value] per point, for comparing. */
function points(s: SeriesColumns): [number, number][] {
  return Array.from(s.ts, (t, i) => [(t - T0) / S, s.values[i]!]);
}

before(() => {
  local = CompressedSeriesStore.open({ path: ":memory:", clock: new ManualClock(T0 + 600 * S) });
  // node "moved" was here until 20 s, then on another replica; "a" is only here.
  for (let i = 0; i <= 20; i += 10) local.append([{ name: "load", labels: { node: "moved" }, ts: T0 + i * S, value: i }]);
  local.append([{ name: "load", labels: { node: "a" }, ts: T0, value: 1 }]);
  local.append([{ name: "local_only", labels: {}, ts: T0, value: 7 }]);
});
after(() => local.close());

const cluster = () =>
  new MergedSeries(local, [
    remote("load", { node: "moved" }, [[20, 20], [30, 30], [40, 40]]),
    remote("load", { node: "b" }, [[0, 5], [10, 6]]),
    // A third replica held "b" for a while too: its copy is merged with the second's.
    remote("load", { node: "b" }, [[10, 99], [20, 7]]),
    remote("remote_only", { node: "b" }, [[0, 3]]),
  ]);

test("names and series are the union of the local store and the other replicas", () => {
  const c = cluster();
  assert.deepEqual(c.metricNames().sort(), ["load", "local_only", "remote_only"]);
  assert.deepEqual(c.find("load").map((r) => r.labels.node).sort(), ["a", "b", "moved"]);
  assert.deepEqual(c.find("load", { node: "b" }).map((r) => r.labels), [{ node: "b" }]);
  assert.deepEqual(c.find().length, 5);
});

test("a series held by several replicas is merged by timestamp, a shared point kept once (the local one first)", () => {
  const byNode = new Map(cluster().rangeColumns("load", {}, T0, T0 + 60 * S).map((s) => [s.labels.node!, points(s)]));
  assert.deepEqual(byNode.get("moved"), [[0, 0], [10, 10], [20, 20], [30, 30], [40, 40]]);
  assert.deepEqual(byNode.get("b"), [[0, 5], [10, 6], [20, 7]], "the first answer's point wins at 10 s");
  assert.deepEqual(byNode.get("a"), [[0, 1]]);
});

test("ranges, matchers, steps and the point limit apply to the merged series", () => {
  const c = cluster();
  assert.deepEqual(c.rangeColumns("load", [{ test: (l) => l.node === "moved" }], T0 + 15 * S, T0 + 35 * S).map(points), [[[20, 20], [30, 30]]]);
  assert.deepEqual(c.rangeColumns("load", { node: "b" }, T0 + 50 * S, T0 + 60 * S), [], "series without points in the range are left out");
  // One point per 20 s step: the last in (t − 20 s, t]; the first step looks back before `from`.
  const stepped = c.rangeColumns("load", { node: "moved" }, T0 + 20 * S, T0 + 60 * S, { step: 20 * S });
  assert.deepEqual(stepped.map(points), [[[20, 20], [40, 40]]]);
  assert.throws(() => c.rangeColumns("load", {}, T0, T0 + 60 * S, { maxPoints: 5 }), QueryLimitError);
  assert.equal(c.rangeColumns("load", {}, T0, T0 + 60 * S, { maxPoints: 9 }).length, 3, "5 + 3 + 1 points");
  assert.throws(() => c.rangeColumns("load", {}, T0, T0 + 60 * S, { step: 0 }), RangeError);
});

test("a metric no other replica sent is read from the local store as it is", () => {
  const c = cluster();
  assert.deepEqual(c.rangeColumns("local_only", {}, T0, T0 + S), local.rangeColumns("local_only", {}, T0, T0 + S));
  assert.deepEqual(c.rangeColumns("remote_only", {}, T0, T0 + S).map(points), [[[0, 3]]]);
});
