// The verify step: healthy continuously for `healthyFor`, reached within `within` of the
// step's start; a streak that began before the step does not count for it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateVerification } from "../../src/recover/verification.js";

const spec = { healthyFor: 2_000, within: 10_000 };
const START = 1_000_000;

test("not healthy yet: pending until the deadline", () => {
  assert.deepEqual(evaluateVerification(spec, START, null, START), { outcome: "pending", checkAt: START + 10_000 });
  assert.deepEqual(evaluateVerification(spec, START, null, START + 9_999), { outcome: "pending", checkAt: START + 10_000 });
});

test("healthy since after the start: pending until healthyFor has passed, verified exactly then", () => {
  const healthySince = START + 3_000;
  assert.deepEqual(evaluateVerification(spec, START, healthySince, START + 3_000), { outcome: "pending", checkAt: START + 5_000 });
  assert.deepEqual(evaluateVerification(spec, START, healthySince, START + 4_999), { outcome: "pending", checkAt: START + 5_000 });
  assert.deepEqual(evaluateVerification(spec, START, healthySince, START + 5_000), { outcome: "verified", healthySince });
});

test("a healthy streak that began before the step counts only from the step's start", () => {
  const before = START - 60_000;
  assert.deepEqual(evaluateVerification(spec, START, before, START), { outcome: "pending", checkAt: START + 2_000 });
  assert.deepEqual(evaluateVerification(spec, START, before, START + 1_999), { outcome: "pending", checkAt: START + 2_000 });
  assert.deepEqual(evaluateVerification(spec, START, before, START + 2_000), { outcome: "verified", healthySince: START });
});

test("never healthy: failed at the deadline", () => {
  const failed = evaluateVerification(spec, START, null, START + 10_000);
  assert.deepEqual(failed, { outcome: "failed", reason: "not healthy within 10000ms" });
  assert.equal(evaluateVerification(spec, START, null, START + 50_000).outcome, "failed");
});

test("healthy too late to last healthyFor before the deadline: pending, then failed at the deadline", () => {
  const lateSince = START + 9_000; // would be verified at START + 11 000, after the deadline
  assert.deepEqual(evaluateVerification(spec, START, lateSince, START + 9_500), { outcome: "pending", checkAt: START + 10_000 });
  assert.deepEqual(evaluateVerification(spec, START, lateSince, START + 10_000), {
    outcome: "failed",
    reason: "not healthy for 2000ms within 10000ms",
  });
});

test("a streak that reaches healthyFor exactly at the deadline is verified", () => {
  const since = START + 8_000;
  assert.deepEqual(evaluateVerification(spec, START, since, START + 10_000), { outcome: "verified", healthySince: since });
  // Evaluated late (the check ran after the deadline), the streak still qualified in time.
  assert.deepEqual(evaluateVerification(spec, START, START + 1_000, START + 20_000), { outcome: "verified", healthySince: START + 1_000 });
});
