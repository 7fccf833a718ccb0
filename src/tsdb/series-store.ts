// The series store interface: what ingest writes and what rules, the API and (later)
// anomaly detection and PromQL read. compressed-store.ts is the persistent implementation;
// memory-store.ts a small in-memory one for tests of code that reads series.
import type { Sample } from "../protocol/messages.js";

export type Labels = Record<string, string>;

/** A test over a whole label set, such as a compiled `name=~"regex"` matcher. */
export interface LabelPredicate {
  test(labels: Labels): boolean;
}

/** Equality pairs that a series' labels must include, or predicates that must all hold. */
export type LabelMatch = Labels | readonly LabelPredicate[];

export interface Point {
  ts: number;
  value: number;
}

export interface SeriesRef {
  name: string;
  labels: Labels;
}

export interface SeriesPoints extends SeriesRef {
  points: Point[];
}

/** Points as two columns of equal length: no object per point, values copied bit for bit. */
export interface Columns {
  ts: Float64Array;
  values: Float64Array;
}

export interface SeriesColumns extends SeriesRef, Columns {}

export interface LatestSample extends SeriesRef {
  ts: number;
  value: number;
}

export interface AppendResult {
  accepted: number;
  /** Out-of-order, duplicate, out-of-retention or invalid samples: rejected and counted, never merged. */
  rejected: number;
}

export interface AppendOptions {
  /**
   * The samples are re-sent after a crash or reconnect (an agent's outbox replaying messages
   * the server processed before they were durable): the store already has some or all of
   * them. Rejections are then expected and counted apart (`replayRejected`), not as rejected.
   */
  replay?: boolean;
}

/** Which figure of a downsampled bucket becomes a point's value. */
export const AGGREGATES = ["avg", "min", "max", "sum", "count"] as const;
export type Aggregate = (typeof AGGREGATES)[number];

export interface RangeOptions {
  /**
   * One point per step, at from, from + step, … ≤ to: the last point in (t − step, t];
   * steps with no point are left out.
   */
  step?: number;
  /** For ranges older than raw retention, read from downsampled buckets. Default avg. */
  aggregate?: Aggregate;
  /** Refuse (QueryLimitError) a query that would return more points than this in all. */
  maxPoints?: number;
}

/** A query that would return more than its maxPoints. */
export class QueryLimitError extends Error {
  constructor(readonly maxPoints: number) {
    super(`the query would return more than ${maxPoints} points; narrow the range or set a step`);
    this.name = "QueryLimitError";
  }
}

export interface SeriesStore {
  append(samples: Sample[], options?: AppendOptions): AppendResult;
  /** The metric names of the series the store holds, in no particular order (what PromQL's `__name__` matchers test). */
  metricNames(): string[];
  /** Series with this metric name whose labels match (all series when name is omitted). */
  find(name?: string, match?: LabelMatch): SeriesRef[];
  /** The most recent sample of each matching series, no older than `notBefore`. */
  latest(name: string, match: LabelMatch, notBefore: number): LatestSample[];
  /** Points in [from, to] of each matching series, oldest first; series without points are left out. */
  range(name: string, match: LabelMatch, from: number, to: number, options?: RangeOptions): SeriesPoints[];
  /** range() as columns: what long ranges and the HTTP API read (86,400 points are 2 arrays, not 86,400 objects). */
  rangeColumns(name: string, match: LabelMatch, from: number, to: number, options?: RangeOptions): SeriesColumns[];
  stats(): { series: number; samples: number; rejected: number; replayRejected: number };
}

/** What queries read: a store, or the series of several replicas merged (src/server/replicas/merged-series.ts). */
export type SeriesReader = Pick<SeriesStore, "metricNames" | "find" | "rangeColumns">;

/**
 * A store whose appends become durable later, at its checkpoints. Every append call takes
 * the next generation; once `durableGeneration` ≥ g, the samples of call g (and of every
 * earlier call) survive a crash of the process.
 */
export interface DurableSeriesStore extends SeriesStore {
  readonly appendGeneration: number;
  readonly durableGeneration: number;
  /** Called after each checkpoint that advanced durableGeneration; returns an unsubscribe function. */
  onDurable(listener: (generation: number) => void): () => void;
  /** Checkpoints now; resolves when every append made before the call is durable. */
  flush(): Promise<void>;
  /** A last checkpoint, then the file is closed. */
  close(): Promise<void>;
}
