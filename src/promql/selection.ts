// Reading the series a selector names from the store, once per query: every point the
// query's steps can reach, then instant lookups (the newest point within the lookback
// delta, none if it is a staleness marker) and range windows ([t − range, t], staleness
// markers left out) by binary search, as Prometheus 2.x selects them.
import type { VectorSelector } from "./ast.js";
import type { LabelPredicate, SeriesColumns } from "../tsdb/series-store.js";
import type { Labels } from "../tsdb/series-store.js";
import { METRIC_NAME, type InstantSample, type RangeSeries } from "./values.js";

/** What the engine reads: SeriesStore satisfies it. */
export interface SeriesSource {
  metricNames(): string[];
  rangeColumns(name: string, match: readonly LabelPredicate[], from: number, to: number): SeriesColumns[];
}

export interface LoadedSeries {
  labels: Labels;
  ts: Float64Array;
  values: Float64Array;
  /** Per point, 1 for a Prometheus staleness marker; undefined when the series has none. */
  stale?: Uint8Array;
}

/** Prometheus' staleness marker: the NaN with bit pattern 0x7ff0000000000002. */
export const STALE_NAN_HIGH = 0x7ff00000;
export const STALE_NAN_LOW = 0x00000002;

/** The metric names the selector can match among those the source holds. */
export function selectorMetricNames(source: Pick<SeriesSource, "metricNames">, selector: VectorSelector): string[] {
  const nameMatchers = selector.matchers.filter((m) => m.name === METRIC_NAME);
  const names = selector.name !== undefined ? [selector.name] : source.metricNames();
  return names.filter((n) => nameMatchers.every((m) => m.matches(n)));
}

/** The selector's matchers on labels other than the metric name, as the store tests them. */
export function selectorLabelPredicates(selector: VectorSelector): LabelPredicate[] {
  return selector.matchers.filter((m) => m.name !== METRIC_NAME).map((m) => ({ test: (labels) => m.matches(labels[m.name] ?? "") }));
}

export function loadSelector(source: SeriesSource, selector: VectorSelector, from: number, to: number): LoadedSeries[] {
  const predicates = selectorLabelPredicates(selector);
  const out: LoadedSeries[] = [];
  for (const name of selectorMetricNames(source, selector)) {
    for (const s of source.rangeColumns(name, predicates, from, to)) {
      const loaded: LoadedSeries = { labels: { [METRIC_NAME]: name, ...s.labels }, ts: s.ts, values: s.values };
      const stale = staleFlags(s.values);
      if (stale !== undefined) loaded.stale = stale;
      out.push(loaded);
    }
  }
  return out;
}

function staleFlags(values: Float64Array): Uint8Array | undefined {
  let flags: Uint8Array | undefined;
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  for (let i = 0; i < values.length; i++) {
    // Read the bits from memory: a NaN loaded into a JS number may lose its payload.
    if (words[2 * i + 1] === STALE_NAN_HIGH && words[2 * i] === STALE_NAN_LOW) (flags ??= new Uint8Array(values.length))[i] = 1;
  }
  return flags;
}

/** Index of the last point with ts ≤ t, or −1. */
function lastAtOrBefore(ts: Float64Array, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Index of the first point with ts ≥ t (ts.length when none). */
function firstAtOrAfter(ts: Float64Array, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Each series' newest point in [t − lookback, t], unless that point is a staleness marker. */
export function instantSamples(series: readonly LoadedSeries[], t: number, lookbackMs: number): InstantSample[] {
  const out: InstantSample[] = [];
  for (const s of series) {
    const i = lastAtOrBefore(s.ts, t);
    if (i < 0 || s.ts[i]! < t - lookbackMs || s.stale?.[i] === 1) continue;
    out.push({ labels: s.labels, value: s.values[i]! });
  }
  return out;
}

/** Each series' points in [start, end], staleness markers left out; series with none are kept (empty) for absent_over_time. */
export function rangeWindows(series: readonly LoadedSeries[], start: number, end: number): RangeSeries[] {
  const out: RangeSeries[] = [];
  for (const s of series) {
    const from = firstAtOrAfter(s.ts, start);
    const to = lastAtOrBefore(s.ts, end) + 1;
    if (to <= from) continue;
    if (s.stale === undefined) {
      out.push({ labels: s.labels, ts: s.ts.subarray(from, to), values: s.values.subarray(from, to) });
      continue;
    }
    const ts: number[] = [];
    const values: number[] = [];
    for (let i = from; i < to; i++) {
      if (s.stale[i] === 1) continue;
      ts.push(s.ts[i]!);
      values.push(s.values[i]!);
    }
    if (ts.length > 0) out.push({ labels: s.labels, ts: Float64Array.from(ts), values: Float64Array.from(values) });
  }
  return out;
}
