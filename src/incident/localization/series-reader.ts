// How the attribution reads metrics: one small interface, so the server adapts its series
// store to it (seriesReaderFromStore) and tests can feed any store or arrays.
import type { Labels, Point, SeriesStore } from "../../tsdb/series-store.js";

export interface ReadSeries {
  labels: Labels;
  /** Oldest first, ts in [from, to]. */
  points: Point[];
}

export interface SeriesReader {
  /** Every series of `metric` whose labels include all of `labels`, with its points in [from, to]; series without points are left out. */
  readSeries(metric: string, labels: Labels, from: number, to: number): ReadSeries[];
}

/** A SeriesReader over the server's series store (compressed or in-memory). */
export function seriesReaderFromStore(store: Pick<SeriesStore, "range">): SeriesReader {
  return {
    readSeries: (metric, labels, from, to) => store.range(metric, labels, from, to).map((s) => ({ labels: s.labels, points: s.points })),
  };
}
