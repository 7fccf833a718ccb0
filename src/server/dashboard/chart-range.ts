// The time ranges the dashboard's charts offer (15 min … 7 d), the step that gives each about
// CHART_POINTS points, and the alignment of series onto one shared time grid (uPlot draws
// every series of a chart against one x array). Pure.
import type { SeriesColumns } from "../../tsdb/series-store.js";

export const CHART_RANGES = {
  "15m": 15 * 60_000,
  "1h": 3_600_000,
  "6h": 6 * 3_600_000,
  "24h": 24 * 3_600_000,
  "7d": 7 * 24 * 3_600_000,
} as const;
export type ChartRangeLabel = keyof typeof CHART_RANGES;
export const CHART_RANGE_LABELS = Object.keys(CHART_RANGES) as ChartRangeLabel[];

/** About this many points per series: enough for a 1280 px chart, small enough to send often. */
export const CHART_POINTS = 240;
/** No step below the agents' usual collect interval. */
export const MIN_STEP_MS = 1000;

export interface ChartWindow {
  from: number;
  to: number;
  stepMs: number;
}

export function parseChartRange(text: string | undefined): { label: ChartRangeLabel; ms: number } | { error: string } {
  const label = (text ?? "1h") as ChartRangeLabel;
  if (!Object.hasOwn(CHART_RANGES, label)) return { error: `range: expected one of ${CHART_RANGE_LABELS.join(", ")}, got "${text}"` };
  return { label, ms: CHART_RANGES[label] };
}

/** The window ending at `to`, with a step rounded up to whole seconds. */
export function chartWindow(to: number, rangeMs: number): ChartWindow {
  const stepMs = Math.max(MIN_STEP_MS, Math.ceil(rangeMs / CHART_POINTS / 1000) * 1000);
  return { from: to - rangeMs, to, stepMs };
}

/** The grid's times: from + step, from + 2·step, … ≤ to (a point at t stands for (t − step, t]). */
export function gridTimes(w: ChartWindow): number[] {
  const out: number[] = [];
  for (let t = w.from + w.stepMs; t <= w.to; t += w.stepMs) out.push(t);
  return out;
}

/** Each series' values on the grid: the last point in each cell, null where it has none. */
export function alignToGrid(series: readonly SeriesColumns[], w: ChartWindow, cells: number): (number | null)[][] {
  return series.map((s) => {
    const row: (number | null)[] = new Array<number | null>(cells).fill(null);
    for (let i = 0; i < s.ts.length; i++) {
      const cell = Math.ceil((s.ts[i]! - w.from) / w.stepMs) - 1;
      const v = s.values[i]!;
      if (cell >= 0 && cell < cells && Number.isFinite(v)) row[cell] = v;
    }
    return row;
  });
}

/** The cell-wise sum of rows; a cell is null only when every row is. */
export function sumRows(rows: readonly (number | null)[][], cells: number): (number | null)[] {
  const out: (number | null)[] = new Array<number | null>(cells).fill(null);
  for (const row of rows) {
    for (let i = 0; i < cells; i++) {
      const v = row[i];
      if (v !== null && v !== undefined) out[i] = (out[i] ?? 0) + v;
    }
  }
  return out;
}
