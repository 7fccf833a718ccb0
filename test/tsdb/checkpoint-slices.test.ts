// How long a checkpoint slice may run (sliceBudgetMs in src/tsdb/checkpoint-scheduler.ts):
// the configured budget on an idle event loop, a fixed share of the time when the loop made
// it wait (a server busy with ingest), never more than the cap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CHECKPOINT_BUSY_SHARE, MAX_SLICE_MS, sliceBudgetMs } from "../../src/tsdb/checkpoint-scheduler.js";

test("an idle loop keeps the configured slice budget", () => {
  assert.equal(sliceBudgetMs(5, 0), 5);
  assert.equal(sliceBudgetMs(5, 3), 5);
  assert.equal(sliceBudgetMs(1, 0.2), 1);
});

test("a slice that waited W ms may run W·share/(1 − share): the checkpoint gets its share of a busy loop", () => {
  const budget = sliceBudgetMs(5, 90);
  assert.equal(budget, (90 * CHECKPOINT_BUSY_SHARE) / (1 - CHECKPOINT_BUSY_SHARE));
  assert.ok(Math.abs(budget / (budget + 90) - CHECKPOINT_BUSY_SHARE) < 1e-12);
});

test("no slice is given more than the cap, unless the configured budget itself is larger", () => {
  assert.equal(sliceBudgetMs(5, 10_000), MAX_SLICE_MS);
  assert.equal(sliceBudgetMs(80, 10_000), 80);
  assert.equal(sliceBudgetMs(80, 0), 80);
});
