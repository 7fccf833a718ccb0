import { test } from "node:test";
import assert from "node:assert/strict";
import {
  fitQuality,
  fitTrend,
  holtFit,
  HoltLinearTrend,
  leastSquares,
  theilSen,
  trendValueAt,
  type TrendMethod,
} from "../../../src/detect/forecast/trend.js";
import { median, medianAbsoluteDeviation, meanAbsoluteDeviation } from "../../../src/detect/forecast/robust-stats.js";
import { line } from "./series-fixtures.js";

const T0 = 1_700_000_000_000;
const METHODS: TrendMethod[] = ["theil-sen", "least-squares", "holt"];

test("median and MAD by selection agree with their definitions, and leave the input alone", () => {
  const values = [9, 1, 7, 3, 5];
  assert.equal(median(values), 5);
  assert.deepEqual(values, [9, 1, 7, 3, 5]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([2, 2, 2, 1, 2, 2]), 2);
  assert.ok(Number.isNaN(median([])));
  // |x − 5| = 4, 4, 2, 2, 0 → median 2.
  assert.equal(medianAbsoluteDeviation(values), 2);
  // Mostly equal values: the MAD is 0 however far the rest lie; the mean absolute deviation is not.
  assert.equal(medianAbsoluteDeviation([1, 1, 1, 1, 100]), 0);
  assert.equal(meanAbsoluteDeviation([1, 1, 1, 1, 100]), 99 / 5);
  // Sorted, reversed and repetitive input (quickselect's bad cases) still give the median.
  const sorted = Array.from({ length: 10_001 }, (_, i) => i);
  assert.equal(median(sorted), 5000);
  assert.equal(median([...sorted].reverse()), 5000);
  assert.equal(median(Array.from({ length: 1000 }, (_, i) => i % 3)), 1);
});

test("every method recovers the exact slope and level of a clean line sampled at irregular intervals", () => {
  const points = line({ start: T0, count: 120, intervalMs: 1000, jitter: 0.8, initial: 5e9, perSecond: -2.1 * 2 ** 20 });
  const last = points[points.length - 1]!;
  for (const method of METHODS) {
    const fit = fitTrend(points, method);
    assert.equal(fit.method, method);
    assert.ok(Math.abs(fit.slopePerMs * 1000 - -2.1 * 2 ** 20) < 1e-3, `${method}: slope ${fit.slopePerMs * 1000}`);
    assert.equal(fit.anchorTs, last.ts);
    assert.ok(Math.abs(fit.valueAtAnchor - last.value) < 1e-2, `${method}: level ${fit.valueAtAnchor} vs ${last.value}`);
    assert.ok(Math.abs(trendValueAt(fit, T0) - 5e9) < 1, `${method}: value at the start`);
    assert.ok(fit.r2 > 0.999999 && fit.robustR2 > 0.999999, `${method}: r² ${fit.r2}, robust ${fit.robustR2}`);
    assert.equal(fit.points, 120);
    assert.equal(fit.spanMs, last.ts - T0);
  }
});

test("Theil–Sen keeps the slope through 20% outliers that tilt least squares", () => {
  // Free bytes falling 1 MB/s; the last 20% of samples are glitches reading half the value
  // (points at the end of the window have the most leverage on a least-squares line).
  const clean = line({ start: T0, count: 200, intervalMs: 1000, initial: 10e9, perSecond: -1e6, noise: 1e5, seed: 3 });
  const points = clean.map((p, i) => (i >= 160 ? { ts: p.ts, value: p.value / 2 } : p));
  const robust = theilSen(points);
  const ols = leastSquares(points);
  assert.ok(Math.abs(robust.slopePerMs * 1000 - -1e6) / 1e6 < 0.02, `Theil–Sen slope ${robust.slopePerMs * 1000}`);
  assert.ok(Math.abs(ols.slopePerMs * 1000 - -1e6) / 1e6 > 0.5, `least-squares slope ${ols.slopePerMs * 1000} should be far off`);
  // The robust fit statistic still sees a clean trend; the classic one is ruined by the outliers.
  assert.ok(robust.robustR2 > 0.95, `robust r² ${robust.robustR2}`);
  assert.ok(robust.r2 < 0.5, `classic r² about the robust line ${robust.r2}`);
  assert.equal(fitQuality(robust), robust.robustR2);
  assert.equal(fitQuality(ols), ols.r2);
});

test("Theil–Sen over a large window stays exact on a clean line and bounded in cost", () => {
  const points = line({ start: T0, count: 200_000, intervalMs: 100, initial: 1e6, perSecond: 250 });
  const started = performance.now();
  const fit = theilSen(points);
  const elapsed = performance.now() - started;
  assert.ok(Math.abs(fit.slopePerMs * 1000 - 250) < 1e-6, `slope ${fit.slopePerMs * 1000}`);
  assert.equal(fit.points, 200_000);
  // All 2·10¹⁰ pairs would take minutes; block medians keep it to O(n + 200²).
  assert.ok(elapsed < 5000, `took ${elapsed.toFixed(0)} ms`);
  // Block medians also shrug off outliers spread through a long window.
  const noisy = line({ start: T0, count: 20_000, intervalMs: 100, initial: 1e6, perSecond: 250, noise: 50, seed: 5 });
  for (let i = 0; i < noisy.length; i += 7) noisy[i] = { ts: noisy[i]!.ts, value: 0 };
  assert.ok(Math.abs(theilSen(noisy).slopePerMs * 1000 - 250) < 2.5);
});

test("fit quality is high for a clean trend and near zero for noise around a flat level", () => {
  const trend = line({ start: T0, count: 100, intervalMs: 1000, initial: 100, perSecond: 1, noise: 2, seed: 11 });
  const flat = line({ start: T0, count: 100, intervalMs: 1000, initial: 100, perSecond: 0, noise: 2, seed: 11 });
  for (const method of ["theil-sen", "least-squares"] as const) {
    const good = fitTrend(trend, method);
    const bad = fitTrend(flat, method);
    assert.ok(fitQuality(good) > 0.95, `${method} on a trend: ${fitQuality(good)}`);
    assert.ok(fitQuality(bad) < 0.2, `${method} on noise: ${fitQuality(bad)}`);
    // The residual spread estimates the noise's σ = 2.
    assert.ok(good.residualSpread > 1.5 && good.residualSpread < 2.6, `${method} spread ${good.residualSpread}`);
    // The slope's standard error, σ·√12/(span·√n) ≈ 2·3.46/(99 s·10) ≈ 0.007 per second.
    assert.ok(good.slopeStdError * 1000 > 0.004 && good.slopeStdError * 1000 < 0.011, `${method} SE ${good.slopeStdError * 1000}`);
  }
  // A constant series has nothing to explain.
  const constant = line({ start: T0, count: 10, intervalMs: 1000, initial: 7, perSecond: 0 });
  assert.equal(theilSen(constant).slopePerMs, 0);
  assert.equal(theilSen(constant).r2, 0);
  assert.equal(theilSen(constant).robustR2, 0);
});

test("Holt's method follows a change of slope, the same whether sampled every 100 ms or every 2 s", () => {
  const options = { levelHalfLifeMs: 10_000, trendHalfLifeMs: 30_000 };
  for (const intervalMs of [100, 2000]) {
    const holt = new HoltLinearTrend(options);
    // 10 minutes rising 1/s, then 10 minutes rising 5/s.
    for (let ts = 0; ts <= 1_200_000; ts += intervalMs) {
      const value = ts <= 600_000 ? ts / 1000 : 600 + (5 * (ts - 600_000)) / 1000;
      holt.update(T0 + ts, value);
    }
    // Twenty trend half-lives after the change, the old slope has long been forgotten.
    assert.ok(Math.abs(holt.trendPerMs * 1000 - 5) < 0.05, `${intervalMs} ms: trend ${holt.trendPerMs * 1000}`);
    assert.ok(Math.abs(holt.forecastAt(T0 + 1_260_000) - (3600 + 300)) < 10, `${intervalMs} ms: forecast ${holt.forecastAt(T0 + 1_260_000)}`);
  }
  const fit = holtFit(line({ start: T0, count: 50, intervalMs: 1000, initial: 0, perSecond: 3 }), options);
  assert.ok(Math.abs(fit.slopePerMs * 1000 - 3) < 1e-9);
});

test("bad input is refused with the reason", () => {
  assert.throws(() => theilSen([{ ts: T0, value: 1 }]), /theilSen: need at least 2 points, got 1/);
  assert.throws(
    () => leastSquares([{ ts: T0, value: 1 }, { ts: T0, value: 2 }]),
    /leastSquares: points must be in increasing ts order; point 1 \(ts 1700000000000\) is not after point 0/,
  );
  assert.throws(() => holtFit([{ ts: T0, value: 1 }, { ts: T0 + 1, value: NaN }]), /holtFit: point 1 must have a finite ts and value/);
  assert.throws(() => theilSen(line({ start: T0, count: 5, intervalMs: 1, initial: 0, perSecond: 1 }), 1), /maxPoints must be an integer >= 2/);
  assert.throws(() => fitTrend(line({ start: T0, count: 5, intervalMs: 1, initial: 0, perSecond: 1 }), "cubic" as TrendMethod), /unknown method "cubic"/);
  assert.throws(() => new HoltLinearTrend({ trendHalfLifeMs: 0 }), /trendHalfLifeMs must be a positive number of ms, got 0/);
  const holt = new HoltLinearTrend();
  holt.update(T0, 1);
  assert.throws(() => holt.update(T0, 2), /ts 1700000000000 is not after the previous point's ts/);
});
