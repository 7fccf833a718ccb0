// Which series a PromQL selector matches, for the series and label endpoints (not for
// evaluation): every series held, or only those with points in a time range.
import type { VectorSelector } from "./ast.js";
import { METRIC_NAME } from "./values.js";
import { selectorLabelPredicates, selectorMetricNames } from "./selection.js";
import type { Labels, SeriesReader, SeriesRef } from "../tsdb/series-store.js";

/** The series `selector` matches: all held ones when `window` is null, else those with a point in [from, to]. */
export function seriesMatchingSelector(reader: SeriesReader, selector: VectorSelector, window: { from: number; to: number } | null): SeriesRef[] {
  const out: SeriesRef[] = [];
  if (window === null) {
    for (const name of selectorMetricNames(reader, selector)) {
      for (const ref of reader.find(name)) {
        const labels: Labels = { [METRIC_NAME]: name, ...ref.labels };
        if (selector.matchers.every((m) => m.matches(labels[m.name] ?? ""))) out.push({ name, labels: ref.labels });
      }
    }
    return out;
  }
  const predicates = selectorLabelPredicates(selector);
  for (const name of selectorMetricNames(reader, selector)) {
    for (const s of reader.rangeColumns(name, predicates, window.from, window.to)) out.push({ name, labels: s.labels });
  }
  return out;
}
