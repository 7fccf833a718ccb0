import { test } from "node:test";
import assert from "node:assert/strict";
import { SeasonalProfile } from "../../../src/detect/anomaly/seasonal-profile.js";
import { SamplingInterval } from "../../../src/detect/anomaly/sampling-interval.js";

const HOUR = 3_600_000;

test("bins are hours of the UTC day (or week), negative timestamps included", () => {
  const daily = new SeasonalProfile(24 * HOUR, HOUR);
  assert.equal(daily.bins, 24);
  assert.equal(daily.binOf(Date.UTC(2024, 5, 1, 13, 59, 59)), 13);
  assert.equal(daily.binOf(-HOUR), 23);
  const weekly = new SeasonalProfile(7 * 24 * HOUR, HOUR);
  // 1970-01-01 was a Thursday: bin 0 is Thursday 00:00 UTC, so Monday 2024-06-03 10:00 is 4 days + 10 h later.
  assert.equal(weekly.binOf(Date.UTC(2024, 5, 3, 10)), 4 * 24 + 10);
});

test("a bin starts at its first offset and then moves towards what it sees", () => {
  const profile = new SeasonalProfile(24 * HOUR, HOUR);
  assert.equal(profile.offsetAt(3, 2), 2);
  assert.equal(profile.offsetAt(3, 99), 2, "the first offset only applies once");
  profile.learn(3, 4, 0.5);
  assert.equal(profile.offsetAt(3, 0), 3);
});

test("the sampling interval is the median of the first gaps and then stays fixed", () => {
  const interval = new SamplingInterval();
  let ts = 0;
  for (let i = 0; i < 10; i++) {
    interval.observe(ts);
    ts += i % 3 === 0 ? 600_000 : 300_000;
  }
  assert.ok(Number.isNaN(interval.intervalMs), "not known before 15 gaps");
  for (let i = 0; i < 10; i++) {
    interval.observe(ts);
    ts += 300_000;
  }
  assert.equal(interval.intervalMs, 300_000);
  interval.observe(ts + 86_400_000);
  assert.equal(interval.intervalMs, 300_000);
});
