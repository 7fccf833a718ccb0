// Downsampling: the running min, max, sum and count of a series' samples in one aligned time
// bucket (1 minute, 1 hour), updated on every append and written as one row of the
// downsampled series when the next bucket starts. NaN samples are not counted.
import type { Aggregate } from "../series-store.js";

/** Columns of a downsampled row. */
export const ROLLUP_COLUMNS = 4;
export const MIN = 0;
export const MAX = 1;
export const SUM = 2;
export const COUNT = 3;
/** Numbers a bucket's state takes in a snapshot: start, min, max, sum, count. */
export const BUCKET_STATE_SIZE = 5;

export class RollupBucket {
  /** The bucket's start (a multiple of the resolution), NaN before the first sample. */
  start = Number.NaN;
  /** start + resolution: a sample at or after it (or NaN before the first) begins the next bucket. */
  end = Number.NaN;
  min = Infinity;
  max = -Infinity;
  sum = 0;
  count = 0;

  constructor(readonly resolutionMs: number) {}

  /** Start of the bucket that holds ts: buckets are aligned to multiples of the resolution since the epoch. */
  startOf(ts: number): number {
    return Math.floor(ts / this.resolutionMs) * this.resolutionMs;
  }

  open(start: number): void {
    this.start = start;
    this.end = start + this.resolutionMs;
    this.min = Infinity;
    this.max = -Infinity;
    this.sum = 0;
    this.count = 0;
  }

  add(value: number): void {
    if (Number.isNaN(value)) return;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.sum += value;
    this.count++;
  }

  /** The row written for the bucket: min, max, sum, count. */
  row(out: Float64Array): Float64Array {
    out[MIN] = this.min;
    out[MAX] = this.max;
    out[SUM] = this.sum;
    out[COUNT] = this.count;
    return out;
  }

  save(out: Float64Array, offset: number): void {
    out[offset] = this.start;
    out[offset + 1] = this.min;
    out[offset + 2] = this.max;
    out[offset + 3] = this.sum;
    out[offset + 4] = this.count;
  }

  restore(from: Float64Array, offset: number): void {
    this.start = from[offset]!;
    this.end = this.start + this.resolutionMs;
    this.min = from[offset + 1]!;
    this.max = from[offset + 2]!;
    this.sum = from[offset + 3]!;
    this.count = from[offset + 4]!;
  }
}

/** A downsampled row's value for the chosen aggregate; avg is sum / count. */
export function aggregateOf(min: number, max: number, sum: number, count: number, aggregate: Aggregate): number {
  switch (aggregate) {
    case "avg":
      return sum / count;
    case "min":
      return min;
    case "max":
      return max;
    case "sum":
      return sum;
    case "count":
      return count;
  }
}
