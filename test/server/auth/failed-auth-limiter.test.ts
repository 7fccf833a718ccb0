// The failed-authentication limiter on a manual clock: the n-th wrong token within the
// window blocks the address until the oldest leaves it; other addresses are not affected.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FailedAuthLimiter } from "../../../src/server/auth/failed-auth-limiter.js";
import { ManualClock } from "../../../src/util/clock.js";

test("blocks an address after maxFailures within the window, until the oldest failure leaves it", () => {
  const clock = new ManualClock();
  const limiter = new FailedAuthLimiter(clock, { maxFailures: 3, windowMs: 60_000 });
  limiter.recordFailure("10.0.0.1");
  clock.advance(10_000);
  limiter.recordFailure("10.0.0.1");
  assert.equal(limiter.retryAfterMs("10.0.0.1"), 0);
  clock.advance(10_000);
  limiter.recordFailure("10.0.0.1");
  // Failures at 0 s, 10 s, 20 s: blocked until 60 s.
  assert.equal(limiter.retryAfterMs("10.0.0.1"), 40_000);
  assert.equal(limiter.retryAfterMs("10.0.0.2"), 0);
  clock.advance(40_000);
  assert.equal(limiter.retryAfterMs("10.0.0.1"), 0);
  limiter.recordFailure("10.0.0.1");
  // Now 10 s, 20 s, 60 s: blocked until 70 s.
  assert.equal(limiter.retryAfterMs("10.0.0.1"), 10_000);
});

test("forgets addresses whose failures left the window", () => {
  const clock = new ManualClock();
  const limiter = new FailedAuthLimiter(clock, { maxFailures: 2, windowMs: 1_000 });
  for (let i = 0; i < 50; i++) limiter.recordFailure(`10.0.0.${i}`);
  assert.equal(limiter.trackedAddresses(), 50);
  clock.advance(1_001);
  for (let i = 0; i < 50; i++) assert.equal(limiter.retryAfterMs(`10.0.0.${i}`), 0);
  assert.equal(limiter.trackedAddresses(), 0);
});
