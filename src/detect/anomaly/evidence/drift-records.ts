// Drift evidence: a slow level (smoothed over `span` points) compared with the range the value
// had one to two lags ago. A drift too slow to set a record against the range that moves
// with it shows up here once it has carried the level past where the series used to be.
import type { AnomalyDetectorOptions } from "../detector-options.js";
import { FeatureRange, recordSurprise } from "../record-surprise.js";
import { offerEvidence, type EvidenceSlot, type EvidenceSource } from "./evidence.js";

interface Snapshot {
  low: number;
  high: number;
}

export class DriftRecords implements EvidenceSource {
  private readonly rate: number;
  private level = NaN;
  private readonly range = new FeatureRange();
  private older: Snapshot | null = null;
  private newer: Snapshot | null = null;
  private value = NaN;
  private points = 0;

  constructor(
    private readonly drift: NonNullable<AnomalyDetectorOptions["drift"]>,
    private readonly options: AnomalyDetectorOptions,
  ) {
    this.rate = 2 / (drift.span + 1);
  }

  observe(_ts: number, value: number, points: number, scoring: boolean, slot: EvidenceSlot): void {
    this.value = value;
    this.points = points;
    this.level = Number.isNaN(this.level) ? value : this.level + this.rate * (value - this.level);
    if (points % this.drift.lagPoints === 0) {
      // The snapshot includes this point, as the range will once it is learned.
      const learns = points > this.options.settlePoints;
      this.older = this.newer;
      this.newer = {
        low: learns ? Math.min(this.range.low, value) : this.range.low,
        high: learns ? Math.max(this.range.high, value) : this.range.high,
      };
    }
    if (!scoring || this.older === null) return;
    const width = this.older.high - this.older.low;
    if (!(width > 0)) return;
    const excess = Math.max((this.level - this.older.high) / width, (this.older.low - this.level) / width);
    if (excess > 0) {
      const surprise = recordSurprise(points, excess, this.options.excessTailIndex, this.options.referenceExcess);
      offerEvidence(slot, surprise + this.drift.surpriseOffset, `drift${this.drift.span}`, excess);
    }
  }

  learn(): void {
    if (this.points > this.options.settlePoints) this.range.learn(this.value);
  }

  narrowBand(): void {}
}
