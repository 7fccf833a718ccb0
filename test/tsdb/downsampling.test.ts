import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CompressedSeriesStore, type CompressedStoreOptions } from "../../src/tsdb/compressed-store.js";
import type { Aggregate, Point } from "../../src/tsdb/series-store.js";
import type { Sample } from "../../src/protocol/messages.js";
import { ManualClock } from "../../src/util/clock.js";

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** An hour boundary, so that minute and hour buckets line up with the test's arithmetic. */
const A = Math.floor(1_700_000_000_000 / HOUR) * HOUR;

const options: Partial<CompressedStoreOptions> = {
  retentionMs: 10 * MINUTE,
  downsampling: [
    { resolutionMs: MINUTE, retentionMs: 2 * HOUR },
    { resolutionMs: HOUR, retentionMs: 24 * HOUR },
  ],
  chunkMaxSamples: 50,
};

/** Every 10 s for 4 hours: in minute m the values m, m + 0.1, …, m + 0.5, and one NaN at +5 s in minute 7. */
function samples(): Sample[] {
  const out: Sample[] = [];
  for (let k = 0; k < 4 * 360; k++) {
    const m = Math.floor(k / 6);
    out.push({ name: "g", labels: {}, ts: A + k * 10_000, value: m + (k % 6) / 10 });
    if (k === 7 * 6) out.push({ name: "g", labels: {}, ts: A + k * 10_000 + 5000, value: Number.NaN });
  }
  return out;
}

/** The buckets a naive model computes (values summed in time order, as the store does), NaN skipped. */
function buckets(all: Sample[], resolution: number, aggregate: Aggregate): Map<number, number> {
  const acc = new Map<number, { min: number; max: number; sum: number; count: number }>();
  for (const s of all) {
    if (Number.isNaN(s.value)) continue;
    const start = Math.floor(s.ts / resolution) * resolution;
    const b = acc.get(start) ?? { min: Infinity, max: -Infinity, sum: 0, count: 0 };
    b.min = Math.min(b.min, s.value);
    b.max = Math.max(b.max, s.value);
    b.sum += s.value;
    b.count++;
    acc.set(start, b);
  }
  const pick = (b: { min: number; max: number; sum: number; count: number }) =>
    ({ avg: b.sum / b.count, min: b.min, max: b.max, sum: b.sum, count: b.count })[aggregate];
  return new Map([...acc].map(([start, b]) => [start, pick(b)]));
}

/** What [A, A + 4h] must read at clock A + 4h with `options`: hours 0–1 from 1-h buckets, then minutes 120–229, then raw. */
function expected(all: Sample[], aggregate: Aggregate): [number, number][] {
  const hours = buckets(all, HOUR, aggregate);
  const minutes = buckets(all, MINUTE, aggregate);
  const out: [number, number][] = [];
  for (const h of [0, 1]) out.push([A + h * HOUR, hours.get(A + h * HOUR)!]);
  for (let m = 120; m <= 229; m++) out.push([A + m * MINUTE, minutes.get(A + m * MINUTE)!]);
  for (const s of all) if (s.ts >= A + 230 * MINUTE) out.push([s.ts, s.value]);
  return out;
}

const pairs = (points: Point[] | undefined) => (points ?? []).map((p) => [p.ts, p.value] as [number, number]);

test("ranges older than raw retention read 1-minute, then 1-hour buckets: avg by default, min/max/sum/count on request", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-tsdb-"));
  try {
    const clock = new ManualClock(A);
    const path = join(dir, "tsdb.db");
    let store = CompressedSeriesStore.open({ path, clock, ...options });
    const all = samples();
    for (let i = 0; i < all.length; i += 60) {
      clock.set(Math.max(clock.now(), all[Math.min(i + 59, all.length - 1)]!.ts));
      assert.equal(store.append(all.slice(i, i + 60)).rejected, 0);
    }
    clock.set(A + 4 * HOUR);
    const read = (aggregate?: Aggregate) =>
      pairs(store.range("g", {}, A, A + 4 * HOUR, aggregate === undefined ? {} : { aggregate })[0]?.points);

    const byDefault = read();
    assert.deepEqual(byDefault, expected(all, "avg"));
    // Spot checks of the arithmetic: minute 150 holds 150, 150.1, …, 150.5; hour 0 holds minutes 0..59.
    assert.deepEqual(byDefault.find(([ts]) => ts === A + 150 * MINUTE), [A + 150 * MINUTE, (150 + 150.1 + 150.2 + 150.3 + 150.4 + 150.5) / 6]);
    assert.ok(Math.abs(byDefault[0]![1] - 29.75) < 1e-9, `hour 0 avg ${byDefault[0]![1]}`);
    for (const aggregate of ["min", "max", "sum", "count"] as const) assert.deepEqual(read(aggregate), expected(all, aggregate), aggregate);
    assert.equal(buckets(all, MINUTE, "count").get(A + 7 * MINUTE), 6, "the NaN sample is not counted");

    // The checkpoint drops what retention passed; the answer is the same. So is it after a restart,
    // and appends that follow continue the open buckets where they were.
    await store.flush();
    assert.deepEqual(read(), expected(all, "avg"));
    await store.close();
    store = CompressedSeriesStore.open({ path, clock, ...options });
    assert.deepEqual(read(), expected(all, "avg"));
    for (const aggregate of ["min", "max", "sum", "count"] as const) assert.deepEqual(read(aggregate), expected(all, aggregate), `${aggregate} after restart`);
    const more: Sample[] = Array.from({ length: 30 }, (_, k) => ({ name: "g", labels: {}, ts: A + 4 * HOUR + k * 10_000, value: k }));
    assert.equal(store.append(more).accepted, 30);
    clock.set(A + 6 * HOUR);
    const later = pairs(store.range("g", {}, A + 3 * HOUR, A + 6 * HOUR, { aggregate: "count" })[0]?.points);
    const laterMinutes = buckets([...all, ...more], MINUTE, "count");
    // Raw is gone (horizon 5h50m); hour 3 from its 1-hour bucket, then minutes from 4h00 (the
    // 1-minute horizon) to the last bucket, 4h04, which is still open.
    assert.deepEqual(later, [
      [A + 3 * HOUR, 360],
      ...[0, 1, 2, 3, 4].map((m) => [A + 4 * HOUR + m * MINUTE, laterMinutes.get(A + 4 * HOUR + m * MINUTE)!]),
    ]);
    assert.deepEqual(later.map(([, count]) => count), [360, 6, 6, 6, 6, 6]);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a bucket of only NaN samples has no downsampled point; buckets with numbers do", async () => {
  const clock = new ManualClock(A);
  const store = CompressedSeriesStore.open({ path: ":memory:", clock, ...options });
  store.append([
    { name: "n", labels: {}, ts: A, value: Number.NaN },
    { name: "n", labels: {}, ts: A + 1000, value: Number.NaN },
    { name: "n", labels: {}, ts: A + MINUTE, value: 4 },
    { name: "n", labels: {}, ts: A + 2 * MINUTE, value: 8 },
  ]);
  clock.set(A + 20 * MINUTE);
  // Raw retention (10 min) passed every sample; 1-minute buckets remain for minutes 1 and 2 (minute 0 was all NaN).
  assert.deepEqual(pairs(store.range("n", {}, A, A + 3 * HOUR)[0]?.points), [[A + MINUTE, 4], [A + 2 * MINUTE, 8]]);
  assert.deepEqual(pairs(store.range("n", {}, A, A + 3 * HOUR, { aggregate: "count" })[0]?.points), [[A + MINUTE, 1], [A + 2 * MINUTE, 1]]);
  clock.set(A + 3 * HOUR);
  // The 1-minute horizon (2 h) passed them too: the hour bucket answers, avg of 4 and 8.
  assert.deepEqual(pairs(store.range("n", {}, A, A + 3 * HOUR)[0]?.points), [[A, 6]]);
  await store.close();
});
