// The series store interface: what ingest writes and what rules, the API and (later)
// anomaly detection and PromQL read. memory-store.ts is the first implementation; the
// compressed, persistent store will implement the same interface.
import type { Sample } from "../protocol/messages.js";

export type Labels = Record<string, string>;

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

export interface LatestSample extends SeriesRef {
  ts: number;
  value: number;
}

export interface AppendResult {
  accepted: number;
  /** Out-of-order or duplicate samples: rejected and counted, never merged. */
  rejected: number;
}

export interface SeriesStore {
  append(samples: Sample[]): AppendResult;
  /** Series with this metric name whose labels include every `match` pair (all series when name is omitted). */
  find(name?: string, match?: Labels): SeriesRef[];
  /** The most recent sample of each matching series, no older than `notBefore`. */
  latest(name: string, match: Labels, notBefore: number): LatestSample[];
  /** Points in [from, to] of each matching series, oldest first. */
  range(name: string, match: Labels, from: number, to: number): SeriesPoints[];
  stats(): { series: number; samples: number; rejected: number };
}
