// Evidence from the value itself: the value and its smoothed levels (spans in points) set
// records when they leave the range they have shown since the detector settled.
import type { AnomalyDetectorOptions } from "../detector-options.js";
import type { EvidenceSlot, EvidenceSource } from "./evidence.js";
import { SmoothedFeatures } from "./smoothed-features.js";

export class ValueRecords implements EvidenceSource {
  private readonly features: SmoothedFeatures;
  private points = 0;

  constructor(private readonly options: AnomalyDetectorOptions) {
    this.features = new SmoothedFeatures("", options.valueSpans);
  }

  observe(_ts: number, value: number, points: number, scoring: boolean, slot: EvidenceSlot): void {
    this.points = points;
    this.features.advance(value);
    if (scoring) this.features.score(points, this.options, 0, slot);
  }

  learn(): void {
    if (this.points > this.options.settlePoints) this.features.learn();
  }

  narrowBand(band: { low: number; high: number }): void {
    const range = this.features.pointRange;
    if (range.count === 0) return;
    band.low = Math.max(band.low, range.low);
    band.high = Math.min(band.high, range.high);
  }
}
