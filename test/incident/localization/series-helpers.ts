// Series for attribution tests: a real in-memory store filled from value functions sampled
// every few seconds, read through the localizer's adapter.
import type { SeriesReader } from "../../../src/incident/localization/series-reader.js";
import { seriesReaderFromStore } from "../../../src/incident/localization/series-reader.js";
import { MemorySeriesStore } from "../../../src/tsdb/memory-store.js";
import type { Labels } from "../../../src/tsdb/series-store.js";
import { seededNormal } from "../../detect/forecast/series-fixtures.js";

export interface SeriesSpec {
  name: string;
  labels: Labels;
  /** The value at t (ms), or null for no sample. */
  value: (t: number) => number | null;
}

/** Samples every spec every `stepMs` over [from, to] into a MemorySeriesStore. */
export function storeWith(specs: SeriesSpec[], from: number, to: number, stepMs = 5000): SeriesReader {
  const store = new MemorySeriesStore({ retentionMs: 24 * 3_600_000, maxPointsPerSeries: 100_000 });
  for (const spec of specs) {
    const samples = [];
    for (let t = from; t <= to; t += stepMs) {
      const value = spec.value(t);
      if (value !== null) samples.push({ name: spec.name, labels: spec.labels, ts: t, value });
    }
    store.append(samples);
  }
  return seriesReaderFromStore(store);
}

/** level · (1 + relative · N(0, 1)), seeded. */
export function noisy(level: number, relative: number, seed: number): (t: number) => number {
  const normal = seededNormal(seed);
  return () => level * (1 + relative * normal());
}
