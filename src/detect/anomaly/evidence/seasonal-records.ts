// Evidence in a seasonal context: the value minus its hour-of-day (or hour-of-week) profile,
// and the smoothed levels of that deviation, set records against their own ranges. A peak
// that does not come, or comes at the wrong hour, is a record here though not in the value.
import type { AnomalyDetectorOptions, SeasonOptions } from "../detector-options.js";
import { SamplingInterval } from "../sampling-interval.js";
import { SeasonalProfile } from "../seasonal-profile.js";
import type { EvidenceSlot, EvidenceSource } from "./evidence.js";
import { SmoothedFeatures } from "./smoothed-features.js";

/** A profile needs this many points per period to describe it (hourly data: a daily profile, not a weekly one of 5-minute bins). */
const MIN_POINTS_PER_PERIOD = 12;

export class SeasonalRecords implements EvidenceSource {
  private readonly profile: SeasonalProfile;
  private readonly features: SmoothedFeatures;
  private readonly interval = new SamplingInterval();
  private firstTs = NaN;
  private level = NaN;
  private value = NaN;
  private bin = 0;
  private points = 0;
  private elapsedMs = 0;

  constructor(
    private readonly season: SeasonOptions,
    private readonly options: AnomalyDetectorOptions,
  ) {
    this.profile = new SeasonalProfile(season.periodMs, options.seasonBinMs);
    this.features = new SmoothedFeatures(`${season.name}.`, season.spans);
  }

  observe(ts: number, value: number, points: number, scoring: boolean, slot: EvidenceSlot): void {
    if (Number.isNaN(this.firstTs)) {
      this.firstTs = ts;
      this.level = value;
    }
    this.interval.observe(ts);
    this.points = points;
    this.value = value;
    this.elapsedMs = ts - this.firstTs;
    this.bin = this.profile.binOf(ts);
    const offset = this.profile.offsetAt(this.bin, value - this.level);
    this.features.advance(value - offset);
    this.level += this.options.seasonLevelRate * (value - this.level);
    if (scoring && this.raisesEvidence()) this.features.score(points, this.options, this.options.seasonSurpriseOffset, slot);
  }

  /** An alarming point is kept out of the profile, so one bad day does not teach the next that it was normal. */
  learn(alarming: boolean): void {
    if (!alarming) this.profile.learn(this.bin, this.value - this.level, this.options.seasonLearningRate);
    if (this.points > this.options.settlePoints && this.elapsedMs >= this.season.periodMs) this.features.learn();
  }

  narrowBand(band: { low: number; high: number }): void {
    if (!this.raisesEvidence()) return;
    const range = this.features.pointRange;
    if (range.count === 0) return;
    const offset = this.profile.offsetAt(this.bin, this.value - this.level);
    band.low = Math.max(band.low, offset + range.low);
    band.high = Math.min(band.high, offset + range.high);
  }

  private raisesEvidence(): boolean {
    const intervalMs = this.interval.intervalMs;
    const denseEnough = Number.isNaN(intervalMs) || intervalMs * MIN_POINTS_PER_PERIOD <= this.season.periodMs;
    return denseEnough && this.elapsedMs >= this.season.minPeriods * this.season.periodMs;
  }
}
