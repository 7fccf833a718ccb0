// The persistent, compressed series store: per series an open head chunk and closed chunks
// (Gorilla-style, chunk/), downsampled 1-minute and 1-hour rows computed on append,
// retention per level, a memory bound that sends the oldest closed chunks to disk only,
// and checkpoints every few seconds that make appends durable (appendGeneration →
// durableGeneration) so the server acknowledges only what a kill -9 cannot take back.
import type { Sample } from "../protocol/messages.js";
import { columnsOfSamples, type SampleColumns } from "../protocol/sample-columns.js";
import { systemClock, type Clock } from "../util/clock.js";
import { silentLogger, type Logger } from "../util/logger.js";
import { isValidTimestamp } from "./chunk/chunk-format.js";
import { CheckpointScheduler, type CheckpointFigures, type CheckpointRun } from "./checkpoint-scheduler.js";
import { ROLLUP_COLUMNS } from "./downsample/rollup-bucket.js";
import { LabelSetIndex } from "./label-set-index.js";
import { matchesLabelMatch } from "./labels.js";
import { EvictionQueue } from "./memory/eviction-queue.js";
import { markSeriesWritten, restoreSeriesHead, writeSeriesRows } from "./persistence/series-rows.js";
import { TsdbFile } from "./persistence/tsdb-file.js";
import { RangeReader, planSegments, type LevelHorizons } from "./query/range-reader.js";
import { columnsToPoints } from "./query/columns.js";
import { checkStep, stepColumns } from "./query/step.js";
import {
  AGGREGATES,
  QueryLimitError,
  type AppendOptions,
  type AppendResult,
  type DurableSeriesStore,
  type LabelMatch,
  type Labels,
  type LatestSample,
  type RangeOptions,
  type SeriesColumns,
  type SeriesPoints,
  type SeriesRef,
} from "./series-store.js";
import { RAW_LEVEL, SeriesState, type ChunkLimits } from "./series-state.js";
import { DEFAULT_TSDB_OPTIONS, MAX_ROLLUP_ROWS, validateOptions, type CompressedStoreOptions } from "./store-options.js";

export { DEFAULT_TSDB_OPTIONS, type CompressedStoreOptions, type DownsampleLevelOptions } from "./store-options.js";

/** Rows deleted per statement when retention expires chunks on disk. */
const DELETE_BATCH = 500;
/**
 * Memory of a series besides its chunk bytes and head buffers: the state objects, three
 * chunk appenders, the closed-chunk arrays, labels and index paths (bench/tsdb.ts measures
 * ~5.1 KB a series with its head buffers, ~0.6 KB of which the heads count themselves).
 */
const SERIES_OVERHEAD_BYTES = 4500;
/** Memory per closed chunk besides its bytes: bounds, count, size and a slot. */
const CHUNK_METADATA_BYTES = 32;

export interface TsdbStats {
  series: number;
  /** Raw samples held (in memory or on disk). */
  samples: number;
  rejected: number;
  /** Samples of replayed appends (append's `replay` option) the store already had: expected, not bad input. */
  replayRejected: number;
  /** Closed chunks per level (raw, then each downsampled level). */
  closedChunks: number[];
  /** Closed raw chunks' bytes and samples: their ratio is the compression achieved. */
  rawClosedBytes: number;
  rawClosedSamples: number;
  /** The memory estimate the bound applies to, and its part that is closed chunks' bytes. */
  memoryBytes: number;
  residentChunkBytes: number;
  maxMemoryBytes: number;
  appendGeneration: number;
  durableGeneration: number;
  checkpoints: CheckpointFigures;
}

export class CompressedSeriesStore implements DurableSeriesStore {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly retentionMs: number[];
  private readonly resolutionsMs: number[];
  private readonly maxMemoryBytes: number;
  private readonly futureToleranceMs: number;
  private readonly rawLimits: ChunkLimits;
  private readonly rollupLimits: ChunkLimits;
  private readonly index = new LabelSetIndex<SeriesState>();
  private readonly byName = new Map<string, Set<SeriesState>>();
  private readonly evictionQueues: EvictionQueue[];
  private readonly reader: RangeReader;
  private readonly scheduler: CheckpointScheduler;
  private readonly rollupRow = new Float64Array(ROLLUP_COLUMNS);
  private nextSeriesId = 1;
  private seriesCount = 0;
  private rawSamples = 0;
  private rejectedTotal = 0;
  private replayRejectedTotal = 0;
  /** Bytes of closed chunks in memory, all levels. */
  private residentBytes = 0;
  /** Closed raw chunks (in memory or not): their bytes and samples, the compression achieved. */
  private rawClosedBytes = 0;
  private rawClosedSamples = 0;
  private generation = 0;
  /** Series appended to (or trimmed) since the checkpoint that last wrote them. */
  private dirty: SeriesState[] = [];
  /** Ids of persisted series that retention emptied: their rows go at the next checkpoint. */
  private forgottenIds: number[] = [];
  /** Set when close() starts: appends are refused from then on. */
  private closed = false;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly file: TsdbFile,
    o: CompressedStoreOptions,
  ) {
    this.clock = o.clock ?? systemClock;
    this.logger = o.logger ?? silentLogger();
    const downsampling = o.downsampling ?? DEFAULT_TSDB_OPTIONS.downsampling;
    this.retentionMs = [o.retentionMs ?? DEFAULT_TSDB_OPTIONS.retentionMs, ...downsampling.map((d) => d.retentionMs)];
    this.resolutionsMs = [0, ...downsampling.map((d) => d.resolutionMs)];
    this.maxMemoryBytes = o.maxMemoryBytes ?? DEFAULT_TSDB_OPTIONS.maxMemoryBytes;
    this.futureToleranceMs = o.futureToleranceMs ?? DEFAULT_TSDB_OPTIONS.futureToleranceMs;
    const maxSamples = o.chunkMaxSamples ?? DEFAULT_TSDB_OPTIONS.chunkMaxSamples;
    const maxBytes = o.chunkMaxBytes ?? DEFAULT_TSDB_OPTIONS.chunkMaxBytes;
    this.rawLimits = { maxSamples, maxBytes, maxSpanMs: o.chunkMaxSpanMs ?? DEFAULT_TSDB_OPTIONS.chunkMaxSpanMs };
    this.rollupLimits = { maxSamples: Math.min(maxSamples, MAX_ROLLUP_ROWS), maxBytes, maxSpanMs: Infinity };
    this.evictionQueues = this.retentionMs.map(() => new EvictionQueue());
    this.reader = new RangeReader((series, level, minTs) => this.loadChunk(series, level, minTs));
    this.scheduler = new CheckpointScheduler({
      clock: this.clock,
      intervalMs: o.checkpointIntervalMs ?? DEFAULT_TSDB_OPTIONS.checkpointIntervalMs,
      sliceBudgetMs: o.checkpointSliceMs ?? DEFAULT_TSDB_OPTIONS.checkpointSliceMs,
      generation: () => this.generation,
      begin: () => this.beginCheckpoint(),
      afterRun: () => {
        this.evictToBound();
        this.file.checkpointWal();
      },
      onError: (err) => this.logger.error({ err }, "series store checkpoint failed; appends stay not durable until one succeeds"),
    });
  }

  /**
   * Opens the store at `options.path`, loading the series index, every closed chunk's
   * bounds (their bytes stay on disk until a query needs them) and the heads of the last
   * checkpoint, then checkpoints every `checkpointIntervalMs`. Throws on invalid options or
   * an unreadable file, naming the problem.
   */
  static open(options: CompressedStoreOptions): CompressedSeriesStore {
    validateOptions(options);
    const file = TsdbFile.open(options.path, options.logger);
    try {
      const store = new CompressedSeriesStore(file, options);
      store.load();
      store.scheduler.start();
      return store;
    } catch (err) {
      void file.close().catch(() => undefined);
      throw err;
    }
  }

  get appendGeneration(): number {
    return this.generation;
  }

  get durableGeneration(): number {
    return this.scheduler.durableGeneration;
  }

  onDurable(listener: (generation: number) => void): () => void {
    return this.scheduler.onDurable(listener);
  }

  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.scheduler.flush();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.scheduler.stop();
      try {
        await this.scheduler.flush();
      } finally {
        await this.file.close();
      }
    })();
    return this.closing;
  }

  /**
   * Appends each sample to its series and takes the next generation. Rejected (counted,
   * never merged): a ts not after the series' last one (out of order or duplicate), older
   * than raw retention, further ahead of the clock than futureToleranceMs, or not an integer
   * ms in [0, 2^53). With `options.replay` (re-sent samples, see AppendOptions) the
   * rejections are counted as replayRejected instead.
   */
  append(samples: Sample[], options?: AppendOptions): AppendResult {
    return this.appendColumns(columnsOfSamples(samples), options);
  }

  /**
   * append() for samples as columns over a table of series (an agent's decoded samples
   * message): each series of the table is looked up once per call, not once per sample.
   */
  appendColumns(columns: SampleColumns, options?: AppendOptions): AppendResult {
    if (this.closed) throw new Error("the series store is closed");
    this.generation++;
    const now = this.clock.now();
    const horizon = now - this.retentionMs[RAW_LEVEL]!;
    const futureLimit = now + this.futureToleranceMs;
    const { series: table, seriesOf, ts: tsColumn, values } = columns;
    const resolved: Array<SeriesState | undefined> = new Array(table.length);
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < tsColumn.length; i++) {
      const ts = tsColumn[i]!;
      if (!(ts >= horizon && ts <= futureLimit) || !isValidTimestamp(ts)) {
        rejected++;
        continue;
      }
      const s = seriesOf[i]!;
      let series = resolved[s];
      if (series === undefined) {
        const key = table[s]!;
        series = resolved[s] = this.index.get(key.name, key.labels) ?? this.createSeries(key.name, key.labels);
      }
      if (ts <= series.lastTs) {
        rejected++;
        continue;
      }
      this.appendToSeries(series, ts, values[i]!);
      accepted++;
    }
    if (options?.replay) this.replayRejectedTotal += rejected;
    else this.rejectedTotal += rejected;
    return { accepted, rejected };
  }

  metricNames(): string[] {
    const names: string[] = [];
    for (const [name, pool] of this.byName) if (pool.size > 0) names.push(name);
    return names;
  }

  /** Series the store holds data of (raw or downsampled) whose name and labels match. */
  find(name?: string, match: LabelMatch = {}): SeriesRef[] {
    const refs: SeriesRef[] = [];
    for (const series of this.candidates(name, match)) refs.push({ name: series.ref.name, labels: series.ref.labels });
    return refs;
  }

  latest(name: string, match: LabelMatch, notBefore: number): LatestSample[] {
    const threshold = Math.max(notBefore, this.clock.now() - this.retentionMs[RAW_LEVEL]!);
    const out: LatestSample[] = [];
    for (const series of this.candidates(name, match)) {
      if (series.lastTs >= threshold) out.push({ name, labels: series.ref.labels, ts: series.lastTs, value: series.lastValue });
    }
    return out;
  }

  /**
   * Points of each matching series in [from, to]: raw samples where raw data is kept, and
   * for older parts downsampled buckets (at their start ts, valued by `options.aggregate`,
   * default avg). With `options.step`, one point per step (see query/step.ts).
   */
  range(name: string, match: LabelMatch, from: number, to: number, options: RangeOptions = {}): SeriesPoints[] {
    return this.rangeColumns(name, match, from, to, options).map((s) => ({ name: s.name, labels: s.labels, points: columnsToPoints(s) }));
  }

  rangeColumns(name: string, match: LabelMatch, from: number, to: number, options: RangeOptions = {}): SeriesColumns[] {
    if (Number.isNaN(from) || Number.isNaN(to)) throw new RangeError(`range: from and to must be numbers (ms), got from=${from}, to=${to}`);
    const aggregate = options.aggregate ?? "avg";
    if (!AGGREGATES.includes(aggregate)) throw new RangeError(`range: aggregate must be one of ${AGGREGATES.join(", ")}, got ${aggregate}`);
    const step = options.step;
    if (step !== undefined) checkStep(from, to, step);
    const maxPoints = options.maxPoints ?? Infinity;
    const limits = this.levelHorizons();
    const readFrom = step === undefined ? from : from - step + 1;
    const out: SeriesColumns[] = [];
    let total = 0;
    for (const series of this.candidates(name, match)) {
      // Without a step the points are the answer, so the limit applies while reading;
      // with one, only the steps are, and MAX_STEPS bounds them.
      let columns = this.reader.read(series, planSegments(series, readFrom, to, limits), aggregate, step === undefined ? maxPoints - total : Infinity);
      if (step !== undefined) columns = stepColumns(columns, from, to, step);
      total += columns.ts.length;
      if (total > maxPoints) throw new QueryLimitError(maxPoints);
      if (columns.ts.length > 0) out.push({ name: series.ref.name, labels: series.ref.labels, ts: columns.ts, values: columns.values });
    }
    return out;
  }

  stats(): TsdbStats {
    const closedChunks = this.retentionMs.map(() => 0);
    for (const series of this.allSeries()) series.levels.forEach((level, l) => (closedChunks[l]! += level.closed.length));
    return {
      series: this.seriesCount,
      samples: this.rawSamples,
      rejected: this.rejectedTotal,
      replayRejected: this.replayRejectedTotal,
      closedChunks,
      rawClosedBytes: this.rawClosedBytes,
      rawClosedSamples: this.rawClosedSamples,
      memoryBytes: this.memoryBytes(),
      residentChunkBytes: this.residentBytes,
      maxMemoryBytes: this.maxMemoryBytes,
      appendGeneration: this.generation,
      durableGeneration: this.durableGeneration,
      checkpoints: { ...this.scheduler.figures },
    };
  }

  // ---- appending ----

  private createSeries(name: string, labels: Labels): SeriesState {
    const ref = { name, labels: Object.freeze({ ...labels }) };
    const series = new SeriesState(this.nextSeriesId++, ref, this.rawLimits, this.rollupLimits, this.resolutionsMs.slice(1));
    this.indexSeries(series);
    return series;
  }

  private indexSeries(series: SeriesState): void {
    this.index.set(series.ref.name, series.ref.labels, series);
    let ofName = this.byName.get(series.ref.name);
    if (ofName === undefined) this.byName.set(series.ref.name, (ofName = new Set()));
    ofName.add(series);
    this.seriesCount++;
  }

  private appendToSeries(series: SeriesState, ts: number, value: number): void {
    const raw = series.levels[RAW_LEVEL]!;
    const closedBytes = raw.closeIfFull(ts);
    if (closedBytes > 0) {
      this.residentBytes += closedBytes;
      this.rawClosedBytes += closedBytes;
      this.rawClosedSamples += raw.closed.countAt(raw.closed.length - 1);
    }
    raw.append(ts, value);
    series.lastTs = ts;
    series.lastValue = value;
    this.rawSamples++;
    const buckets = series.buckets;
    for (let b = 0; b < buckets.length; b++) {
      const bucket = buckets[b]!;
      // Samples arrive in order, so a sample starts a new bucket exactly when it is past the open one's end.
      if (!(ts < bucket.end)) {
        if (bucket.count > 0) {
          const level = series.levels[b + 1]!;
          this.residentBytes += level.closeIfFull(bucket.start);
          level.appendRow(bucket.start, bucket.row(this.rollupRow));
        }
        bucket.open(bucket.startOf(ts));
      }
      bucket.add(value);
    }
    if (!series.dirty) {
      series.dirty = true;
      this.dirty.push(series);
    }
  }

  // ---- reading ----

  private *candidates(name: string | undefined, match: LabelMatch): Iterable<SeriesState> {
    const pools = name === undefined ? this.byName.values() : [this.byName.get(name) ?? []];
    for (const pool of pools) {
      for (const series of pool) if (matchesLabelMatch(series.ref.labels, match)) yield series;
    }
  }

  private *allSeries(): Iterable<SeriesState> {
    for (const pool of this.byName.values()) yield* pool;
  }

  private levelHorizons(): LevelHorizons {
    const now = this.clock.now();
    return { horizons: this.retentionMs.map((r) => now - r), resolutionsMs: this.resolutionsMs };
  }

  private loadChunk(series: SeriesState, level: number, minTs: number): Uint8Array {
    const bytes = this.file.readChunk(series.id, level, minTs);
    if (bytes === undefined) throw new Error(`chunk ${minTs} of series ${series.id} (level ${level}) is missing from the series store file`);
    return bytes;
  }

  // ---- retention and memory ----

  /** Drops what each level's retention passed; forgets series left with nothing. O(series). */
  private sweep(now: number): void {
    const horizons = this.retentionMs.map((r) => now - r);
    for (const [name, pool] of this.byName) {
      for (const series of pool) {
        let changed = false;
        series.levels.forEach((level, l) => {
          const dropped = level.dropBefore(horizons[l]!);
          this.residentBytes -= dropped.residentBytes;
          if (l === RAW_LEVEL) {
            this.rawSamples -= dropped.samples;
            this.rawClosedSamples -= dropped.closedSamples;
            this.rawClosedBytes -= dropped.closedBytes;
          }
          if (dropped.samples > 0) changed = true;
        });
        series.buckets.forEach((bucket, b) => {
          if (bucket.count > 0 && bucket.start < horizons[b + 1]!) {
            bucket.open(Number.NaN);
            changed = true;
          }
        });
        if (series.isEmpty) {
          pool.delete(series);
          this.index.delete(name, series.ref.labels);
          this.seriesCount--;
          series.forgotten = true;
          if (series.persisted) this.forgottenIds.push(series.id);
        } else if (changed && !series.dirty) {
          series.dirty = true;
          this.dirty.push(series);
        }
      }
      if (pool.size === 0) this.byName.delete(name);
    }
  }

  /** The estimate the memory bound applies to: closed chunks in memory plus per-series structures and heads. */
  private memoryBytes(): number {
    let bytes = this.residentBytes;
    for (const series of this.allSeries()) {
      bytes += SERIES_OVERHEAD_BYTES;
      for (const level of series.levels) bytes += level.head.allocatedBytes + CHUNK_METADATA_BYTES * level.closed.length;
    }
    return bytes;
  }

  /** Evicts persisted closed chunks, raw first and oldest first, until under the bound (or none is left). */
  private evictToBound(): void {
    let excess = this.memoryBytes() - this.maxMemoryBytes;
    for (let level = 0; level < this.evictionQueues.length && excess > 0; level++) {
      const queue = this.evictionQueues[level]!;
      while (excess > 0) {
        const entry = queue.shift();
        if (entry === undefined) break;
        if (entry.series.forgotten) continue;
        const closed = entry.series.levels[level]!.closed;
        const i = closed.indexOfMinTs(entry.minTs);
        if (i < 0) continue;
        const freed = closed.evict(i);
        this.residentBytes -= freed;
        excess -= freed;
      }
    }
  }

  // ---- persistence ----

  private beginCheckpoint(): CheckpointRun {
    const now = this.clock.now();
    this.sweep(now);
    const work = this.dirty;
    this.dirty = [];
    const forgotten = this.forgottenIds;
    this.forgottenIds = [];
    const expiries = this.retentionMs.map((retention, level) => ({ level, horizon: now - retention, done: false }));
    let next = 0;
    return {
      slice: (overBudget) => {
        const written: SeriesState[] = [];
        try {
          this.file.transaction(() => {
            while (forgotten.length > 0 && !overBudget()) {
              this.file.deleteSeries(forgotten.at(-1)!);
              forgotten.pop();
            }
            for (const expiry of expiries) {
              while (!expiry.done && !overBudget()) {
                expiry.done = this.file.deleteChunksEndingBefore(expiry.level, expiry.horizon, DELETE_BATCH) < DELETE_BATCH;
              }
            }
            while (next < work.length && !overBudget()) {
              const series = work[next++]!;
              if (series.forgotten) continue;
              series.dirty = false;
              written.push(series);
              writeSeriesRows(this.file, series);
            }
          });
        } catch (err) {
          for (const series of written) this.markDirty(series);
          throw err;
        }
        for (const series of written) markSeriesWritten(series, (level, minTs) => this.evictionQueues[level]!.push(series, minTs));
        return next >= work.length && forgotten.length === 0 && expiries.every((e) => e.done);
      },
      abandon: () => {
        for (let i = next; i < work.length; i++) if (work[i]!.dirty) this.dirty.push(work[i]!);
        this.forgottenIds.push(...forgotten);
      },
    };
  }

  private markDirty(series: SeriesState): void {
    if (series.dirty || series.forgotten) return;
    series.dirty = true;
    this.dirty.push(series);
  }



  private load(): void {
    const byId = new Map<number, SeriesState>();
    for (const row of this.file.loadSeries()) {
      const labels = parseLabels(row.labels, row.id);
      const series = new SeriesState(row.id, { name: row.name, labels }, this.rawLimits, this.rollupLimits, this.resolutionsMs.slice(1));
      series.persisted = true;
      if (row.head !== null) this.restoreHead(series, row.head);
      this.indexSeries(series);
      byId.set(row.id, series);
      this.nextSeriesId = Math.max(this.nextSeriesId, row.id + 1);
    }
    for (const row of this.file.loadRollupHeads()) {
      const level = byId.get(row.series_id)?.levels[row.level];
      if (level === undefined || row.level === RAW_LEVEL) continue;
      try {
        level.head.restore(row.data);
      } catch (err) {
        this.logger.error({ err, series: row.series_id, level: row.level }, "series store: a downsampled head chunk could not be read; its rows are lost");
        level.head.clear();
      }
    }
    let unknownLevels = false;
    for (const chunk of this.file.loadChunkIndex()) {
      const series = byId.get(chunk.series_id);
      const level = series?.levels[chunk.level];
      if (chunk.level >= this.retentionMs.length) unknownLevels = true;
      if (series === undefined || level === undefined) continue;
      const head = level.head;
      // A closed chunk is always older than its level's head; one that is not is left out.
      if (head.count > 0 && chunk.max_ts >= head.minTs) continue;
      level.closed.push(chunk.min_ts, chunk.max_ts, chunk.samples, chunk.size, undefined, true);
      if (chunk.level === RAW_LEVEL) {
        this.rawSamples += chunk.samples;
        this.rawClosedSamples += chunk.samples;
        this.rawClosedBytes += chunk.size;
        if (chunk.max_ts > series.lastTs) series.lastTs = chunk.max_ts;
      }
    }
    for (const series of byId.values()) this.rawSamples += series.levels[RAW_LEVEL]!.head.count;
    if (unknownLevels) {
      const dropped = this.file.deleteLevelsFrom(this.retentionMs.length);
      this.logger.warn({ chunks: dropped, levels: this.retentionMs.length }, "series store: dropped the chunks of downsampling levels no longer configured");
    }
    this.sweep(this.clock.now());
  }

  private restoreHead(series: SeriesState, blob: Uint8Array): void {
    try {
      restoreSeriesHead(series, blob);
    } catch (err) {
      // One damaged head costs that series its last (unclosed) samples, not the whole store.
      this.logger.error({ err, series: series.id, name: series.ref.name }, "series store: a head chunk could not be read; its samples are lost");
      series.levels.forEach((level) => level.head.clear());
      series.buckets.forEach((bucket) => bucket.open(Number.NaN));
    }
  }
}

function parseLabels(text: string, id: number): Labels {
  let labels: unknown;
  try {
    labels = JSON.parse(text);
  } catch {
    labels = undefined;
  }
  if (typeof labels !== "object" || labels === null || Object.values(labels).some((v) => typeof v !== "string")) {
    throw new Error(`series ${id} in the series store file has invalid labels: ${text.slice(0, 100)}`);
  }
  return Object.freeze(labels as Labels);
}
