// A set of exponentially weighted means of one input (span 1 is the input itself), each with
// the range it has shown; a mean that leaves its range is a record, scored by record-surprise.
// Long spans carry the change-point evidence: a sustained shift moves them past their range.
import { FeatureRange, FLAT_HISTORY_EXCESS_DECADES, recordSurprise } from "../record-surprise.js";
import { offerEvidence, type EvidenceSlot } from "./evidence.js";

export interface RecordScoring {
  excessTailIndex: number;
  referenceExcess: number;
  minRangePoints: number;
}

export class SmoothedFeatures {
  readonly names: readonly string[];
  private readonly rates: Float64Array;
  private readonly means: Float64Array;
  private readonly ranges: FeatureRange[];
  private started = false;

  constructor(prefix: string, spans: readonly number[]) {
    this.names = spans.map((span) => (span === 1 ? `${prefix}value` : `${prefix}mean${span}`));
    this.rates = Float64Array.from(spans, (span) => 2 / (span + 1));
    this.means = new Float64Array(spans.length);
    this.ranges = spans.map(() => new FeatureRange());
  }

  /** Moves every mean towards `input`; the first input starts them all there. */
  advance(input: number): void {
    if (!this.started) {
      this.means.fill(input);
      this.started = true;
    }
    for (let i = 0; i < this.means.length; i++) this.means[i]! += this.rates[i]! * (input - this.means[i]!);
  }

  /** Offers the strongest record among the means to `slot`, with `offset` decades added. */
  score(points: number, scoring: RecordScoring, offset: number, slot: EvidenceSlot): void {
    for (let i = 0; i < this.means.length; i++) {
      const range = this.ranges[i]!;
      if (range.count < scoring.minRangePoints) continue;
      const excess = range.excess(this.means[i]!);
      if (!(excess > 0)) continue;
      const surprise =
        excess === Infinity
          ? Math.log10(points) + FLAT_HISTORY_EXCESS_DECADES
          : recordSurprise(points, excess, scoring.excessTailIndex, scoring.referenceExcess);
      offerEvidence(slot, surprise + offset, this.names[i]!, excess);
    }
  }

  learn(): void {
    for (let i = 0; i < this.means.length; i++) this.ranges[i]!.learn(this.means[i]!);
  }

  /** The range of the first feature (the input itself when span 1 comes first). */
  get pointRange(): FeatureRange {
    return this.ranges[0]!;
  }
}
