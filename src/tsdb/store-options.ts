// The compressed store's options, their defaults, and their validation (a RangeError that
// names the option and what it must be).
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";

export interface DownsampleLevelOptions {
  resolutionMs: number;
  retentionMs: number;
}

export interface CompressedStoreOptions {
  /** The SQLite file, e.g. `<data>/tsdb.db`; ":memory:" keeps nothing across restarts (tests). */
  path: string;
  clock?: Clock;
  logger?: Logger;
  /** Raw samples are kept this long, measured on the clock. Default 7 days. */
  retentionMs?: number;
  /** Downsampled levels, finest first. Default 1 minute kept 30 days, 1 hour kept 365 days. */
  downsampling?: DownsampleLevelOptions[];
  /** Time between checkpoints: what a kill -9 can lose. Default 5 s, at most 10 s. */
  checkpointIntervalMs?: number;
  /** Memory bound: beyond it the oldest closed chunks leave memory (they stay on disk). Default 256 MiB. */
  maxMemoryBytes?: number;
  /** Samples further in the future than this are rejected (a wrong agent clock). Default 10 minutes. */
  futureToleranceMs?: number;
  /** A raw head chunk closes at this many samples (a downsampled one at this many or 240 rows, fewer of the two). Default 1024. */
  chunkMaxSamples?: number;
  /** A head chunk closes at this many encoded bytes: a checkpoint rewrites heads, so they stay small. Default 2048. */
  chunkMaxBytes?: number;
  /** A raw head chunk closes when the next sample is this long after its first. Default 2 h. */
  chunkMaxSpanMs?: number;
  /** A checkpoint slice stops taking series after this long (it ends with its commit). Default 5 ms. */
  checkpointSliceMs?: number;
}

export const DEFAULT_TSDB_OPTIONS = {
  retentionMs: 7 * 86_400_000,
  downsampling: [
    { resolutionMs: 60_000, retentionMs: 30 * 86_400_000 },
    { resolutionMs: 3_600_000, retentionMs: 365 * 86_400_000 },
  ],
  checkpointIntervalMs: 5000,
  maxMemoryBytes: 256 * 1024 * 1024,
  futureToleranceMs: 600_000,
  chunkMaxSamples: 1024,
  chunkMaxBytes: 2048,
  chunkMaxSpanMs: 2 * 3_600_000,
  checkpointSliceMs: 5,
} as const;

const MAX_CHECKPOINT_INTERVAL_MS = 10_000;
/** A downsampled head is rewritten at each new bucket: 240 rows (4 h of minutes, 10 days of hours) keep that small. */
export const MAX_ROLLUP_ROWS = 240;

/** Throws a RangeError naming the first invalid option. */
export function validateOptions(o: CompressedStoreOptions): void {
  const positive = (name: string, value: number | undefined, max = Infinity): void => {
    if (value === undefined) return;
    if (!(typeof value === "number" && value > 0 && value <= max && Number.isFinite(value))) {
      throw new RangeError(`series store: ${name} must be a positive number${max < Infinity ? ` ≤ ${max}` : ""}, got ${value}`);
    }
  };
  if (typeof o.path !== "string" || o.path === "") throw new RangeError("series store: path must be a file path or \":memory:\"");
  positive("retentionMs", o.retentionMs);
  positive("checkpointIntervalMs", o.checkpointIntervalMs, MAX_CHECKPOINT_INTERVAL_MS);
  positive("maxMemoryBytes", o.maxMemoryBytes);
  positive("futureToleranceMs", o.futureToleranceMs);
  positive("chunkMaxSpanMs", o.chunkMaxSpanMs);
  positive("chunkMaxBytes", o.chunkMaxBytes);
  positive("checkpointSliceMs", o.checkpointSliceMs);
  if (o.chunkMaxSamples !== undefined && !(Number.isInteger(o.chunkMaxSamples) && o.chunkMaxSamples >= 2 && o.chunkMaxSamples <= 0xffff)) {
    throw new RangeError(`series store: chunkMaxSamples must be an integer in 2..65535, got ${o.chunkMaxSamples}`);
  }
  const levels = o.downsampling ?? [];
  if (levels.length > 8) throw new RangeError(`series store: at most 8 downsampling levels, got ${levels.length}`);
  levels.forEach((level, i) => {
    positive(`downsampling[${i}].resolutionMs`, level.resolutionMs);
    positive(`downsampling[${i}].retentionMs`, level.retentionMs);
    if (!Number.isInteger(level.resolutionMs)) throw new RangeError(`series store: downsampling[${i}].resolutionMs must be whole ms, got ${level.resolutionMs}`);
    if (i > 0 && level.resolutionMs <= levels[i - 1]!.resolutionMs) {
      throw new RangeError(`series store: downsampling[${i}].resolutionMs must be coarser than downsampling[${i - 1}]'s`);
    }
  });
}
