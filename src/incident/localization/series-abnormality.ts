// "High" means abnormal for this series: the values around the onset against the series'
// own earlier history, by a robust z-score (median and MAD of the baseline) and, when the
// history is long enough, by the streaming anomaly detector run over it.
import { createAnomalyDetector } from "../../detect/anomaly/anomaly-detector.js";
import { DEFAULT_ANOMALY_DETECTOR_OPTIONS } from "../../detect/anomaly/detector-options.js";
import { logistic } from "../../detect/anomaly/logistic.js";
import { MAD_TO_SIGMA, median, meanAbsoluteDeviation, medianAbsoluteDeviation } from "../../detect/forecast/robust-stats.js";
import type { Point } from "../../tsdb/series-store.js";

export type Direction = "up" | "down";

export interface Abnormality {
  /** How abnormal the window is for this series, in [0, 1]. */
  probability: number;
  /** Robust z of the window's most extreme value in `direction` (signed: positive = that way). */
  z: number;
  /** The baseline's median and robust σ. */
  usual: number;
  spread: number;
  /** The window's most extreme value in `direction`. */
  extreme: number;
  /** The anomaly detector's peak probability in the window (0 when the history was too short). */
  detectorProbability: number;
  /** First ts from which the series stayed beyond usual ± 3σ up to the window's extreme; null if never. */
  abnormalSince: number | null;
}

/** Fewer baseline points than this give no z-score (probability 0). */
export const MIN_BASELINE_POINTS = 8;

/**
 * z maps to a probability with DESIGN.md's logistic, P = 1 / (1 + e^(−a(z − b))): b = 4
 * (P = 0.5 at four robust σ: rare for any sane noise) and a = 1.1 (z = 6 → 0.9, z = 8 → 0.99).
 */
const Z_MIDPOINT = 4;
/** The anomaly detector's verdict needs at least this robust z behind it. */
const DETECTOR_MIN_Z = 3;
const Z_SLOPE = 1.1;

/**
 * The window is `points` with ts in [windowFrom, windowTo]; the baseline is every point before
 * windowFrom. The spread has a floor (1% of |usual|, `minSpread`, and 1e-9), so a constant
 * baseline does not make the least wiggle infinitely abnormal (an error rate that is always 0
 * needs a floor in its own unit).
 */
export function abnormality(
  points: readonly Point[],
  windowFrom: number,
  windowTo: number,
  direction: Direction,
  minSpread = 0,
): Abnormality | null {
  const baseline: number[] = [];
  const window: Point[] = [];
  for (const p of points) {
    if (p.ts < windowFrom) baseline.push(p.value);
    else if (p.ts <= windowTo) window.push(p);
  }
  if (window.length === 0) return null;
  const sign = direction === "up" ? 1 : -1;
  let extremePoint = window[0]!;
  for (const p of window) if (sign * p.value > sign * extremePoint.value) extremePoint = p;
  if (baseline.length < MIN_BASELINE_POINTS) {
    return { probability: 0, z: 0, usual: NaN, spread: NaN, extreme: extremePoint.value, detectorProbability: 0, abnormalSince: null };
  }
  const usual = median(baseline);
  const mad = medianAbsoluteDeviation(baseline) || meanAbsoluteDeviation(baseline);
  const spread = Math.max(MAD_TO_SIGMA * mad, 0.01 * Math.abs(usual), minSpread, 1e-9);
  const z = (sign * (extremePoint.value - usual)) / spread;
  const zProbability = z > 0 ? logistic(z, Z_SLOPE, Z_MIDPOINT) : 0;
  // The detector says "unusual for this history"; it counts only for a move that is also
  // large against the spread (with its floor): a stray 0.2 errors/s on a series that is
  // almost always 0 is a record, but no fault.
  const detectorProbability = z >= DETECTOR_MIN_Z ? detectorPeak(points, windowFrom, windowTo, direction, usual) : 0;
  // Walk back from the extreme while the series stays beyond 3σ: when the departure began.
  let abnormalSince: number | null = null;
  const limit = usual + sign * 3 * spread;
  for (let i = points.indexOf(extremePoint); i >= 0 && sign * (points[i]!.value - limit) > 0; i--) abnormalSince = points[i]!.ts;
  return { probability: Math.max(zProbability, detectorProbability), z, usual, spread, extreme: extremePoint.value, detectorProbability, abnormalSince };
}

/**
 * The anomaly detector over the whole history, its peak probability in the window (from the
 * surprise before the alarm mask, which only de-duplicates alarms), counted
 * only for points on the `direction` side of usual (a drop is no evidence of exhaustion).
 * Zero when the history up to the window is shorter than the detector's warm-up.
 */
function detectorPeak(points: readonly Point[], windowFrom: number, windowTo: number, direction: Direction, usual: number): number {
  let before = 0;
  for (const p of points) if (p.ts < windowFrom) before++;
  if (before <= DEFAULT_ANOMALY_DETECTOR_OPTIONS.warmupPoints) return 0;
  const detector = createAnomalyDetector();
  let peak = 0;
  for (const p of points) {
    if (p.ts > windowTo) break;
    const { evidence } = detector.update(p.ts, p.value);
    if (p.ts < windowFrom || evidence.surprise <= 0) continue;
    if (direction === "up" ? p.value <= usual : p.value >= usual) continue;
    // The surprise before the alarm mask: an alarm raised earlier in the fault must not hide it here.
    peak = Math.max(peak, logistic(evidence.surprise, DEFAULT_ANOMALY_DETECTOR_OPTIONS.logisticSlope, DEFAULT_ANOMALY_DETECTOR_OPTIONS.logisticMidpoint));
  }
  return peak;
}
