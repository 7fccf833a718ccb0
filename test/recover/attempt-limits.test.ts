// Recovery attempt limits: the first attempt at once, then a backoff of initial, 2×, 4× …
// capped at max, counted from the previous attempt; refused once `attempts` attempts lie
// in the window, and allowed again when old attempts leave it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffAfter, nextAttempt, type Limits } from "../../src/recover/attempt-limits.js";

const limits: Limits = { attempts: 5, within: 600_000, backoff: { initial: 1_000, max: 5_000 } };
const NOW = 1_000_000;

test("backoff doubles from initial and is capped at max", () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 10].map((n) => backoffAfter(n, limits)),
    [0, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000],
  );
});

test("the first attempt may start at once", () => {
  assert.deepEqual(nextAttempt([], limits, NOW), { allowed: true, at: NOW, attemptNumber: 1, backoffMs: 0 });
});

test("later attempts wait the backoff counted from the previous attempt", () => {
  assert.deepEqual(nextAttempt([NOW - 200], limits, NOW), { allowed: true, at: NOW + 800, attemptNumber: 2, backoffMs: 1_000 });
  // Order of the history does not matter: the latest attempt counts.
  assert.deepEqual(nextAttempt([NOW - 500, NOW - 3_000], limits, NOW), {
    allowed: true,
    at: NOW + 1_500,
    attemptNumber: 3,
    backoffMs: 2_000,
  });
  assert.deepEqual(nextAttempt([NOW - 30, NOW - 20, NOW - 10], limits, NOW), {
    allowed: true,
    at: NOW - 10 + 4_000,
    attemptNumber: 4,
    backoffMs: 4_000,
  });
  // Capped at max.
  const fifth = nextAttempt([NOW - 40, NOW - 30, NOW - 20, NOW - 10], limits, NOW);
  assert.deepEqual(fifth, { allowed: true, at: NOW - 10 + 5_000, attemptNumber: 5, backoffMs: 5_000 });
});

test("when the backoff has already passed, the attempt starts now", () => {
  assert.deepEqual(nextAttempt([NOW - 60_000], limits, NOW), { allowed: true, at: NOW, attemptNumber: 2, backoffMs: 1_000 });
});

test("refused once the limit of attempts lies in the window", () => {
  const three = { ...limits, attempts: 3, within: 60_000 };
  const refused = nextAttempt([NOW - 30_000, NOW - 20_000, NOW - 10_000], three, NOW);
  assert.equal(refused.allowed, false);
  assert.equal(!refused.allowed && refused.reason, "3 recovery attempts within 60s (limit 3)");
});

test("attempts older than the window no longer count", () => {
  const three = { ...limits, attempts: 3, within: 60_000 };
  // The oldest is exactly `within` old: out of the window, so two remain; the backoff
  // after the latest (10 s ago + 2 s) has passed, so the third attempt may start now.
  const permission = nextAttempt([NOW - 60_000, NOW - 20_000, NOW - 10_000], three, NOW);
  assert.deepEqual(permission, { allowed: true, at: NOW, attemptNumber: 3, backoffMs: 2_000 });
  // One ms earlier it was still in the window.
  assert.equal(nextAttempt([NOW - 60_000, NOW - 20_000, NOW - 10_000], three, NOW - 1).allowed, false);
  // With every attempt out of the window the backoff starts over.
  assert.deepEqual(nextAttempt([NOW - 200_000, NOW - 100_000], three, NOW), { allowed: true, at: NOW, attemptNumber: 1, backoffMs: 0 });
});
