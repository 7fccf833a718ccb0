import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_LOGISTIC_MIDPOINT, DEFAULT_LOGISTIC_SLOPE } from "../../../src/detect/anomaly/detector-options.js";
import { logistic, surpriseForProbability } from "../../../src/detect/anomaly/logistic.js";

const a = DEFAULT_LOGISTIC_SLOPE;
const b = DEFAULT_LOGISTIC_MIDPOINT;

test("the default logistic: 0.5 at b = 3.9 decades, 0.1 and 0.9 one decade either side", () => {
  assert.equal(logistic(b, a, b), 0.5);
  assert.ok(Math.abs(logistic(b - 1, a, b) - 0.1) < 1e-12);
  assert.ok(Math.abs(logistic(b + 1, a, b) - 0.9) < 1e-12);
  assert.ok(logistic(b + 2, a, b) > 0.98);
});

test("no evidence (-Infinity) is probability 0, and the inverse gives the surprise back", () => {
  assert.equal(logistic(-Infinity, a, b), 0);
  for (const p of [0.1, 0.5, 0.9, 0.99]) assert.ok(Math.abs(logistic(surpriseForProbability(p, a, b), a, b) - p) < 1e-12);
});
