// Whether a series was climbing (or falling) towards its limit before the onset, and how
// fast: a Theil–Sen line (src/detect/forecast/trend.ts) over the last minutes before the
// onset, kept only when its slope is clearly not noise. Gives "rising 4 MB/s".
import { fitTrend } from "../../detect/forecast/trend.js";
import type { Point } from "../../tsdb/series-store.js";
import type { Direction } from "./series-abnormality.js";

export interface OnsetTrend {
  /** Units per second, signed. */
  perSecond: number;
  /** Robust r² of the line over the window. */
  fit: number;
}

/** A trend counts when its slope is ≥ this many standard errors from zero and the line explains most of the window. */
const MIN_T = 4;
const MIN_FIT = 0.6;

/** The trend of `points` in [from, to] in `direction`, or null when there is none (or fewer than 6 points). */
export function onsetTrend(points: readonly Point[], from: number, to: number, direction: Direction): OnsetTrend | null {
  const window = points.filter((p) => p.ts >= from && p.ts <= to);
  if (window.length < 6) return null;
  const fit = fitTrend(window, "theil-sen");
  const sign = direction === "up" ? 1 : -1;
  const t = fit.slopeStdError > 0 ? (sign * fit.slopePerMs) / fit.slopeStdError : sign * fit.slopePerMs > 0 ? Infinity : 0;
  if (t < MIN_T || fit.robustR2 < MIN_FIT) return null;
  return { perSecond: fit.slopePerMs * 1000, fit: fit.robustR2 };
}
