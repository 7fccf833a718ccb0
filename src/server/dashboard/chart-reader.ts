// Reads charts for the dashboard out of the series store: one chart is a few series of one
// unit on the shared grid of chart-range.ts, optionally with a forecast line (the exhaustion
// forecast of src/detect/forecast/ projected from where the series stands now).
import { forecastExhaustion, type ExhaustionState } from "../../detect/forecast/exhaustion.js";
import { DEFAULT_MIN_CONFIDENCE } from "../../detect/forecast/forecast-rule.js";
import type { Labels, SeriesStore } from "../../tsdb/series-store.js";
import { alignToGrid, sumRows, type ChartWindow } from "./chart-range.js";

/** How the dashboard formats a chart's values. */
export type ChartUnit = "ratio" | "bytes" | "bytes/s" | "seconds" | "phi" | "number";

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

export interface ForecastLine {
  /** The series it continues. */
  label: string;
  state: ExhaustionState;
  etaMs: number | null;
  projectedAt: number | null;
  confidence: number;
  /** The projection as two points [ts, value]: from now to where the chart can show it. */
  line: [[number, number], [number, number]];
}

export interface Chart {
  id: string;
  title: string;
  unit: ChartUnit;
  series: ChartSeries[];
  forecasts: ForecastLine[];
}

export interface ChartSpec {
  id: string;
  title: string;
  unit: ChartUnit;
  metric: string;
  match: Labels;
  /** Names each series by this label's value (a mountpoint, a device); default: the title. */
  seriesLabel?: (labels: Labels) => string;
  /** Leaves these series out (the loopback device). */
  exclude?: (labels: Labels) => boolean;
  /** Adds all series up into one row named by this label. */
  sumAs?: string;
  /** Forecast the series towards this limit (a used ratio of 1), upwards. */
  forecastLimit?: number;
}

/** How much of the most recent data a forecast fits its trend to. */
export const FORECAST_FIT_WINDOW_MS = 30 * 60_000;
/** How far past `now` a forecast line is drawn, as a share of the chart's range. */
export const FORECAST_REACH = 0.25;

export function readChart(store: SeriesStore, spec: ChartSpec, w: ChartWindow, cells: number, now: number): Chart {
  const found = store
    .rangeColumns(spec.metric, spec.match, w.from, w.to, { step: w.stepMs })
    .filter((s) => !spec.exclude?.(s.labels))
    .sort((a, b) => (spec.seriesLabel?.(a.labels) ?? "").localeCompare(spec.seriesLabel?.(b.labels) ?? ""));
  const rows = alignToGrid(found, w, cells);
  const series: ChartSeries[] =
    spec.sumAs !== undefined
      ? found.length > 0
        ? [{ label: spec.sumAs, values: sumRows(rows, cells) }]
        : []
      : found.map((s, i) => ({ label: spec.seriesLabel?.(s.labels) ?? spec.title, values: rows[i]! }));
  const forecasts: ForecastLine[] = [];
  if (spec.forecastLimit !== undefined && w.to >= now) {
    const fitFrom = now - Math.min(FORECAST_FIT_WINDOW_MS, w.to - w.from);
    for (const s of store.range(spec.metric, spec.match, fitFrom, now)) {
      if (spec.exclude?.(s.labels)) continue;
      const f = forecastExhaustion(s.points, { limit: spec.forecastLimit, direction: "up", now });
      // As the forecast rules do: a projection trusted less than this is noise, not a warning.
      if (f.currentValue === null || (f.state !== "exhausting" && f.state !== "exhausted") || f.confidence < DEFAULT_MIN_CONFIDENCE) continue;
      const end = Math.min(f.projectedAt ?? now, now + FORECAST_REACH * (w.to - w.from));
      forecasts.push({
        label: spec.seriesLabel?.(s.labels) ?? spec.title,
        state: f.state,
        etaMs: f.etaMs,
        projectedAt: f.projectedAt ?? null,
        confidence: f.confidence,
        line: [
          [now, f.currentValue],
          [end, f.currentValue + (f.trendPerSecond * (end - now)) / 1000],
        ],
      });
    }
  }
  return { id: spec.id, title: spec.title, unit: spec.unit, series, forecasts };
}

