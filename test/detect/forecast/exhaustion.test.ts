import { test } from "node:test";
import assert from "node:assert/strict";
import { forecastExhaustion, SUPPORT_SCALE_POINTS } from "../../../src/detect/forecast/exhaustion.js";
import { line } from "./series-fixtures.js";

const T0 = 1_700_000_000_000;
const MB = 2 ** 20;
const GB = 2 ** 30;

/** 10 minutes of free bytes every 5 s, falling 2 MB/s from 10 GB. */
const filling = (o: { noise?: number; seed?: number } = {}) =>
  line({ start: T0, count: 121, intervalMs: 5000, initial: 10 * GB, perSecond: -2 * MB, ...o });

test("a clean line gives the exact time until it reaches the limit", () => {
  const points = filling();
  const last = points[points.length - 1]!;
  const now = last.ts + 10_000;
  const forecast = forecastExhaustion(points, { limit: 0, direction: "down", now });
  // At `now` the series stands at last.value − 2 MB/s·10 s and falls 2 MB/s further.
  const expectedEta = ((last.value - 20 * MB) / (2 * MB)) * 1000;
  assert.equal(forecast.state, "exhausting");
  assert.ok(Math.abs(forecast.etaMs! - expectedEta) < 1, `eta ${forecast.etaMs} vs ${expectedEta}`);
  assert.ok(Math.abs(forecast.projectedAt! - (now + expectedEta)) < 1);
  assert.ok(Math.abs(forecast.trendPerSecond - -2 * MB) < 1e-3);
  assert.ok(Math.abs(forecast.currentValue! - (last.value - 20 * MB)) < 1e-3);
  assert.equal(forecast.fit.method, "theil-sen");
  assert.ok(forecast.fit.r2 > 0.999999);
  assert.equal(forecast.fit.points, 121);
  assert.equal(forecast.fit.spanMs, 600_000);

  // The same towards a limit that is not 0, and upwards: used bytes rising to a 12 GB cap.
  const used = line({ start: T0, count: 61, intervalMs: 1000, initial: 4 * GB, perSecond: 8 * MB });
  const up = forecastExhaustion(used, { limit: 12 * GB, direction: "up", now: T0 + 60_000 });
  assert.ok(Math.abs(up.etaMs! - ((8 * GB - 480 * MB) / (8 * MB)) * 1000) < 1);
});

test("no forecast for a flat series, a noisy flat series, a series moving away from the limit, or too few points", () => {
  const now = T0 + 600_000;
  const flat = line({ start: T0, count: 121, intervalMs: 5000, initial: 5 * GB, perSecond: 0 });
  const noisy = line({ start: T0, count: 121, intervalMs: 5000, initial: 5 * GB, perSecond: 0, noise: 50 * MB, seed: 2 });
  const freed = line({ start: T0, count: 121, intervalMs: 5000, initial: 5 * GB, perSecond: 1 * MB });
  for (const [name, points, state] of [
    ["flat", flat, "flat"],
    ["noisy", noisy, "flat"],
    ["receding", freed, "receding"],
    ["three points", filling().slice(0, 3), "insufficient-data"],
    ["one instant", [{ ts: T0, value: 1 }], "insufficient-data"],
    ["nothing", [], "insufficient-data"],
  ] as const) {
    const forecast = forecastExhaustion(points, { limit: 0, direction: "down", now });
    assert.equal(forecast.state, state, name);
    assert.equal(forecast.etaMs, null, name);
    assert.equal(forecast.confidence, 0, name);
    assert.equal(forecast.projectedAt, undefined, name);
  }
  // The slope a receding series reports is its real one.
  assert.ok(Math.abs(forecastExhaustion(freed, { limit: 0, direction: "down", now }).trendPerSecond - MB) < 1e-3);
});

test("a weak trend buried in noise gets little confidence", () => {
  // Falling 20 KB/s under 50 MB of noise: over 10 minutes the trend moves 12 MB, a quarter of σ.
  const points = line({ start: T0, count: 121, intervalMs: 5000, initial: 5 * GB, perSecond: -20 * 1024, noise: 50 * MB, seed: 4 });
  const forecast = forecastExhaustion(points, { limit: 0, direction: "down", now: T0 + 600_000 });
  assert.ok(forecast.etaMs === null || forecast.confidence < 0.05, `${forecast.state}, confidence ${forecast.confidence}`);
});

test("confidence rises with fit quality and with the number of points", () => {
  const now = T0 + 600_000;
  const confidence = (o: { noise?: number; count?: number }) => {
    const count = o.count ?? 121;
    const points = line({ start: T0, count, intervalMs: 600_000 / (count - 1), initial: 10 * GB, perSecond: -10 * MB, noise: o.noise ?? 0, seed: 9 });
    return forecastExhaustion(points, { limit: 0, direction: "down", now }).confidence;
  };
  const clean = confidence({});
  const someNoise = confidence({ noise: 200 * MB });
  const moreNoise = confidence({ noise: 600 * MB });
  assert.ok(clean > someNoise && someNoise > moreNoise, `${clean} > ${someNoise} > ${moreNoise}`);
  // ETA ~7 min from 10 min of data: no extrapolation penalty, so a clean fit's confidence is its support.
  assert.ok(Math.abs(clean - (1 - Math.exp(-121 / SUPPORT_SCALE_POINTS))) < 1e-6, `clean ${clean}`);
  const few = confidence({ count: 6 });
  const several = confidence({ count: 20 });
  assert.ok(few < several && several < clean, `${few} < ${several} < ${clean}`);
  for (const c of [clean, someNoise, moreNoise, few, several]) assert.ok(c >= 0 && c <= 1);
});

test("confidence falls as the projection reaches beyond the window: 1 h of data projected 3 days ahead is weak", () => {
  // One hour of clean data every 30 s; the limit placed so that the ETA is k hours away.
  const points = line({ start: T0, count: 121, intervalMs: 30_000, initial: 500 * GB, perSecond: -1 * MB });
  const last = points[points.length - 1]!;
  const at = (hours: number) =>
    forecastExhaustion(points, { limit: last.value - hours * 3600 * MB, direction: "down", now: last.ts });
  const oneHour = at(1);
  const sixHours = at(6);
  const threeDays = at(72);
  assert.ok(Math.abs(oneHour.etaMs! - 3_600_000) < 1 && Math.abs(threeDays.etaMs! - 72 * 3_600_000) < 1);
  assert.ok(oneHour.confidence > 0.99, `1 h: ${oneHour.confidence}`);
  // reach = √(span / horizon): √(1/6) ≈ 0.41, √(1/72) ≈ 0.12.
  assert.ok(Math.abs(sixHours.confidence / oneHour.confidence - Math.sqrt(1 / 6)) < 1e-3, `6 h: ${sixHours.confidence}`);
  assert.ok(threeDays.confidence < 0.15, `3 d: ${threeDays.confidence}`);
});

test("a series already at or past its limit is exhausted now", () => {
  const full = line({ start: T0, count: 30, intervalMs: 1000, initial: 0, perSecond: 0 });
  const forecast = forecastExhaustion(full, { limit: 0, direction: "down", now: T0 + 30_000 });
  assert.equal(forecast.state, "exhausted");
  assert.equal(forecast.etaMs, 0);
  assert.equal(forecast.projectedAt, T0 + 30_000);
  assert.ok(forecast.confidence > 0.9);
  // Rising past a size cap.
  const over = line({ start: T0, count: 30, intervalMs: 1000, initial: 90, perSecond: 1 });
  assert.equal(forecastExhaustion(over, { limit: 100, direction: "up", now: T0 + 30_000 }).state, "exhausted");
});

test("the ETA starts from where the series is now: a spike at the end is ignored, a cleanup is followed", () => {
  const points = filling();
  const now = points[points.length - 1]!.ts;
  const baseline = forecastExhaustion(points, { limit: 0, direction: "down", now });

  // One wild last sample (a glitch reading 0 free) neither ends the world nor moves the ETA.
  const glitch = [...points.slice(0, -1), { ts: now, value: 0 }];
  const afterGlitch = forecastExhaustion(glitch, { limit: 0, direction: "down", now });
  assert.equal(afterGlitch.state, "exhausting");
  assert.ok(Math.abs(afterGlitch.etaMs! - baseline.etaMs!) < 10_000, `${afterGlitch.etaMs} vs ${baseline.etaMs}`);

  // 4 GB deleted 30 s ago (6 samples): the fill rate is unchanged, the level is 4 GB higher.
  const cleaned = points.map((p) => (p.ts > now - 30_000 ? { ts: p.ts, value: p.value + 4 * GB } : p));
  const afterCleanup = forecastExhaustion(cleaned, { limit: 0, direction: "down", now });
  assert.ok(Math.abs(afterCleanup.currentValue! - (points[points.length - 1]!.value + 4 * GB)) < 1 * MB);
  assert.ok(Math.abs(afterCleanup.etaMs! - (baseline.etaMs! + ((4 * GB) / (2 * MB)) * 1000)) < 60_000);
  assert.ok(Math.abs(afterCleanup.trendPerSecond - -2 * MB) / (2 * MB) < 0.1);
});

test("non-finite samples are left out; bad options are refused with the reason", () => {
  const points = filling();
  const now = points[points.length - 1]!.ts;
  const withGaps = points.map((p, i) => (i % 10 === 0 ? { ts: p.ts, value: NaN } : p));
  const forecast = forecastExhaustion(withGaps, { limit: 0, direction: "down", now });
  assert.equal(forecast.state, "exhausting");
  assert.equal(forecast.fit.points, 121 - 13);

  assert.throws(() => forecastExhaustion(points, { limit: NaN, direction: "down", now }), /limit must be a finite number, got NaN/);
  assert.throws(() => forecastExhaustion(points, { limit: 0, direction: "sideways" as "up", now }), /direction must be "down" or "up", got "sideways"/);
  assert.throws(() => forecastExhaustion(points, { limit: 0, direction: "up", now: Infinity }), /now must be a finite time in ms/);
  assert.throws(() => forecastExhaustion(points, { limit: 0, direction: "up", now, minPoints: 2 }), /minPoints must be an integer >= 3/);
  assert.throws(() => forecastExhaustion([...points].reverse(), { limit: 0, direction: "down", now }), /increasing ts order/);
});

test("least squares and Holt can be chosen; on a clean line all three agree", () => {
  const points = filling();
  const now = points[points.length - 1]!.ts;
  const etas = (["theil-sen", "least-squares", "holt"] as const).map(
    (method) => forecastExhaustion(points, { limit: 0, direction: "down", now, method }).etaMs!,
  );
  assert.ok(etas.every((eta) => Math.abs(eta - etas[0]!) < 1), etas.join(", "));
});
