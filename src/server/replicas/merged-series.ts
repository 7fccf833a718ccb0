// The series of the whole cluster for one query: this replica's store, read as usual, plus
// the series other replicas sent for the query's selectors and time range (held in memory).
// A series both hold (same name and labels: its node moved mid-range) is merged by timestamp,
// a point both hold kept once. Reads are synchronous, as the PromQL engine and the tsdb
// routes expect; a metric no other replica sent is read from the store alone, without a copy.
import { matchesLabelMatch, seriesKey } from "../../tsdb/labels.js";
import { mergeColumns, sliceColumns } from "../../tsdb/query/merge-columns.js";
import { checkStep, stepColumns } from "../../tsdb/query/step.js";
import { QueryLimitError, type LabelMatch, type RangeOptions, type SeriesColumns, type SeriesReader, type SeriesRef } from "../../tsdb/series-store.js";

export class MergedSeries implements SeriesReader {
  /** Other replicas' series by metric name, then by series key; several replicas' copies already merged. */
  private readonly remote = new Map<string, Map<string, SeriesColumns>>();

  /** `remote`: the series other replicas answered, each ascending by ts (earlier ones win on equal timestamps). */
  constructor(
    private readonly local: SeriesReader,
    remote: Iterable<SeriesColumns>,
  ) {
    for (const s of remote) {
      let byKey = this.remote.get(s.name);
      if (byKey === undefined) this.remote.set(s.name, (byKey = new Map()));
      const key = seriesKey(s.name, s.labels);
      const known = byKey.get(key);
      byKey.set(key, known === undefined ? s : { name: s.name, labels: s.labels, ...mergeColumns(known, s) });
    }
  }

  metricNames(): string[] {
    const names = new Set(this.local.metricNames());
    for (const name of this.remote.keys()) names.add(name);
    return [...names];
  }

  find(name?: string, match: LabelMatch = {}): SeriesRef[] {
    const found = new Map<string, SeriesRef>();
    for (const ref of this.local.find(name, match)) found.set(seriesKey(ref.name, ref.labels), ref);
    for (const [metric, byKey] of this.remote) {
      if (name !== undefined && metric !== name) continue;
      for (const [key, s] of byKey) if (!found.has(key) && matchesLabelMatch(s.labels, match)) found.set(key, { name: s.name, labels: s.labels });
    }
    return [...found.values()];
  }

  /** As SeriesStore.rangeColumns, over the union: the step (if any) is applied after merging, maxPoints to the merged answer. */
  rangeColumns(name: string, match: LabelMatch, from: number, to: number, options: RangeOptions = {}): SeriesColumns[] {
    const remote = this.remote.get(name);
    if (remote === undefined) return this.local.rangeColumns(name, match, from, to, options);
    const { step, aggregate } = options;
    if (step !== undefined) checkStep(from, to, step);
    const maxPoints = options.maxPoints ?? Infinity;
    // A step takes the last point in (t − step, t]: the first step looks back before `from`.
    const readFrom = step === undefined ? from : from - step + 1;
    const merged = new Map<string, SeriesColumns>();
    const local = this.local.rangeColumns(name, match, readFrom, to, { ...(aggregate !== undefined && { aggregate }), ...(step === undefined && { maxPoints }) });
    for (const s of local) merged.set(seriesKey(s.name, s.labels), s);
    for (const [key, s] of remote) {
      if (!matchesLabelMatch(s.labels, match)) continue;
      const points = sliceColumns(s, readFrom, to);
      if (points.ts.length === 0) continue;
      const mine = merged.get(key);
      merged.set(key, { name, labels: s.labels, ...(mine === undefined ? points : mergeColumns(mine, points)) });
    }
    const out: SeriesColumns[] = [];
    let total = 0;
    for (const s of merged.values()) {
      const columns = step === undefined ? s : { name: s.name, labels: s.labels, ...stepColumns(s, from, to, step) };
      total += columns.ts.length;
      if (total > maxPoints) throw new QueryLimitError(maxPoints);
      if (columns.ts.length > 0) out.push(columns);
    }
    return out;
  }
}
