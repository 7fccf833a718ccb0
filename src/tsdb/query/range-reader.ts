// Reads one series' points over [from, to] across its resolutions: raw samples where raw
// data is kept, and before that downsampled rows (1 minute, then 1 hour), so a range older
// than raw retention still has points. Only the chunks overlapping the range are decoded,
// straight into typed-array columns; chunks no longer in memory are read back from disk
// through `loadChunk`.
import { allocateDecodeTarget, decodeChunk } from "../chunk/xor-decoder.js";
import { COUNT, MAX, MIN, SUM, aggregateOf } from "../downsample/rollup-bucket.js";
import { QueryLimitError, type Aggregate, type Columns } from "../series-store.js";
import { RAW_LEVEL, type SeriesState } from "../series-state.js";

export type ChunkLoader = (series: SeriesState, level: number, minTs: number) => Uint8Array;

/** Per level: data older than its horizon counts as gone (retention is exact even where chunks straddle it). */
export interface LevelHorizons {
  horizons: readonly number[];
  /** Resolution of each level; 0 for raw. */
  resolutionsMs: readonly number[];
}

/** Which part of [from, to] a level answers: bucket starts (or raw ts) in [lower, upper]. */
export interface Segment {
  level: number;
  lower: number;
  upper: number;
}


/**
 * Splits [from, to] among the levels, finest first: raw answers from its oldest kept sample
 * on; each coarser level answers with its buckets that end before the finer level's data
 * begins (bucket start + resolution ≤ that), so no instant is counted twice. Returned oldest first.
 */
export function planSegments(series: SeriesState, from: number, to: number, limits: LevelHorizons): Segment[] {
  const segments: Segment[] = [];
  let coveredFrom = Infinity;
  for (let level = 0; level < series.levels.length; level++) {
    const first = firstTsOf(series, level);
    if (first === Infinity) continue;
    const resolution = limits.resolutionsMs[level]!;
    const horizon = limits.horizons[level]!;
    // Buckets starting before the horizon are gone; round up to the next bucket start.
    const levelFrom = Math.max(first, resolution > 0 ? Math.ceil(horizon / resolution) * resolution : horizon);
    const lower = Math.max(from, levelFrom);
    const upper = Math.min(to, coveredFrom - resolution);
    if (lower <= upper) segments.push({ level, lower, upper });
    coveredFrom = Math.min(coveredFrom, levelFrom);
  }
  return segments.reverse();
}

function firstTsOf(series: SeriesState, level: number): number {
  const first = series.levels[level]!.firstTs;
  if (level === RAW_LEVEL) return first;
  const bucket = series.buckets[level - 1]!;
  return bucket.count > 0 ? Math.min(first, bucket.start) : first;
}

export class RangeReader {
  private readonly target = allocateDecodeTarget(4, 1024);

  constructor(private readonly loadChunk: ChunkLoader) {}

  /**
   * The points of `segments` (oldest first) as columns: raw samples as they are (bits
   * included: values are copied, never re-boxed), downsampled rows as the `aggregate` of
   * their bucket at the bucket's start. Throws QueryLimitError beyond `maxPoints`.
   */
  read(series: SeriesState, segments: readonly Segment[], aggregate: Aggregate, maxPoints: number): Columns {
    let capacity = 0;
    for (const segment of segments) capacity += this.countAtMost(series, segment);
    if (capacity === 0) return { ts: new Float64Array(0), values: new Float64Array(0) };
    const out: Columns = { ts: new Float64Array(capacity), values: new Float64Array(capacity) };
    let length = 0;
    for (const { level, lower, upper } of segments) {
      const chunks = series.levels[level]!;
      const closed = chunks.closed;
      for (let i = closed.firstEndingAtOrAfter(lower); i < closed.length && closed.minTsAt(i) <= upper; i++) {
        length = this.copy(closed.bytesAt(i) ?? this.loadChunk(series, level, closed.minTsAt(i)), level, lower, upper, aggregate, out, length);
        if (length > maxPoints) throw new QueryLimitError(maxPoints);
      }
      const head = chunks.head;
      if (head.count > 0 && head.maxTs >= lower && head.minTs <= upper) length = this.copy(head.bytes(), level, lower, upper, aggregate, out, length);
      if (level !== RAW_LEVEL) {
        const bucket = series.buckets[level - 1]!;
        if (bucket.count > 0 && bucket.start >= lower && bucket.start <= upper) {
          out.ts[length] = bucket.start;
          out.values[length++] = aggregateOf(bucket.min, bucket.max, bucket.sum, bucket.count, aggregate);
        }
      }
      if (length > maxPoints) throw new QueryLimitError(maxPoints);
    }
    return { ts: out.ts.subarray(0, length), values: out.values.subarray(0, length) };
  }

  /** An upper bound of the points a segment gives: the samples of every chunk overlapping it. */
  private countAtMost(series: SeriesState, { level, lower, upper }: Segment): number {
    const chunks = series.levels[level]!;
    const closed = chunks.closed;
    let count = level === RAW_LEVEL ? 0 : 1;
    for (let i = closed.firstEndingAtOrAfter(lower); i < closed.length && closed.minTsAt(i) <= upper; i++) count += closed.countAt(i);
    return count + chunks.head.count;
  }

  /** Decodes a chunk and appends its rows within [lower, upper] to `out` at `length`; returns the new length. */
  private copy(bytes: Uint8Array, level: number, lower: number, upper: number, aggregate: Aggregate, out: Columns, length: number): number {
    const target = this.target;
    const count = decodeChunk(bytes, target);
    const ts = target.ts;
    let first = 0;
    while (first < count && ts[first]! < lower) first++;
    let end = count;
    while (end > first && ts[end - 1]! > upper) end--;
    if (end === first) return length;
    out.ts.set(ts.subarray(first, end), length);
    if (level === RAW_LEVEL) {
      out.values.set(target.values[0]!.subarray(first, end), length);
    } else {
      const [min, max, sum, n] = [target.values[MIN]!, target.values[MAX]!, target.values[SUM]!, target.values[COUNT]!];
      for (let i = first; i < end; i++) out.values[length + i - first] = aggregateOf(min[i]!, max[i]!, sum[i]!, n[i]!, aggregate);
    }
    return length + end - first;
  }
}
