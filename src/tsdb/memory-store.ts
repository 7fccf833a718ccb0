// The in-memory series store: per series, a growable buffer of (ts, value) points appended
// in time order, trimmed by age and by a per-series cap, and indexed by metric name.
// Age is measured from the newest sample the store has accepted, not from a wall clock.
// Nothing is persisted or downsampled: it serves tests of code that reads series.
import type { Sample } from "../protocol/messages.js";
import { LabelSetIndex } from "./label-set-index.js";
import { matchesLabelMatch } from "./labels.js";
import { columnsToPoints, pointsToColumns } from "./query/columns.js";
import { checkStep, stepColumns } from "./query/step.js";
import {
  QueryLimitError,
  type AppendOptions,
  type AppendResult,
  type LabelMatch,
  type LatestSample,
  type Point,
  type RangeOptions,
  type SeriesColumns,
  type SeriesPoints,
  type SeriesRef,
  type SeriesStore,
} from "./series-store.js";

export interface MemorySeriesStoreOptions {
  /** Points older than this, relative to the newest accepted sample, are dropped. Default 1 hour. */
  retentionMs?: number;
  /** At most this many points per series; the oldest go first. Default 10,000. */
  maxPointsPerSeries?: number;
}

const DEFAULT_RETENTION_MS = 3_600_000;
const DEFAULT_MAX_POINTS_PER_SERIES = 10_000;
const INITIAL_CAPACITY = 16;

/**
 * The points of one series in two parallel Float64Arrays; the live points are [start, end).
 * Dropping old points only moves `start`; the dead prefix is reclaimed when the buffer is
 * full: if at least a quarter of it is dead, the live part is copied to the front (cost
 * ≤ 3/4·capacity, paid for by the ≥ 1/4·capacity appends before the buffer is full again),
 * otherwise the capacity doubles. Either way appending is amortized O(1), and the capacity
 * never exceeds the next power of two above 4/3 of the most points ever live at once.
 */
class PointBuffer {
  private times = new Float64Array(INITIAL_CAPACITY);
  private values = new Float64Array(INITIAL_CAPACITY);
  private start = 0;
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }

  /** The newest point's ts; -Infinity when empty. */
  get lastTs(): number {
    return this.end > this.start ? this.times[this.end - 1]! : -Infinity;
  }

  get lastValue(): number {
    return this.values[this.end - 1]!;
  }

  push(ts: number, value: number): void {
    if (this.end === this.times.length) this.makeRoom();
    this.times[this.end] = ts;
    this.values[this.end] = value;
    this.end++;
  }

  /** Drops every point with ts < `horizon`; returns how many were dropped. */
  dropBefore(horizon: number): number {
    // Stepping one point at a time costs O(1) amortized: each point is stepped over once.
    const before = this.start;
    while (this.start < this.end && this.times[this.start]! < horizon) this.start++;
    return this.start - before;
  }

  dropOldest(count: number): void {
    this.start = Math.min(this.end, this.start + count);
  }

  /** The points with from <= ts <= to, oldest first. */
  slice(from: number, to: number): Point[] {
    const points: Point[] = [];
    const stop = this.upperBound(to);
    for (let i = this.lowerBound(from); i < stop; i++) points.push({ ts: this.times[i]!, value: this.values[i]! });
    return points;
  }

  /** Index of the first live point with ts >= `ts` (end when none). */
  private lowerBound(ts: number): number {
    let lo = this.start;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid]! < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first live point with ts > `ts` (end when none). */
  private upperBound(ts: number): number {
    let lo = this.start;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid]! <= ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private makeRoom(): void {
    const capacity = this.times.length;
    const live = this.end - this.start;
    if (this.start >= capacity / 4) {
      this.times.copyWithin(0, this.start, this.end);
      this.values.copyWithin(0, this.start, this.end);
    } else {
      const times = new Float64Array(capacity * 2);
      const values = new Float64Array(capacity * 2);
      times.set(this.times.subarray(this.start, this.end));
      values.set(this.values.subarray(this.start, this.end));
      this.times = times;
      this.values = values;
    }
    this.start = 0;
    this.end = live;
  }
}

interface StoredSeries {
  ref: SeriesRef;
  points: PointBuffer;
}

export class MemorySeriesStore implements SeriesStore {
  readonly retentionMs: number;
  readonly maxPointsPerSeries: number;
  private readonly index = new LabelSetIndex<StoredSeries>();
  private readonly byName = new Map<string, Set<StoredSeries>>();
  private seriesCount = 0;
  /** The newest ts accepted so far: "now" for retention. */
  private newestTs = -Infinity;
  private heldPoints = 0;
  private rejected = 0;
  private replayRejected = 0;
  private appendsSinceSweep = 0;

  constructor(options: MemorySeriesStoreOptions = {}) {
    const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    const maxPoints = options.maxPointsPerSeries ?? DEFAULT_MAX_POINTS_PER_SERIES;
    if (!(retentionMs > 0) || !Number.isFinite(retentionMs)) {
      throw new RangeError(`MemorySeriesStore: retentionMs must be a positive number of ms, got ${retentionMs}`);
    }
    if (!Number.isInteger(maxPoints) || maxPoints < 1) {
      throw new RangeError(`MemorySeriesStore: maxPointsPerSeries must be an integer >= 1, got ${maxPoints}`);
    }
    this.retentionMs = retentionMs;
    this.maxPointsPerSeries = maxPoints;
  }

  /**
   * Appends each sample to its series. Rejected (counted, never merged): a ts not after the
   * series' last ts (out of order or duplicate), a ts already beyond retention, a ts that is
   * not a finite number. With `options.replay`, rejections count as replayRejected.
   */
  append(samples: Sample[], options?: AppendOptions): AppendResult {
    let accepted = 0;
    let rejected = 0;
    for (const sample of samples) {
      if (this.appendOne(sample)) accepted++;
      else rejected++;
    }
    if (options?.replay) this.replayRejected += rejected;
    else this.rejected += rejected;
    this.appendsSinceSweep += accepted;
    // A sweep costs O(series); running it once per max(4096, series) appends keeps it O(1) per append.
    if (this.appendsSinceSweep >= Math.max(4096, this.seriesCount)) this.sweep();
    return { accepted, rejected };
  }

  metricNames(): string[] {
    const horizon = this.horizon();
    const names: string[] = [];
    for (const [name, pool] of this.byName) {
      for (const series of pool) {
        if (series.points.lastTs >= horizon) {
          names.push(name);
          break;
        }
      }
    }
    return names;
  }

  find(name?: string, match: LabelMatch = {}): SeriesRef[] {
    const horizon = this.horizon();
    const refs: SeriesRef[] = [];
    for (const series of this.candidates(name, match)) {
      if (series.points.lastTs >= horizon) refs.push({ name: series.ref.name, labels: series.ref.labels });
    }
    return refs;
  }

  latest(name: string, match: LabelMatch, notBefore: number): LatestSample[] {
    const threshold = Math.max(notBefore, this.horizon());
    const out: LatestSample[] = [];
    for (const series of this.candidates(name, match)) {
      const ts = series.points.lastTs;
      if (ts >= threshold) out.push({ name, labels: series.ref.labels, ts, value: series.points.lastValue });
    }
    return out;
  }

  /** Series without a point in [from, to] are left out, as in Prometheus range queries. */
  range(name: string, match: LabelMatch, from: number, to: number, options: RangeOptions = {}): SeriesPoints[] {
    if (Number.isNaN(from) || Number.isNaN(to)) {
      throw new RangeError(`range: from and to must be numbers (ms), got from=${from}, to=${to}`);
    }
    const step = options.step;
    if (step !== undefined) checkStep(from, to, step);
    const start = Math.max(step === undefined ? from : from - step, this.horizon());
    const out: SeriesPoints[] = [];
    if (start > to) return out;
    let total = 0;
    for (const series of this.candidates(name, match)) {
      let points = series.points.slice(start, to);
      if (step !== undefined) points = columnsToPoints(stepColumns(pointsToColumns(points), from, to, step));
      total += points.length;
      if (options.maxPoints !== undefined && total > options.maxPoints) throw new QueryLimitError(options.maxPoints);
      if (points.length > 0) out.push({ name, labels: series.ref.labels, points });
    }
    return out;
  }

  rangeColumns(name: string, match: LabelMatch, from: number, to: number, options: RangeOptions = {}): SeriesColumns[] {
    return this.range(name, match, from, to, options).map((s) => ({ name: s.name, labels: s.labels, ...pointsToColumns(s.points) }));
  }

  stats(): { series: number; samples: number; rejected: number; replayRejected: number } {
    this.sweep();
    return { series: this.seriesCount, samples: this.heldPoints, rejected: this.rejected, replayRejected: this.replayRejected };
  }

  private appendOne(sample: Sample): boolean {
    const { name, labels, ts, value } = sample;
    if (!Number.isFinite(ts) || ts < this.horizon()) return false;
    let series = this.index.get(name, labels);
    if (series === undefined) {
      series = { ref: { name, labels: Object.freeze({ ...labels }) }, points: new PointBuffer() };
      this.index.set(name, series.ref.labels, series);
      let ofName = this.byName.get(name);
      if (ofName === undefined) this.byName.set(name, (ofName = new Set()));
      ofName.add(series);
      this.seriesCount++;
    } else if (ts <= series.points.lastTs) {
      return false;
    }
    if (ts > this.newestTs) this.newestTs = ts;
    const points = series.points;
    points.push(ts, value);
    this.heldPoints += 1 - points.dropBefore(this.horizon());
    if (points.length > this.maxPointsPerSeries) {
      points.dropOldest(1);
      this.heldPoints--;
    }
    return true;
  }

  /** Points older than this are outside retention. */
  private horizon(): number {
    return this.newestTs - this.retentionMs;
  }

  private *candidates(name: string | undefined, match: LabelMatch): Iterable<StoredSeries> {
    if (name === undefined) {
      for (const ofName of this.byName.values()) yield* matching(ofName, match);
    } else {
      const ofName = this.byName.get(name);
      if (ofName !== undefined) yield* matching(ofName, match);
    }
  }

  /** Trims every series to retention and forgets series with no point left (e.g. a process that exited). */
  private sweep(): void {
    this.appendsSinceSweep = 0;
    const horizon = this.horizon();
    for (const [name, ofName] of this.byName) {
      for (const series of ofName) {
        this.heldPoints -= series.points.dropBefore(horizon);
        if (series.points.length > 0) continue;
        ofName.delete(series);
        this.index.delete(name, series.ref.labels);
        this.seriesCount--;
      }
      if (ofName.size === 0) this.byName.delete(name);
    }
  }
}

function* matching(pool: Iterable<StoredSeries>, match: LabelMatch): Iterable<StoredSeries> {
  for (const series of pool) if (matchesLabelMatch(series.ref.labels, match)) yield series;
}
