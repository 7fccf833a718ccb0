import { test } from "node:test";
import assert from "node:assert/strict";
import { retryDelay } from "../../../src/alert/notify/retry-backoff.js";

test("delays double from the initial delay and stop at the cap", () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => retryDelay(attempt)),
    [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000],
  );
  assert.deepEqual(
    [1, 2, 3, 4].map((attempt) => retryDelay(attempt, { initialMs: 250, maxMs: 1000 })),
    [250, 500, 1000, 1000],
  );
});

test("a very high attempt count stays at the cap", () => {
  assert.equal(retryDelay(5000), 60_000);
});

test("an attempt number below 1 or fractional is refused", () => {
  assert.throws(() => retryDelay(0), /attempt must be an integer >= 1, got 0/);
  assert.throws(() => retryDelay(1.5), /got 1.5/);
});
