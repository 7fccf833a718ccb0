// How surprising a record is: a value beyond the whole range a feature has shown. Under
// exchangeability the n-th point is a record with probability 1/n, and a Pareto tail makes an
// excess of r (as a fraction of the range) that large with probability (r / r0)^(−α).

/** Surprise, in decades, of a record: −log10 of its probability. */
export function recordSurprise(points: number, excess: number, alpha: number, referenceExcess: number): number {
  return Math.log10(points) + alpha * Math.log10(excess / referenceExcess);
}

/**
 * A first departure from a history that was constant has no range to measure the excess
 * against; it counts as a record whose excess is ten reference excesses wide (one decade).
 */
export const FLAT_HISTORY_EXCESS_DECADES = 1;

/** The [low, high] a feature has shown, with the number of points it has learned. */
export class FeatureRange {
  low = Infinity;
  high = -Infinity;
  count = 0;

  learn(value: number): void {
    this.count++;
    if (value < this.low) this.low = value;
    if (value > this.high) this.high = value;
  }

  /** How far `value` lies beyond the range, as a fraction of its width: > 0 outside, ≤ 0 inside; Infinity past a flat range. */
  excess(value: number): number {
    const width = this.high - this.low;
    if (!(this.count > 0)) return 0;
    if (width === 0) return value === this.high ? 0 : Infinity;
    return Math.max((value - this.high) / width, (this.low - value) / width);
  }
}
