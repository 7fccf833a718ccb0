// Time until a resource runs out: fit a robust trend to a window of its samples, project it
// to the limit, and say how far to trust the projection. Pure: the caller supplies the
// points and the time.
import type { Point } from "../../tsdb/series-store.js";
import { medianInPlace } from "./robust-stats.js";
import { DEFAULT_TREND_METHOD, fitQuality, fitTrend, type TrendMethod } from "./trend.js";

/** "down": exhausted at or below the limit (free, available); "up": at or above it (used, size). */
export type Direction = "down" | "up";

export interface ExhaustionOptions {
  /** The value at which the resource is exhausted (0 free bytes, a used ratio of 1, a size cap). */
  limit: number;
  direction: Direction;
  /** The time the ETA is counted from (ms). */
  now: number;
  method?: TrendMethod;
  /** Fewer points than this give no forecast (default 5, at least 3). */
  minPoints?: number;
}

/**
 * exhausting: the trend heads for the limit (etaMs > 0); exhausted: the series is at or past
 * the limit now (etaMs 0); flat: no trend distinguishable from noise; receding: a real trend
 * away from the limit; insufficient-data: too few points or no time span.
 */
export type ExhaustionState = "exhausting" | "exhausted" | "flat" | "receding" | "insufficient-data";

export interface ExhaustionForecast {
  state: ExhaustionState;
  /** Time from `now` until the projected crossing; 0 when exhausted, null when there is no forecast. */
  etaMs: number | null;
  /** now + etaMs. */
  projectedAt?: number;
  /** The fitted slope in the metric's unit per second (0 without data). */
  trendPerSecond: number;
  /** How far to trust etaMs, in [0, 1]; 0 when there is no forecast. */
  confidence: number;
  /** Where the series stands at `now` (see RECENT_LEVEL_POINTS); null without data. */
  currentValue: number | null;
  fit: {
    method: TrendMethod;
    /** The fit statistic the confidence used: r² for least squares, the robust r² otherwise. */
    r2: number;
    /** Robust standard deviation of the residuals, in the metric's unit. */
    residualSpread: number;
    points: number;
    spanMs: number;
  };
}

export const DEFAULT_MIN_POINTS = 5;

/**
 * A trend counts only when its slope is at least this many standard errors from 0 (a t
 * statistic: with normal noise, |t| ≥ 3 happens by chance about 3 times in 1000). Real
 * series are autocorrelated, which makes t look better than it is; the fit-quality factor
 * of the confidence is what guards against that.
 */
export const SIGNIFICANT_SLOPE_T = 3;

/**
 * The current level is the median of the newest few points, each moved to `now` along the
 * trend: one outlier at the end cannot move it, and a level shift (files deleted, memory
 * freed) is followed after three samples, while the line through the whole window would lag.
 */
export const RECENT_LEVEL_POINTS = 5;

/** Points at which the data-support factor reaches 1 − 1/e: 10 points 0.63, 30 points 0.95. */
export const SUPPORT_SCALE_POINTS = 10;

/**
 * Projects the trend of `points` to `limit`.
 *
 * Math. With the fitted slope s (units/ms) and the current level L (RECENT_LEVEL_POINTS), a
 * series heading for the limit crosses it after etaMs = (limit − L) / s. There is a forecast
 * only when |s| / SE(s) ≥ SIGNIFICANT_SLOPE_T and s points at the limit. Its confidence is the
 * product of three factors in [0, 1]:
 *   fit     = r² of the trend (robust r² for Theil–Sen and Holt): how linear the window is;
 *   support = 1 − e^(−n/10): how many points back the fit;
 *   reach   = √min(1, span / horizon), with horizon = projectedAt − newest ts: projecting
 *             no further than the window spans is taken at face value; beyond it, trust
 *             halves each time the horizon quadruples (a random walk's spread grows with
 *             √time), so 1 h of data projected 3 days ahead keeps 12%.
 * A series already at or past the limit is "exhausted" with confidence = support: nothing is
 * extrapolated.
 */
export function forecastExhaustion(points: readonly Point[], options: ExhaustionOptions): ExhaustionForecast {
  const { limit, direction, now } = options;
  const method = options.method ?? DEFAULT_TREND_METHOD;
  const minPoints = options.minPoints ?? DEFAULT_MIN_POINTS;
  if (!Number.isFinite(limit)) throw new RangeError(`forecastExhaustion: limit must be a finite number, got ${limit}`);
  if (direction !== "down" && direction !== "up") {
    throw new RangeError(`forecastExhaustion: direction must be "down" or "up", got ${JSON.stringify(direction)}`);
  }
  if (!Number.isFinite(now)) throw new RangeError(`forecastExhaustion: now must be a finite time in ms, got ${now}`);
  if (!Number.isInteger(minPoints) || minPoints < 3) {
    throw new RangeError(`forecastExhaustion: minPoints must be an integer >= 3, got ${minPoints}`);
  }

  for (let i = 1; i < points.length; i++) {
    if (!(points[i]!.ts > points[i - 1]!.ts)) {
      throw new RangeError(
        `forecastExhaustion: points must be in increasing ts order; point ${i} (ts ${points[i]!.ts}) is not after point ${i - 1} (ts ${points[i - 1]!.ts})`,
      );
    }
  }
  // NaN or infinite samples carry no level; they are left out rather than poisoning the fit.
  const usable = points.every((p) => Number.isFinite(p.value)) ? points : points.filter((p) => Number.isFinite(p.value));
  const spanMs = usable.length > 0 ? usable[usable.length - 1]!.ts - usable[0]!.ts : 0;
  if (usable.length < minPoints || !(spanMs > 0)) {
    return {
      state: "insufficient-data",
      etaMs: null,
      trendPerSecond: 0,
      confidence: 0,
      currentValue: usable.length > 0 ? usable[usable.length - 1]!.value : null,
      fit: { method, r2: 0, residualSpread: 0, points: usable.length, spanMs: Math.max(0, spanMs) },
    };
  }

  const fit = fitTrend(usable, method);
  const slope = fit.slopePerMs;
  const tStatistic = slope === 0 ? 0 : fit.slopeStdError > 0 ? Math.abs(slope) / fit.slopeStdError : Infinity;
  const significant = tStatistic >= SIGNIFICANT_SLOPE_T;
  const level = currentLevel(usable, significant ? slope : 0, now);
  const support = 1 - Math.exp(-usable.length / SUPPORT_SCALE_POINTS);
  const base = {
    trendPerSecond: slope * 1000,
    currentValue: level,
    fit: { method, r2: fitQuality(fit), residualSpread: fit.residualSpread, points: fit.points, spanMs: fit.spanMs },
  };

  const reached = direction === "down" ? level <= limit : level >= limit;
  if (reached) return { state: "exhausted", etaMs: 0, projectedAt: now, confidence: support, ...base };
  if (!significant) return { state: "flat", etaMs: null, confidence: 0, ...base };
  const towardLimit = direction === "down" ? slope < 0 : slope > 0;
  if (!towardLimit) return { state: "receding", etaMs: null, confidence: 0, ...base };

  const etaMs = (limit - level) / slope;
  const projectedAt = now + etaMs;
  const horizonMs = projectedAt - usable[usable.length - 1]!.ts;
  const reach = horizonMs <= fit.spanMs ? 1 : Math.sqrt(fit.spanMs / horizonMs);
  return { state: "exhausting", etaMs, projectedAt, confidence: base.fit.r2 * support * reach, ...base };
}

/** Median of the newest RECENT_LEVEL_POINTS values, each carried to `now` along the slope. */
function currentLevel(points: readonly Point[], slopePerMs: number, now: number): number {
  const count = Math.min(points.length, RECENT_LEVEL_POINTS);
  const carried = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const p = points[points.length - 1 - i]!;
    carried[i] = p.value + slopePerMs * (now - p.ts);
  }
  return medianInPlace(carried);
}
