// One series in the compressed store: its raw samples and its downsampled rows, each a level
// of an open head chunk plus closed chunks, and the open downsampling buckets. Appending,
// closing chunks at their size or time bound, and dropping what retention passed happen here.
import { ChunkList } from "./chunk/chunk-list.js";
import { XorChunkAppender } from "./chunk/xor-appender.js";
import { ROLLUP_COLUMNS, RollupBucket } from "./downsample/rollup-bucket.js";
import type { SeriesRef } from "./series-store.js";

/** When a head chunk is closed: at `maxSamples` samples or `maxBytes` encoded, or when the next sample is `maxSpanMs` after its first. */
export interface ChunkLimits {
  maxSamples: number;
  maxBytes: number;
  maxSpanMs: number;
}

/** One resolution of a series: the head chunk being appended to and the closed chunks before it. */
export class SeriesLevel {
  readonly head: XorChunkAppender;
  readonly closed = new ChunkList();
  /** Changes of the head's content, and the one the file has: a head is written only when they differ. */
  version = 0;
  writtenVersion = 0;

  constructor(
    columns: number,
    private readonly limits: ChunkLimits,
  ) {
    this.head = new XorChunkAppender(columns);
  }

  append(ts: number, value: number): void {
    this.head.append(ts, value);
    this.version++;
  }

  appendRow(ts: number, row: ArrayLike<number>): void {
    this.head.appendRow(ts, row);
    this.version++;
  }

  /** Oldest ts held; Infinity when empty. */
  get firstTs(): number {
    if (this.closed.length > 0) return this.closed.firstTs;
    return this.head.count > 0 ? this.head.minTs : Infinity;
  }

  get isEmpty(): boolean {
    return this.closed.length === 0 && this.head.count === 0;
  }

  /** Closes the head first when it is full; returns the closed chunk's size, or 0. */
  closeIfFull(ts: number): number {
    const head = this.head;
    const limits = this.limits;
    if (head.count === 0 || (head.count < limits.maxSamples && head.byteLength < limits.maxBytes && ts - head.minTs < limits.maxSpanMs)) return 0;
    return this.close();
  }

  /** Moves the head's samples into a closed (not yet persisted) chunk; returns its size. */
  close(): number {
    const head = this.head;
    if (head.count === 0) return 0;
    const bytes = head.bytes();
    this.closed.push(head.minTs, head.maxTs, head.count, bytes.length, bytes, false);
    head.clear();
    this.version++;
    return bytes.length;
  }

  /**
   * Drops what ends before `horizon`: closed chunks, and the head when all of it is older.
   * Returns what left: samples (closed and head), the closed chunks' samples and bytes, and
   * their bytes that were in memory.
   */
  dropBefore(horizon: number): { samples: number; closedSamples: number; closedBytes: number; residentBytes: number } {
    const dropped = this.closed.dropEndingBefore(horizon);
    let headSamples = 0;
    if (this.head.count > 0 && this.head.maxTs < horizon) {
      headSamples = this.head.count;
      this.head.clear();
      this.version++;
    }
    return { samples: dropped.samples + headSamples, closedSamples: dropped.samples, closedBytes: dropped.bytes, residentBytes: dropped.residentBytes };
  }
}

/** The chunk levels of a series: index 0 is raw, then one per downsampling resolution. */
export const RAW_LEVEL = 0;

export class SeriesState {
  readonly levels: SeriesLevel[];
  readonly buckets: RollupBucket[];
  /** The newest accepted sample; lastTs -1 before the first. */
  lastTs = -1;
  lastValue = Number.NaN;
  /** A row in the file exists for it. */
  persisted = false;
  /** Appended to (or trimmed) since its last checkpoint write. */
  dirty = false;
  /** Dropped by retention: no longer indexed. */
  forgotten = false;

  constructor(
    readonly id: number,
    readonly ref: SeriesRef,
    rawLimits: ChunkLimits,
    rollupLimits: ChunkLimits,
    resolutionsMs: readonly number[],
  ) {
    this.levels = [new SeriesLevel(1, rawLimits), ...resolutionsMs.map(() => new SeriesLevel(ROLLUP_COLUMNS, rollupLimits))];
    this.buckets = resolutionsMs.map((resolution) => new RollupBucket(resolution));
  }

  get isEmpty(): boolean {
    return this.levels.every((level) => level.isEmpty) && this.buckets.every((bucket) => bucket.count === 0);
  }
}
