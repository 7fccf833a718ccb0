// Samples as columns over a table of series: how the server handles a samples message once
// it is decoded, whichever wire form it came in (binary frame or JSON). A collection of K
// series is one table of K series and three columns, not K objects with K label objects.
import type { PROTOCOL_VERSION, Sample, SamplesMessage } from "./messages.js";

/** A series: metric name and label set. */
export interface SeriesKey {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Sample i is series[seriesOf[i]] at ts[i] (ms) with values[i]; the three columns have one length. */
export interface SampleColumns {
  readonly series: readonly SeriesKey[];
  readonly seriesOf: Uint32Array;
  readonly ts: Float64Array;
  readonly values: Float64Array;
}

/** A samples message with its samples as columns: a decoded binary frame, or a JSON message converted. */
export interface SamplesColumnsMessage {
  type: "samples";
  v: typeof PROTOCOL_VERSION;
  seq: number;
  columns: SampleColumns;
}

/** The JSON `samples` message as columns. */
export function samplesColumnsMessage(m: SamplesMessage): SamplesColumnsMessage {
  return { type: "samples", v: m.v, seq: m.seq, columns: columnsOfSamples(m.samples) };
}

/** Sample objects as columns; each sample is its own series entry (a Sample is a SeriesKey). */
export function columnsOfSamples(samples: readonly Sample[]): SampleColumns {
  const n = samples.length;
  const seriesOf = new Uint32Array(n);
  const ts = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = samples[i]!;
    seriesOf[i] = i;
    ts[i] = s.ts;
    values[i] = s.value;
  }
  return { series: samples, seriesOf, ts, values };
}

/** The samples of the columns as objects, one per sample (what the protocol tests compare). */
export function samplesOfColumns(columns: SampleColumns): Sample[] {
  const out: Sample[] = new Array(columns.ts.length);
  for (let i = 0; i < out.length; i++) {
    const series = columns.series[columns.seriesOf[i]!]!;
    out[i] = { name: series.name, labels: series.labels as Record<string, string>, ts: columns.ts[i]!, value: columns.values[i]! };
  }
  return out;
}

/** The columns without the samples for which `keep(series)` is false; the same object when it keeps all. */
export function filterColumns(columns: SampleColumns, keep: (series: SeriesKey) => boolean): SampleColumns {
  const kept = columns.series.map(keep);
  if (kept.every(Boolean)) return columns;
  const n = columns.ts.length;
  let count = 0;
  for (let i = 0; i < n; i++) if (kept[columns.seriesOf[i]!]) count++;
  const seriesOf = new Uint32Array(count);
  const ts = new Float64Array(count);
  const values = new Float64Array(count);
  for (let i = 0, j = 0; i < n; i++) {
    if (!kept[columns.seriesOf[i]!]) continue;
    seriesOf[j] = columns.seriesOf[i]!;
    ts[j] = columns.ts[i]!;
    values[j] = columns.values[i]!;
    j++;
  }
  return { series: columns.series, seriesOf, ts, values };
}
