import { test } from "node:test";
import assert from "node:assert/strict";
import { FeatureRange, recordSurprise } from "../../../src/detect/anomaly/record-surprise.js";

test("a record's surprise is log10(points) plus α decades per decade of excess over r0", () => {
  assert.equal(recordSurprise(1000, 0.01, 1.5, 0.01), 3);
  assert.ok(Math.abs(recordSurprise(1000, 0.1, 1.5, 0.01) - 4.5) < 1e-12);
  assert.ok(Math.abs(recordSurprise(10_000, 0.001, 1, 0.01) - 3) < 1e-12);
});

test("a feature range measures the excess as a fraction of its width, on both sides", () => {
  const range = new FeatureRange();
  assert.equal(range.excess(5), 0, "an empty range has no opinion");
  for (const v of [2, 4, 6]) range.learn(v);
  assert.equal(range.count, 3);
  assert.equal(range.excess(7), 0.25);
  assert.equal(range.excess(0), 0.5);
  assert.ok(range.excess(3) <= 0);
});

test("leaving a flat history is an infinite excess; staying on it is none", () => {
  const range = new FeatureRange();
  range.learn(1);
  range.learn(1);
  assert.equal(range.excess(1), 0);
  assert.equal(range.excess(1.001), Infinity);
});
