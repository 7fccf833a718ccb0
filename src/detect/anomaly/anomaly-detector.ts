// The streaming anomaly detector of one series: evidence sources score how far each feature
// of the point breaks its own history, the strongest evidence passes the alarm mask, and the
// logistic turns its surprise into a probability. O(1) work and memory per point; no look-ahead.
import { AlarmMask } from "./alarm-mask.js";
import { resolveDetectorOptions, type AnomalyDetectorOptions } from "./detector-options.js";
import { DriftRecords } from "./evidence/drift-records.js";
import type { EvidenceSlot, EvidenceSource } from "./evidence/evidence.js";
import { SeasonalRecords } from "./evidence/seasonal-records.js";
import { ValueRecords } from "./evidence/value-records.js";
import { logistic } from "./logistic.js";

export interface AnomalyResult {
  /** How likely the point is an anomaly, in [0, 1]; 0 during the warm-up and while masked. */
  probability: number;
  /** Values that would have set no record at this point (the history's range in its context). */
  expected: { low: number; high: number };
  evidence: AnomalyEvidence;
}

export interface AnomalyEvidence {
  /** −log10 of how likely a record this far beyond the history is (decades); 0 when there was none. */
  surprise: number;
  /** The feature that set the strongest record ("value", "mean48", "daily.mean12", "drift192"), or null. */
  feature: string | null;
  /** How far past that feature's range, as a fraction of the range's width (0 when none). */
  excess: number;
  /** True when the evidence was held back (probability 0) because a stronger alarm was raised shortly before. */
  masked: boolean;
  /** Points learned so far, this one included. */
  points: number;
}

export interface AnomalyDetector {
  /** Scores a point from the points before it and then learns it. Non-finite input is skipped (probability 0, nothing learned). */
  update(ts: number, value: number): AnomalyResult;
}

export class RecordAnomalyDetector implements AnomalyDetector {
  private readonly options: AnomalyDetectorOptions;
  private readonly valueSource: ValueRecords;
  private readonly sources: EvidenceSource[];
  private readonly mask: AlarmMask;
  /** Surprise from which a point counts as alarming: one decade below the midpoint, P = 0.1. */
  private readonly alarmSurprise: number;
  private readonly slot: EvidenceSlot = { surprise: -Infinity, feature: null, excess: 0 };
  private points = 0;

  constructor(overrides: Partial<AnomalyDetectorOptions> = {}) {
    this.options = resolveDetectorOptions(overrides);
    const o = this.options;
    this.valueSource = new ValueRecords(o);
    this.sources = [this.valueSource, ...o.seasons.map((season) => new SeasonalRecords(season, o))];
    if (o.drift) this.sources.push(new DriftRecords(o.drift, o));
    this.alarmSurprise = o.logisticMidpoint - 1;
    this.mask = new AlarmMask(o.maskPoints, o.maskMargin, this.alarmSurprise);
  }

  update(ts: number, value: number): AnomalyResult {
    if (!Number.isFinite(ts) || !Number.isFinite(value)) {
      return { probability: 0, expected: { low: NaN, high: NaN }, evidence: this.noEvidence(false) };
    }
    const points = ++this.points;
    const scoring = points > this.options.warmupPoints;
    const slot = this.slot;
    slot.surprise = -Infinity;
    slot.feature = null;
    slot.excess = 0;
    for (const source of this.sources) source.observe(ts, value, points, scoring, slot);
    const expected = this.expectedBand(value);
    const alarming = slot.surprise >= this.alarmSurprise;
    for (const source of this.sources) source.learn(alarming);
    if (!scoring) return { probability: 0, expected, evidence: this.noEvidence(false) };

    const shown = this.mask.filter(points, slot.surprise);
    if (shown === -Infinity) {
      if (slot.surprise === -Infinity) return { probability: 0, expected, evidence: this.noEvidence(false) };
      return { probability: 0, expected, evidence: { surprise: slot.surprise, feature: slot.feature, excess: slot.excess, masked: true, points } };
    }
    return {
      probability: logistic(shown, this.options.logisticSlope, this.options.logisticMidpoint),
      expected,
      evidence: { surprise: shown, feature: slot.feature, excess: slot.excess, masked: false, points },
    };
  }

  /** The value range, narrowed by every seasonal context that has a band now; the value range alone if they disagree. */
  private expectedBand(value: number): { low: number; high: number } {
    const band = { low: -Infinity, high: Infinity };
    this.valueSource.narrowBand(band);
    if (band.low === -Infinity) return { low: value, high: value };
    const valueBand = { low: band.low, high: band.high };
    for (const source of this.sources) if (source !== this.valueSource) source.narrowBand(band);
    return band.low <= band.high ? band : valueBand;
  }

  private noEvidence(masked: boolean): AnomalyEvidence {
    return { surprise: 0, feature: null, excess: 0, masked, points: this.points };
  }
}

/** A detector with the default (NAB-tuned, global) settings, or with some of them overridden. */
export function createAnomalyDetector(overrides: Partial<AnomalyDetectorOptions> = {}): AnomalyDetector {
  return new RecordAnomalyDetector(overrides);
}
