// The Lifeguard suspicion timeout: the formula against memberlist's own test table and its
// edge cases, and a suspicion that counts each confirming peer once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { remainingSuspicionTime, Suspicion, suspicionTimeout } from "../../../src/detect/failure/suspicion.js";

test("remainingSuspicionTime reproduces memberlist's TestSuspicion_remainingSuspicionTime table", () => {
  // (n, k, elapsed, min, max) → expected, in ms; from hashicorp/memberlist suspicion_test.go.
  const cases: [number, number, number, number, number, number][] = [
    [0, 3, 0, 2000, 30_000, 30_000],
    [1, 3, 2000, 2000, 30_000, 14_000],
    [2, 3, 3000, 2000, 30_000, 4810],
    [3, 3, 4000, 2000, 30_000, -2000],
    [4, 3, 5000, 2000, 30_000, -3000],
    [5, 3, 10_000, 2000, 30_000, -8000],
  ];
  for (const [n, k, elapsed, min, max, expected] of cases) {
    assert.equal(remainingSuspicionTime(n, k, elapsed, min, max), expected, `n=${n} k=${k}`);
  }
});

test("the timeout shrinks from max to min as confirmations arrive, each one by less (the defaults)", () => {
  const timeouts = [0, 1, 2, 3].map((n) => suspicionTimeout(n, 3, 400, 1500));
  // max − (max − min) · log(n + 1)/log 4: 1500, 950, 628, 400.
  assert.deepEqual(timeouts, [1500, 950, 628, 400]);
  assert.ok(timeouts[0]! - timeouts[1]! > timeouts[1]! - timeouts[2]!, "log: the first confirmation counts most");
});

test("edge cases: more confirmations than expected, nobody to confirm, min = max", () => {
  assert.equal(suspicionTimeout(7, 3, 400, 1500), 400, "never below min");
  assert.equal(suspicionTimeout(0, 0, 400, 1500), 400, "k = 0: nobody can confirm, so min (as memberlist)");
  assert.equal(suspicionTimeout(0, 1, 400, 1500), 1500);
  assert.equal(suspicionTimeout(1, 1, 400, 1500), 400);
  assert.equal(suspicionTimeout(0, 3, 700, 700), 700);
  assert.equal(suspicionTimeout(2, 3, 0, 0), 0);
});

test("bad arguments are refused naming what is wrong", () => {
  assert.throws(() => suspicionTimeout(-1, 3, 400, 1500), /confirmations must be an integer ≥ 0, got -1/);
  assert.throws(() => suspicionTimeout(0, 1.5, 400, 1500), /expected confirmations must be an integer ≥ 0, got 1.5/);
  assert.throws(() => suspicionTimeout(0, 3, -5, 1500), /min timeout must be a finite number ≥ 0, got -5/);
  assert.throws(() => suspicionTimeout(0, 3, 400, 300), /max timeout must be finite and ≥ the min timeout \(400 ms\), got 300/);
  assert.throws(() => new Suspicion({ startedAt: 0, expectedConfirmations: 3, minMs: 400, maxMs: NaN }), /max timeout/);
});

test("a suspicion counts each peer once, stops counting at k, and its deadline moves earlier", () => {
  const s = new Suspicion({ startedAt: 10_000, expectedConfirmations: 3, minMs: 400, maxMs: 1500 });
  assert.equal(s.deadline(), 11_500);
  assert.equal(s.confirm("b"), true);
  assert.equal(s.confirm("b"), false, "the same peer twice is one confirmation");
  assert.equal(s.confirmations, 1);
  assert.equal(s.deadline(), 10_950);
  assert.equal(s.confirm("c"), true);
  assert.equal(s.confirm("d"), true);
  assert.equal(s.confirm("e"), false, "beyond k confirmations are ignored");
  assert.equal(s.confirmations, 3);
  assert.equal(s.deadline(), 10_400);
  assert.equal(s.remainingMs(10_100), 300);
  assert.equal(s.expired(10_399), false);
  assert.equal(s.expired(10_400), true);
});
