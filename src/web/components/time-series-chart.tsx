// One chart panel drawn with uPlot: the series of a ChartData on the payload's time grid, the
// forecast lines (dashed, towards the exhaustion time) and markers (vertical lines where an
// anomaly or forecast alert fired, or the node went down or came back). Follows the theme
// and the panel's width; the header reads out the values under the cursor.
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { duration, inUnit, timeOfDay } from "../format.js";
import type { ChartData, ChartMarker } from "../types.js";

export const PALETTE = ["#3b82f6", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899"];
const MARKER_COLOR: Record<ChartMarker["kind"], string> = {
  anomaly: "#8b5cf6",
  forecast: "#f59e0b",
  alert: "#ef4444",
  down: "#ef4444",
  unreachable: "#f59e0b",
  up: "#10b981",
};

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** x in seconds (uPlot's unit), the series and one row per forecast line. */
function plotData(x: number[], chart: ChartData): uPlot.AlignedData {
  const times = new Set(x);
  for (const f of chart.forecasts) for (const [t] of f.line) times.add(t);
  const xs = [...times].sort((a, b) => a - b);
  const at = new Map(xs.map((t, i) => [t, i]));
  const rows = chart.series.map((s) => {
    const row: (number | null)[] = new Array(xs.length).fill(null);
    s.values.forEach((v, i) => (row[at.get(x[i]!)!] = v));
    return row;
  });
  for (const f of chart.forecasts) {
    const row: (number | null)[] = new Array(xs.length).fill(null);
    for (const [t, v] of f.line) row[at.get(t)!] = v;
    rows.push(row);
  }
  return [xs.map((t) => t / 1000), ...rows] as uPlot.AlignedData;
}

export function TimeSeriesChart({ chart, x, markers = [], height = 190 }: { chart: ChartData; x: number[]; markers?: ChartMarker[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [hover, setHover] = useState<string | null>(null);
  const [themeTick, setThemeTick] = useState(0);
  const hasData = chart.series.some((s) => s.values.some((v) => v !== null));

  useEffect(() => {
    const on = () => setThemeTick((t) => t + 1);
    addEventListener("vigil-theme", on);
    return () => removeEventListener("vigil-theme", on);
  }, []);

  useEffect(() => {
    const el = box.current;
    if (!el || !hasData) return;
    const grid = cssVar("--grid");
    const text = cssVar("--faint");
    const axis: uPlot.Axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: "11px system-ui, sans-serif" };
    const series: uPlot.Series[] = [
      {},
      ...chart.series.map((s, i) => ({
        label: s.label,
        stroke: PALETTE[i % PALETTE.length],
        width: 1.75,
        fill: chart.series.length === 1 ? `${PALETTE[i % PALETTE.length]}22` : undefined,
        spanGaps: false,
        points: { show: false },
      })),
      ...chart.forecasts.map(() => ({ label: "forecast", stroke: "#f59e0b", width: 2, dash: [6, 5], spanGaps: true, points: { show: true, size: 5 } })),
    ];
    const opts: uPlot.Options = {
      width: el.clientWidth,
      height,
      padding: [8, 8, 0, 0],
      legend: { show: false },
      cursor: { points: { size: 6 }, drag: { x: false, y: false } },
      scales: { y: { range: (_u, min, max) => yRange(chart.unit, min, max) } },
      axes: [axis, { ...axis, size: 62, values: (_u, vals) => vals.map((v) => inUnit(v, chart.unit)) }],
      series,
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            ctx.save();
            for (const m of markers) {
              const px = u.valToPos(m.ts / 1000, "x", true);
              if (px < u.bbox.left || px > u.bbox.left + u.bbox.width) continue;
              ctx.strokeStyle = MARKER_COLOR[m.kind];
              ctx.lineWidth = 1.5 * devicePixelRatio;
              ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
              ctx.beginPath();
              ctx.moveTo(px, u.bbox.top);
              ctx.lineTo(px, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.setLineDash([]);
              ctx.fillStyle = MARKER_COLOR[m.kind];
              ctx.beginPath();
              ctx.arc(px, u.bbox.top + 4 * devicePixelRatio, 4 * devicePixelRatio, 0, Math.PI * 2);
              ctx.fill();
            }
            ctx.restore();
          },
        ],
        setCursor: [
          (u) => {
            const i = u.cursor.idx;
            if (i === null || i === undefined) return setHover(null);
            const t = (u.data[0][i] ?? 0) * 1000;
            const parts = chart.series.map((s, k) => `${s.label} ${inUnit(u.data[k + 1]![i] as number | null, chart.unit)}`);
            setHover(`${timeOfDay(t)} · ${parts.join(" · ")}`);
          },
        ],
      },
    };
    const p = new uPlot(opts, plotData(x, chart), el);
    plot.current = p;
    const resize = new ResizeObserver(() => p.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      p.destroy();
      plot.current = null;
    };
  }, [chart, x, markers, height, themeTick, hasData]);

  const exhausting = chart.forecasts.filter((f) => f.etaMs !== null);
  return (
    <section class="panel chart-panel" data-chart={chart.id}>
      <header>
        <h2>{chart.title}</h2>
        <div class="legend">
          {hover ?? (
            <>
              {chart.series.map((s, i) => (
                <span key={s.label}>
                  <span class="swatch" style={{ background: PALETTE[i % PALETTE.length] }} />
                  {s.label} {inUnit(lastValue(s.values), chart.unit)}
                </span>
              ))}
            </>
          )}
        </div>
      </header>
      {exhausting.length > 0 && (
        <div class="body forecast-note" style={{ paddingBottom: 0 }}>
          {exhausting.map((f) => (
            <div key={f.label}>
              {f.state === "exhausted" ? `${f.label} is at its limit now` : `${f.label} projected full in ${duration(f.etaMs)}`} (confidence {(f.confidence * 100).toFixed(0)}%)
            </div>
          ))}
        </div>
      )}
      <div class="chart-box" ref={box}>
        {!hasData && (
          <div class="chart-empty" style={{ height }}>
            No samples in this range yet
          </div>
        )}
      </div>
    </section>
  );
}

/** The y axis: ratios 0–100% at least, φ 0–2 at least, bytes 0–1 KB at least (so a quiet link reads 0, 250 B, 500 B ... not 0, 0, 1, 1 B), else 0 to a tenth above the top. */
function yRange(unit: string, min: number, max: number): [number, number] {
  if (unit === "ratio") return [0, Math.max(1, max)];
  if (unit === "phi") return [0, Math.max(2, max * 1.1)];
  if (unit === "bytes" || unit === "bytes/s") return [Math.min(0, min), Math.max(1000, max * 1.1)];
  return [Math.min(0, min), max > 0 ? max * 1.1 : 1];
}

function lastValue(values: (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i]!;
  return null;
}
