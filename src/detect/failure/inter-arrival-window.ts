// The last N heartbeat inter-arrival times of one node, with their mean and variance kept
// up to date in O(1) per sample (Welford's update, and its inverse when a sample slides out).

/**
 * A ring buffer of the most recent `capacity` samples. Adding x when full replaces the
 * oldest sample y in one step:
 *   mean' = mean + (x − y)/n,   M2' = M2 + (x − y)·(x − mean' + y − mean),
 * where M2 = Σ (sample − mean)². Rounding errors of these updates accumulate over millions
 * of samples, so every `capacity` replacements the sums are recomputed exactly from the
 * buffer (amortised O(1)).
 */
export class InterArrivalWindow {
  private readonly samples: Float64Array;
  private next = 0;
  private size = 0;
  private mean_ = 0;
  private m2 = 0;
  private replacementsSinceExact = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) {
      throw new RangeError(`inter-arrival window: capacity must be an integer ≥ 2, got ${capacity}`);
    }
    this.samples = new Float64Array(capacity);
  }

  get count(): number {
    return this.size;
  }

  get mean(): number {
    return this.mean_;
  }

  /** Population variance of the samples in the window (0 with fewer than two samples). */
  get variance(): number {
    return this.size < 2 ? 0 : Math.max(0, this.m2 / this.size);
  }

  get stdDeviation(): number {
    return Math.sqrt(this.variance);
  }

  add(sample: number): void {
    if (!Number.isFinite(sample)) throw new RangeError(`inter-arrival window: sample must be a finite number, got ${sample}`);
    if (this.size < this.capacity) {
      this.samples[this.next] = sample;
      this.size += 1;
      const delta = sample - this.mean_;
      this.mean_ += delta / this.size;
      this.m2 += delta * (sample - this.mean_);
    } else {
      const oldest = this.samples[this.next]!;
      this.samples[this.next] = sample;
      const previousMean = this.mean_;
      this.mean_ += (sample - oldest) / this.size;
      this.m2 += (sample - oldest) * (sample - this.mean_ + oldest - previousMean);
      if (++this.replacementsSinceExact >= this.capacity) this.recomputeExactly();
    }
    this.next = (this.next + 1) % this.capacity;
  }

  /** The samples, oldest first. */
  values(): number[] {
    const out: number[] = [];
    const start = this.size < this.capacity ? 0 : this.next;
    for (let i = 0; i < this.size; i++) out.push(this.samples[(start + i) % this.capacity]!);
    return out;
  }

  private recomputeExactly(): void {
    let sum = 0;
    for (let i = 0; i < this.size; i++) sum += this.samples[i]!;
    const mean = sum / this.size;
    let m2 = 0;
    for (let i = 0; i < this.size; i++) m2 += (this.samples[i]! - mean) ** 2;
    this.mean_ = mean;
    this.m2 = m2;
    this.replacementsSinceExact = 0;
  }
}
