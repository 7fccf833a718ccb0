import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDuration, parseDuration } from "../../src/util/duration.js";

test("parses durations in every unit and in combinations", () => {
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("1s"), 1000);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("5m"), 300_000);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("7d"), 604_800_000);
  assert.equal(parseDuration("0"), 0);
});

test("rejects text that is not a duration", () => {
  for (const bad of ["", "1", "s", "1x", "1s x", "1s2", "ms", "-1s", "1 s"]) {
    assert.equal(parseDuration(bad), null, bad);
  }
});

test("formats durations for people", () => {
  assert.equal(formatDuration(950), "950ms");
  assert.equal(formatDuration(1500), "1.5s");
  assert.equal(formatDuration(125_000), "2m5s");
  assert.equal(formatDuration(3 * 3_600_000), "3h");
  assert.equal(formatDuration(2 * 86_400_000 + 4 * 3_600_000 + 60_000), "2d4h");
});
