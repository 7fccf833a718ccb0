// The PromQL engine over a real series store: lookback and staleness, range queries, vector
// matching errors, the 11,000-point limit; values checked against hand-computed figures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemorySeriesStore } from "../../src/tsdb/memory-store.js";
import { PromqlEngine } from "../../src/promql/engine.js";
import { PromqlExecutionError } from "../../src/promql/errors.js";
import { formatSampleValue } from "../../src/promql/api-format.js";

const T0 = 1_700_000_000_000;

function engineWith(samples: { name: string; labels: Record<string, string>; ts: number; value: number }[]) {
  const store = new MemorySeriesStore({ retentionMs: 1e10 });
  store.append(samples);
  return new PromqlEngine({ source: store, now: () => 0 });
}

function counter(instance: string, perStep: number, points = 41) {
  return Array.from({ length: points }, (_, i) => ({ name: "req_total", labels: { instance }, ts: T0 + i * 15_000, value: i * perStep }));
}

test("rate extrapolates to the window edges; sum by aggregates; instant selectors look back 5 minutes", () => {
  const e = engineWith([...counter("a", 15), ...counter("b", 30)]);
  const t = T0 + 600_000;
  const rate = e.instant("rate(req_total[5m])", t);
  assert.equal(rate.resultType, "vector");
  // A steady 1/s counter sampled every 15 s: 20 points span 285 s, extrapolated to the full 300 s.
  assert.deepEqual(rate.resultType === "vector" && rate.result.map((s) => [s.labels.instance, s.value]), [["a", 1], ["b", 2]]);
  const sum = e.instant("sum(rate(req_total[5m]))", t);
  assert.deepEqual(sum.resultType === "vector" && sum.result, [{ labels: {}, value: 3 }]);
  const last = T0 + 40 * 15_000;
  assert.equal(e.instant("req_total", last + 299_000).resultType === "vector" && (e.instant("req_total", last + 299_000) as { result: unknown[] }).result.length, 2);
  assert.deepEqual((e.instant("req_total", last + 301_000) as { result: unknown[] }).result, []);
});

test("a staleness marker ends a series at once, as in Prometheus", () => {
  const words = new Uint32Array([0x00000002, 0x7ff00000]);
  const staleNaN = new Float64Array(words.buffer)[0]!;
  const e = engineWith([
    { name: "up", labels: { job: "a" }, ts: T0, value: 1 },
    { name: "up", labels: { job: "a" }, ts: T0 + 15_000, value: staleNaN },
  ]);
  assert.equal((e.instant("up", T0 + 10_000) as { result: unknown[] }).result.length, 1);
  // Without the marker the sample would be visible for 5 minutes.
  assert.deepEqual((e.instant("up", T0 + 20_000) as { result: unknown[] }).result, []);
  assert.deepEqual((e.instant("count_over_time(up[1m])", T0 + 20_000) as { result: { value: number }[] }).result.map((s) => s.value), [1]);
});

test("range queries step through time; one series per label set", () => {
  const e = engineWith(counter("a", 15));
  const series = e.range("req_total / 15", T0, T0 + 60_000, 30_000);
  assert.deepEqual(series, [{ labels: { instance: "a" }, points: [[T0, 0], [T0 + 30_000, 2], [T0 + 60_000, 4]] }]);
  assert.throws(() => e.range("req_total", T0, T0 + 11_001_000, 1000), /11,000 points per timeseries/);
  assert.throws(() => e.range("req_total[5m]", T0, T0 + 1000, 1000), /range vector.*for range query/);
});

test("one-to-one matching with duplicates on one side is an execution error", () => {
  const e = engineWith([
    { name: "x", labels: { instance: "a", m: "1" }, ts: T0, value: 1 },
    { name: "x", labels: { instance: "a", m: "2" }, ts: T0, value: 2 },
    { name: "y", labels: { instance: "a" }, ts: T0, value: 10 },
  ]);
  assert.throws(() => e.instant("y + on(instance) x", T0), (err: unknown) => err instanceof PromqlExecutionError && /many-to-many matching not allowed/.test(err.message));
  const grouped = e.instant("x * on(instance) group_left y", T0);
  assert.deepEqual(grouped.resultType === "vector" && grouped.result.map((s) => s.value).sort(), [10, 20]);
});

test("values are written as Prometheus writes them", () => {
  assert.deepEqual([1e21, 1e-7, 0.1, -2.5, NaN, Infinity, -Infinity].map(formatSampleValue), ["1000000000000000000000", "0.0000001", "0.1", "-2.5", "NaN", "+Inf", "-Inf"]);
});
