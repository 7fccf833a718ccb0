// Straight-line trends over a window of (ts, value) points: Theil–Sen (the default), least
// squares and Holt's linear method, each judged by the same fit statistics so that the
// exhaustion forecast can trust, or distrust, the slope it extrapolates.
import type { Point } from "../../tsdb/series-store.js";
import { MAD_TO_SIGMA, meanAbsoluteDeviation, medianAbsoluteDeviation, medianInPlace } from "./robust-stats.js";

export type TrendMethod = "theil-sen" | "least-squares" | "holt";

/**
 * Theil–Sen is the default for exhaustion forecasts. Resource series carry outliers that are
 * not the trend: a log rotated, a temp file deleted, a GC returning memory, one late sample.
 * The median of pairwise slopes ignores up to 29% of such points (its breakdown point) where
 * one point with leverage can tilt a least-squares line; unlike Holt it has no smoothing
 * constants whose meaning depends on the sampling interval, and it is stateless over the window
 * the store already holds, so a server restart or a gap costs nothing. Its weakness, a new trend
 * that owns less than ~29% of the window, is covered by the rule evaluator also fitting the
 * window's recent part (see forecast-rule.ts).
 */
export const DEFAULT_TREND_METHOD: TrendMethod = "theil-sen";

/** Theil–Sen works on at most this many points: 200·199/2 = 19,900 pairwise slopes. */
export const THEIL_SEN_MAX_POINTS = 200;

/** The line value(ts) = valueAtAnchor + slopePerMs·(ts − anchorTs), and how well it fits the window. */
export interface TrendFit {
  method: TrendMethod;
  slopePerMs: number;
  /** The newest point's ts. */
  anchorTs: number;
  /** The line's value at anchorTs. */
  valueAtAnchor: number;
  /** 1 − SS_res/SS_tot about the line, clamped to [0, 1]; 0 for a constant series (nothing to explain). */
  r2: number;
  /**
   * The robust analogue: 1 − (MAD(residuals) / MAD(values))², clamped to [0, 1]. Outliers
   * move neither MAD, so a clean trend with a few spikes keeps a value near 1. (The values'
   * spread falls back to the mean absolute deviation when more than half of them are equal.)
   */
  robustR2: number;
  /** Robust standard deviation of the residuals: 1.4826·MAD (σ for normal noise). */
  residualSpread: number;
  /**
   * Standard error of the slope, σ/√Σ(tᵢ − t̄)², with σ the residual RMS for least squares
   * and residualSpread otherwise (Theil–Sen's efficiency under normal noise is ~0.9 of least
   * squares', so the least-squares formula is a fair approximation for it).
   */
  slopeStdError: number;
  points: number;
  spanMs: number;
}

/** The fitted line's value at `ts`. */
export function trendValueAt(fit: TrendFit, ts: number): number {
  return fit.valueAtAnchor + fit.slopePerMs * (ts - fit.anchorTs);
}

/** The fit statistic a forecast should trust: r² for least squares, the robust r² for the robust methods. */
export function fitQuality(fit: TrendFit): number {
  return fit.method === "least-squares" ? fit.r2 : fit.robustR2;
}

export interface TrendOptions {
  /** Theil–Sen: reduce larger windows to this many block medians (default THEIL_SEN_MAX_POINTS). */
  maxPoints?: number;
  /** Holt: see HoltOptions. */
  holt?: HoltOptions;
}

/** Fits `points` (at least two, in increasing ts order, finite values) with `method`. */
export function fitTrend(points: readonly Point[], method: TrendMethod = DEFAULT_TREND_METHOD, options: TrendOptions = {}): TrendFit {
  switch (method) {
    case "theil-sen":
      return theilSen(points, options.maxPoints);
    case "least-squares":
      return leastSquares(points);
    case "holt":
      return holtFit(points, options.holt);
    default:
      throw new RangeError(`fitTrend: unknown method ${JSON.stringify(method)}; expected theil-sen, least-squares or holt`);
  }
}

/**
 * Theil–Sen: slope = median over pairs i < j of (yⱼ − yᵢ)/(tⱼ − tᵢ); the line passes through
 * the median of yᵢ − slope·(tᵢ − anchor). Exact for n ≤ maxPoints (O(n²) pairs, median by
 * selection). Larger windows are first cut into maxPoints contiguous blocks, each replaced by
 * (median ts, median value): a block median ignores a minority of outliers in its block, the
 * slope median ignores a minority of bad blocks, and the cost is O(n + maxPoints²) whatever n.
 */
export function theilSen(points: readonly Point[], maxPoints: number = THEIL_SEN_MAX_POINTS): TrendFit {
  checkWindow("theilSen", points);
  if (!Number.isInteger(maxPoints) || maxPoints < 2) {
    throw new RangeError(`theilSen: maxPoints must be an integer >= 2, got ${maxPoints}`);
  }
  const { ts, values } = points.length > maxPoints ? blockMedians(points, maxPoints) : columns(points);
  const m = ts.length;
  const slopes = new Float64Array((m * (m - 1)) / 2);
  let count = 0;
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const dt = ts[j]! - ts[i]!;
      if (dt > 0) slopes[count++] = (values[j]! - values[i]!) / dt;
    }
  }
  const slope = medianInPlace(slopes, count);
  const anchorTs = points[points.length - 1]!.ts;
  const offsets = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) offsets[i] = points[i]!.value + slope * (anchorTs - points[i]!.ts);
  return withFitStatistics("theil-sen", points, slope, medianInPlace(offsets));
}

/** Ordinary least squares: slope = Σ(tᵢ − t̄)(yᵢ − ȳ) / Σ(tᵢ − t̄)², through (t̄, ȳ). O(n). */
export function leastSquares(points: readonly Point[]): TrendFit {
  checkWindow("leastSquares", points);
  const anchorTs = points[points.length - 1]!.ts;
  const { meanAge, meanValue } = means(points);
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    const dt = p.ts - anchorTs - meanAge;
    sxy += dt * (p.value - meanValue);
    sxx += dt * dt;
  }
  const slope = sxy / sxx;
  return withFitStatistics("least-squares", points, slope, meanValue - slope * meanAge);
}

/**
 * The mean of ts as an offset from the newest ts (≤ 0), and the mean value summed as offsets
 * from the first value: a ts near 1.7·10¹² ms has an ulp of 2.4·10⁻⁴ ms, which times a slope
 * of megabytes per second is a visible error, and a constant series would otherwise get a
 * mean a few ulps off itself, and a spurious variance.
 */
function means(points: readonly Point[]): { meanAge: number; meanValue: number } {
  const anchorTs = points[points.length - 1]!.ts;
  const baseValue = points[0]!.value;
  let sumAge = 0;
  let sumValue = 0;
  for (const p of points) {
    sumAge += p.ts - anchorTs;
    sumValue += p.value - baseValue;
  }
  return { meanAge: sumAge / points.length, meanValue: baseValue + sumValue / points.length };
}

export interface HoltOptions {
  /** Time for the level to move halfway from its forecast to a new observation (default 1 min). */
  levelHalfLifeMs?: number;
  /** Time for the trend to move halfway towards a new observed slope (default 5 min). */
  trendHalfLifeMs?: number;
}

const DEFAULT_LEVEL_HALF_LIFE_MS = 60_000;
const DEFAULT_TREND_HALF_LIFE_MS = 300_000;

/**
 * Holt's linear method (double exponential smoothing) for a stream with irregular intervals:
 * O(1) memory and work per point. With Δt since the last point, the predicted level is
 * ℓ + b·Δt; then
 *   ℓ' = predicted + α·(y − predicted),      α = 1 − 2^(−Δt / levelHalfLife)
 *   b' = b + β·((ℓ' − ℓ)/Δt − b),           β = 1 − 2^(−Δt / trendHalfLife)
 * Expressing α and β as half-lives in time (not per sample) makes the smoothing the same
 * whether samples arrive every 100 ms or every minute. The first point sets the level, the
 * second the trend (their difference quotient).
 */
export class HoltLinearTrend {
  private readonly levelHalfLifeMs: number;
  private readonly trendHalfLifeMs: number;
  private currentLevel = NaN;
  private currentTrendPerMs = 0;
  private newestTs = -Infinity;
  private seen = 0;

  constructor(options: HoltOptions = {}) {
    this.levelHalfLifeMs = options.levelHalfLifeMs ?? DEFAULT_LEVEL_HALF_LIFE_MS;
    this.trendHalfLifeMs = options.trendHalfLifeMs ?? DEFAULT_TREND_HALF_LIFE_MS;
    for (const [name, value] of [["levelHalfLifeMs", this.levelHalfLifeMs], ["trendHalfLifeMs", this.trendHalfLifeMs]] as const) {
      if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`HoltLinearTrend: ${name} must be a positive number of ms, got ${value}`);
    }
  }

  /** The smoothed value at lastTs (NaN before the first point). */
  get level(): number {
    return this.currentLevel;
  }

  get trendPerMs(): number {
    return this.currentTrendPerMs;
  }

  get lastTs(): number {
    return this.newestTs;
  }

  get count(): number {
    return this.seen;
  }

  update(ts: number, value: number): void {
    if (!Number.isFinite(ts) || !Number.isFinite(value)) {
      throw new RangeError(`HoltLinearTrend.update: ts and value must be finite numbers, got ts=${ts}, value=${value}`);
    }
    if (ts <= this.newestTs) {
      throw new RangeError(`HoltLinearTrend.update: ts ${ts} is not after the previous point's ts ${this.newestTs}`);
    }
    if (this.seen === 0) {
      this.currentLevel = value;
    } else {
      const dt = ts - this.newestTs;
      if (this.seen === 1) {
        this.currentTrendPerMs = (value - this.currentLevel) / dt;
        this.currentLevel = value;
      } else {
        const alpha = 1 - 2 ** (-dt / this.levelHalfLifeMs);
        const beta = 1 - 2 ** (-dt / this.trendHalfLifeMs);
        const predicted = this.currentLevel + this.currentTrendPerMs * dt;
        const level = predicted + alpha * (value - predicted);
        this.currentTrendPerMs += beta * ((level - this.currentLevel) / dt - this.currentTrendPerMs);
        this.currentLevel = level;
      }
    }
    this.newestTs = ts;
    this.seen++;
  }

  /** The level extrapolated along the trend to `ts`. */
  forecastAt(ts: number): number {
    return this.currentLevel + this.currentTrendPerMs * (ts - this.newestTs);
  }
}

/** Runs Holt's method over the window; the fit is the final level and trend, judged against the whole window. */
export function holtFit(points: readonly Point[], options: HoltOptions = {}): TrendFit {
  checkWindow("holtFit", points);
  const holt = new HoltLinearTrend(options);
  for (const p of points) holt.update(p.ts, p.value);
  return withFitStatistics("holt", points, holt.trendPerMs, holt.level);
}

/**
 * The statistics every method is judged by, about the line through (anchor = newest ts,
 * valueAtAnchor) with `slope`: r², robust r², residual spread and the slope's standard error.
 */
function withFitStatistics(method: TrendMethod, points: readonly Point[], slope: number, valueAtAnchor: number): TrendFit {
  const n = points.length;
  const anchorTs = points[n - 1]!.ts;
  const residuals = new Float64Array(n);
  const { meanAge, meanValue } = means(points);
  let ssRes = 0;
  let ssTot = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    const p = points[i]!;
    const r = p.value - (valueAtAnchor + slope * (p.ts - anchorTs));
    residuals[i] = r;
    ssRes += r * r;
    ssTot += (p.value - meanValue) ** 2;
    sxx += (p.ts - anchorTs - meanAge) ** 2;
  }
  const valueSpread = medianAbsoluteDeviation(points.map((p) => p.value)) || meanAbsoluteDeviation(points.map((p) => p.value));
  const residualMad = medianAbsoluteDeviation(residuals);
  const residualSpread = MAD_TO_SIGMA * residualMad;
  const sigma = method === "least-squares" ? Math.sqrt(ssRes / Math.max(1, n - 2)) : residualSpread;
  return {
    method,
    slopePerMs: slope,
    anchorTs,
    valueAtAnchor,
    r2: ssTot > 0 ? clamp01(1 - ssRes / ssTot) : 0,
    robustR2: valueSpread > 0 ? clamp01(1 - (residualMad / valueSpread) ** 2) : 0,
    residualSpread,
    slopeStdError: sigma / Math.sqrt(sxx),
    points: n,
    spanMs: anchorTs - points[0]!.ts,
  };
}

/** Contiguous blocks of ⌈n/blocks⌉ points, each as (median ts, median value). */
function blockMedians(points: readonly Point[], blocks: number): { ts: Float64Array; values: Float64Array } {
  const size = Math.ceil(points.length / blocks);
  const count = Math.ceil(points.length / size);
  const ts = new Float64Array(count);
  const values = new Float64Array(count);
  const work = new Float64Array(size);
  for (let b = 0; b < count; b++) {
    const start = b * size;
    const end = Math.min(points.length, start + size);
    const length = end - start;
    // ts are increasing, so the block's median ts is its middle (or the mean of the middle two).
    const mid = start + (length >> 1);
    ts[b] = length % 2 === 1 ? points[mid]!.ts : (points[mid - 1]!.ts + points[mid]!.ts) / 2;
    for (let i = 0; i < length; i++) work[i] = points[start + i]!.value;
    values[b] = medianInPlace(work, length);
  }
  return { ts, values };
}

function columns(points: readonly Point[]): { ts: Float64Array; values: Float64Array } {
  return { ts: Float64Array.from(points, (p) => p.ts), values: Float64Array.from(points, (p) => p.value) };
}

/** A window a line can be fitted to: ≥ 2 points, finite, ts strictly increasing. */
function checkWindow(caller: string, points: readonly Point[]): void {
  if (points.length < 2) throw new RangeError(`${caller}: need at least 2 points, got ${points.length}`);
  for (let i = 0; i < points.length; i++) {
    const { ts, value } = points[i]!;
    if (!Number.isFinite(ts) || !Number.isFinite(value)) {
      throw new RangeError(`${caller}: point ${i} must have a finite ts and value, got ts=${ts}, value=${value}`);
    }
    if (i > 0 && ts <= points[i - 1]!.ts) {
      throw new RangeError(`${caller}: points must be in increasing ts order; point ${i} (ts ${ts}) is not after point ${i - 1} (ts ${points[i - 1]!.ts})`);
    }
  }
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
