// Merging one series' points from two stores: by timestamp, a point both hold kept once
// (the first argument's), NaN payloads (Prometheus' staleness marker) copied bit for bit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isAscending, mergeColumns, sliceColumns } from "../../src/tsdb/query/merge-columns.js";
import { STALE_NAN_HIGH, STALE_NAN_LOW } from "../../src/promql/selection.js";
import type { Columns } from "../../src/tsdb/series-store.js";

/** Stands for Prometheus' staleness marker in `columns` (its NaN is signalling: a JS number may lose its bits). */
const STALE = "stale";

function columns(points: [number, number | typeof STALE][]): Columns {
  const c = { ts: Float64Array.from(points, (p) => p[0]), values: Float64Array.from(points, (p) => (p[1] === STALE ? 0 : p[1])) };
  const words = new Uint32Array(c.values.buffer);
  points.forEach((p, i) => p[1] === STALE && words.set([STALE_NAN_LOW, STALE_NAN_HIGH], 2 * i));
  return c;
}

function words(values: Float64Array): number[] {
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length * 2));
}

test("interleaved points are merged by timestamp; a timestamp in both is kept once, with the first argument's value", () => {
  const merged = mergeColumns(columns([[1, 10], [3, 30], [5, 50]]), columns([[2, 20], [3, 99], [6, 60]]));
  assert.deepEqual([...merged.ts], [1, 2, 3, 5, 6]);
  assert.deepEqual([...merged.values], [10, 20, 30, 50, 60]);
  const other = mergeColumns(columns([[2, 20], [3, 99]]), columns([[1, 10], [3, 30]]));
  assert.deepEqual([...other.values], [10, 20, 99], "the first argument wins on equal timestamps");
});

test("series that do not overlap in time (a node that moved once) are concatenated in time order", () => {
  const before = columns([[1, 1], [2, 2]]);
  const after = columns([[3, 3], [4, 4]]);
  assert.deepEqual([...mergeColumns(after, before).ts], [1, 2, 3, 4]);
  assert.deepEqual([...mergeColumns(before, after).values], [1, 2, 3, 4]);
  const empty = columns([]);
  assert.equal(mergeColumns(before, empty), before, "merging nothing returns the columns themselves, no copy");
  assert.equal(mergeColumns(empty, after), after);
});

test("values keep their bits: staleness markers, NaN, ±Inf and -0 survive merging and slicing", () => {
  const a = columns([[1, STALE], [3, -0], [5, Infinity]]);
  const b = columns([[2, Number.NaN], [4, -Infinity], [6, STALE]]);
  const merged = mergeColumns(a, b);
  assert.deepEqual([...merged.ts], [1, 2, 3, 4, 5, 6]);
  const expected = new Float64Array(6);
  const source = [a.values, b.values, a.values, b.values, a.values, b.values];
  const index = [0, 0, 1, 1, 2, 2];
  for (let i = 0; i < 6; i++) new Uint32Array(expected.buffer).set(words(source[i]!.subarray(index[i]!, index[i]! + 1)), 2 * i);
  assert.deepEqual(words(merged.values), words(expected));
  assert.deepEqual(words(merged.values).slice(0, 2), [STALE_NAN_LOW, STALE_NAN_HIGH], "the staleness marker's own NaN, not a canonical one");
  const disjoint = mergeColumns(columns([[10, 1]]), columns([[1, STALE]]));
  assert.deepEqual(words(disjoint.values).slice(0, 2), [STALE_NAN_LOW, STALE_NAN_HIGH]);
  assert.deepEqual(words(sliceColumns(merged, 6, 6).values), [STALE_NAN_LOW, STALE_NAN_HIGH]);
});

test("sliceColumns keeps [from, to], both ends included, without copying", () => {
  const c = columns([[1, 1], [2, 2], [3, 3], [4, 4]]);
  assert.deepEqual([...sliceColumns(c, 2, 3).ts], [2, 3]);
  assert.deepEqual([...sliceColumns(c, 1.5, 3.5).values], [2, 3]);
  assert.equal(sliceColumns(c, 0, 10), c);
  assert.equal(sliceColumns(c, 5, 10).ts.length, 0);
  assert.equal(sliceColumns(c, 3, 2).ts.length, 0);
  assert.equal(sliceColumns(c, 2, 3).ts.buffer, c.ts.buffer, "a view of the same memory");
});

test("isAscending: strictly increasing timestamps only", () => {
  assert.equal(isAscending(new Float64Array([1, 2, 3])), true);
  assert.equal(isAscending(new Float64Array([])), true);
  assert.equal(isAscending(new Float64Array([1, 1])), false);
  assert.equal(isAscending(new Float64Array([2, 1])), false);
  assert.equal(isAscending(new Float64Array([1, Number.NaN])), false);
});
