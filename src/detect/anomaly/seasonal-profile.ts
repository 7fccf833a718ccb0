// An hour-of-period profile: for each bin of a period (an hour of the day, or of the week),
// the typical offset of the value from its slow level, learned by exponential smoothing.

export class SeasonalProfile {
  readonly bins: number;
  private readonly offsets: Float64Array;
  private readonly seen: Uint8Array;

  constructor(
    readonly periodMs: number,
    readonly binMs: number,
  ) {
    this.bins = Math.round(periodMs / binMs);
    this.offsets = new Float64Array(this.bins);
    this.seen = new Uint8Array(this.bins);
  }

  /** The bin of a timestamp (UTC; negative timestamps wrap like positive ones). */
  binOf(ts: number): number {
    const phase = ((ts % this.periodMs) + this.periodMs) % this.periodMs;
    return Math.min(this.bins - 1, Math.floor(phase / this.binMs));
  }

  /** The bin's offset; a bin never seen before starts at `firstOffset`. */
  offsetAt(bin: number, firstOffset: number): number {
    if (this.seen[bin] === 0) {
      this.seen[bin] = 1;
      this.offsets[bin] = firstOffset;
    }
    return this.offsets[bin]!;
  }

  /** Moves the bin's offset a fraction `rate` of the way to `offset`. */
  learn(bin: number, offset: number, rate: number): void {
    this.offsets[bin]! += rate * (offset - this.offsets[bin]!);
  }
}
