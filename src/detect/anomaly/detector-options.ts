// The anomaly detector's settings and their defaults. The defaults are global: they were
// chosen once on the public NAB subset (see README.md in this folder), never per series.

export interface AnomalyDetectorOptions {
  /** Points learned before any probability is reported (they still teach every feature). */
  warmupPoints: number;
  /** Points before the value features start learning their ranges (the smoothed means settle meanwhile). */
  settlePoints: number;
  /** Points a feature's range must have learned before it can raise evidence. */
  minRangePoints: number;
  /** Spans, in points, of the exponentially weighted means of the value; span 1 is the value itself. */
  valueSpans: readonly number[];
  /** Seasonal contexts: the value minus its hour-of-period profile, with these spans. */
  seasons: readonly SeasonOptions[];
  /** Width of a profile bin in ms (one hour: a daily profile has 24 bins, a weekly one 168). */
  seasonBinMs: number;
  /** Per-point learning rate of a profile bin. */
  seasonLearningRate: number;
  /** Per-point rate of the slow level the profiles are measured from. */
  seasonLevelRate: number;
  /** Added to the surprise of seasonal records (decades): a profile is a noisier reference than the whole range. */
  seasonSurpriseOffset: number;
  /** Drift evidence: the level smoothed over `span` points against the range the value had `lagPoints` to 2·`lagPoints` ago. */
  drift: { span: number; lagPoints: number; surpriseOffset: number } | null;
  /** α: the tail index of a record's excess; larger α makes the size of the excess count for more. */
  excessTailIndex: number;
  /** r0: the excess (as a fraction of the range) that adds nothing to the surprise of being a record. */
  referenceExcess: number;
  /** An alarm hides weaker evidence for this many points (a stronger record still gets through). */
  maskPoints: number;
  /** A record during the mask gets through when its surprise beats the alarm's by this many decades. */
  maskMargin: number;
  /** Logistic slope a and midpoint b (decades) of P(s) = 1 / (1 + e^(−a(s − b))). */
  logisticSlope: number;
  logisticMidpoint: number;
}

export interface SeasonOptions {
  name: string;
  periodMs: number;
  spans: readonly number[];
  /** Full periods of data before the context raises evidence (its ranges start learning after one). */
  minPeriods: number;
}

const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

/**
 * The logistic maps a surprise s (decades) to a probability. b = 3.9 decades puts P = 0.5 at
 * the operating point the NAB threshold sweep selects (the best global threshold there is
 * P ≈ 0.4996, i.e. s ≈ 3.9: a record as unlikely as about 1 in 8,000). a = ln 9 makes one
 * decade either side of b span P = 0.1 … 0.9, so the probability stays readable:
 * s = 2.9 → 0.10, 3.9 → 0.50, 4.9 → 0.90, 5.9 → 0.99.
 */
export const DEFAULT_LOGISTIC_SLOPE = Math.log(9);
export const DEFAULT_LOGISTIC_MIDPOINT = 3.9;

export const DEFAULT_ANOMALY_DETECTOR_OPTIONS: Readonly<AnomalyDetectorOptions> = Object.freeze({
  warmupPoints: 150,
  settlePoints: 30,
  minRangePoints: 30,
  valueSpans: [1, 12, 48, 192],
  seasons: [
    { name: "daily", periodMs: DAY_MS, spans: [1, 12, 48], minPeriods: 1 },
    { name: "weekly", periodMs: WEEK_MS, spans: [1, 12, 48], minPeriods: 2 },
  ],
  seasonBinMs: HOUR_MS,
  seasonLearningRate: 0.05,
  seasonLevelRate: 0.002,
  seasonSurpriseOffset: -0.5,
  drift: { span: 192, lagPoints: 2000, surpriseOffset: -1 },
  excessTailIndex: 1.5,
  referenceExcess: 0.01,
  maskPoints: 115,
  maskMargin: 0.3,
  logisticSlope: DEFAULT_LOGISTIC_SLOPE,
  logisticMidpoint: DEFAULT_LOGISTIC_MIDPOINT,
});

/** The defaults with `overrides` applied; throws a RangeError naming the first bad setting. */
export function resolveDetectorOptions(overrides: Partial<AnomalyDetectorOptions> = {}): AnomalyDetectorOptions {
  const options = { ...DEFAULT_ANOMALY_DETECTOR_OPTIONS, ...overrides };
  const problem = optionsProblem(options);
  if (problem) throw new RangeError(`anomaly detector: ${problem}`);
  return options;
}

function optionsProblem(o: AnomalyDetectorOptions): string | null {
  const positiveInt = (v: number) => Number.isInteger(v) && v >= 1;
  if (!Number.isInteger(o.warmupPoints) || o.warmupPoints < 0) return `warmupPoints must be an integer ≥ 0, got ${o.warmupPoints}`;
  if (!Number.isInteger(o.settlePoints) || o.settlePoints < 0) return `settlePoints must be an integer ≥ 0, got ${o.settlePoints}`;
  if (!positiveInt(o.minRangePoints)) return `minRangePoints must be an integer ≥ 1, got ${o.minRangePoints}`;
  if (o.valueSpans.length === 0 || !o.valueSpans.every((s) => s >= 1)) return `valueSpans must be spans ≥ 1, got [${o.valueSpans.join(", ")}]`;
  for (const season of o.seasons) {
    if (!(season.periodMs >= 2 * o.seasonBinMs) || !Number.isInteger(season.periodMs / o.seasonBinMs)) {
      return `season ${season.name}: periodMs must be a whole number (≥ 2) of seasonBinMs, got ${season.periodMs}`;
    }
    if (season.spans.length === 0 || !season.spans.every((s) => s >= 1)) return `season ${season.name}: spans must be ≥ 1`;
    if (!(season.minPeriods >= 1)) return `season ${season.name}: minPeriods must be ≥ 1, got ${season.minPeriods}`;
  }
  if (!(o.seasonBinMs > 0)) return `seasonBinMs must be > 0, got ${o.seasonBinMs}`;
  if (!(o.seasonLearningRate > 0 && o.seasonLearningRate <= 1)) return `seasonLearningRate must be in (0, 1], got ${o.seasonLearningRate}`;
  if (!(o.seasonLevelRate > 0 && o.seasonLevelRate <= 1)) return `seasonLevelRate must be in (0, 1], got ${o.seasonLevelRate}`;
  if (o.drift && (!(o.drift.span >= 1) || !positiveInt(o.drift.lagPoints))) return `drift needs span ≥ 1 and an integer lagPoints ≥ 1`;
  if (!(o.excessTailIndex > 0)) return `excessTailIndex must be > 0, got ${o.excessTailIndex}`;
  if (!(o.referenceExcess > 0)) return `referenceExcess must be > 0, got ${o.referenceExcess}`;
  if (!Number.isInteger(o.maskPoints) || o.maskPoints < 0) return `maskPoints must be an integer ≥ 0, got ${o.maskPoints}`;
  if (!(o.maskMargin >= 0)) return `maskMargin must be ≥ 0, got ${o.maskMargin}`;
  if (!(o.logisticSlope > 0)) return `logisticSlope must be > 0, got ${o.logisticSlope}`;
  if (!Number.isFinite(o.logisticMidpoint)) return `logisticMidpoint must be a number, got ${o.logisticMidpoint}`;
  return null;
}
