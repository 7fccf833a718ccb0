// The sliding window of inter-arrival times: it keeps the newest N samples, and its O(1)
// running mean and variance equal a direct computation, even after millions of slides.
import { test } from "node:test";
import assert from "node:assert/strict";
import { InterArrivalWindow } from "../../../src/detect/failure/inter-arrival-window.js";
import { seededRandom } from "../../../src/detect/failure/seeded-random.js";

function direct(values: number[]): { mean: number; variance: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, variance: values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length };
}

test("the window keeps the newest samples, oldest first, and forgets the rest", () => {
  const w = new InterArrivalWindow(3);
  w.add(1);
  w.add(2);
  assert.deepEqual(w.values(), [1, 2]);
  w.add(3);
  w.add(4);
  w.add(5);
  assert.deepEqual(w.values(), [3, 4, 5]);
  assert.equal(w.count, 3);
  assert.equal(w.mean, 4);
  assert.ok(Math.abs(w.variance - 2 / 3) < 1e-12);
});

test("mean and variance equal a direct computation while filling and while sliding", () => {
  const random = seededRandom(7);
  const w = new InterArrivalWindow(50);
  const all: number[] = [];
  for (let i = 0; i < 500; i++) {
    const x = 500 + (random() - 0.5) * 40 + (i % 97 === 0 ? 1000 : 0);
    w.add(x);
    all.push(x);
    const expected = direct(all.slice(-50));
    assert.ok(Math.abs(w.mean - expected.mean) < 1e-9, `mean after ${i + 1}`);
    assert.ok(Math.abs(w.variance - expected.variance) < 1e-6, `variance after ${i + 1}`);
  }
});

test("millions of slides over large values do not drift (periodic exact recomputation)", () => {
  const random = seededRandom(11);
  const w = new InterArrivalWindow(1000);
  const recent: number[] = [];
  for (let i = 0; i < 2_000_000; i++) {
    // A large offset with a small spread is where running sums lose digits.
    const x = 1e9 + random() * 10;
    w.add(x);
    if (i >= 2_000_000 - 1000) recent.push(x);
  }
  const expected = direct(recent);
  assert.ok(Math.abs(w.mean - expected.mean) < 1e-6);
  assert.ok(Math.abs(w.stdDeviation - Math.sqrt(expected.variance)) / Math.sqrt(expected.variance) < 1e-6);
});

test("bad capacity or samples are refused with a clear error", () => {
  assert.throws(() => new InterArrivalWindow(1), /capacity must be an integer ≥ 2, got 1/);
  assert.throws(() => new InterArrivalWindow(2.5), /capacity must be an integer ≥ 2/);
  assert.throws(() => new InterArrivalWindow(10).add(NaN), /sample must be a finite number, got NaN/);
});
