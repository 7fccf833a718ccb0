// The shared way resource checks read a metric around the onset: each matching series with
// its abnormality against its own history, its trend before the onset, and how close it came
// to its limit. Saturation and abnormality combine into the check's score.
import type { Labels, Point } from "../../../tsdb/series-store.js";
import { onsetTrend, type OnsetTrend } from "../onset-trend.js";
import { abnormality, type Abnormality, type Direction } from "../series-abnormality.js";
import type { AttributionContext } from "./cause.js";

export interface ResourceReading {
  labels: Labels;
  points: Point[];
  abnormality: Abnormality;
  trend: OnsetTrend | null;
}

/** Each series of `metric` matching `labels`, judged in the window around the onset; series without points there are left out. */
export function readResource(
  ctx: AttributionContext,
  metric: string,
  labels: Labels,
  direction: Direction,
  minSpread = 0,
): ResourceReading[] {
  if (!ctx.series) return [];
  const { onset, now, windows: w } = ctx;
  const windowFrom = onset - w.leadMs;
  const windowTo = Math.min(now, onset + w.afterMs);
  const out: ResourceReading[] = [];
  for (const s of ctx.series.readSeries(metric, labels, windowFrom - w.baselineMs, windowTo)) {
    const judged = abnormality(s.points, windowFrom, windowTo, direction, minSpread);
    if (!judged) continue;
    out.push({ labels: s.labels, points: s.points, abnormality: judged, trend: onsetTrend(s.points, onset - w.trendMs, windowTo, direction) });
  }
  return out;
}

/** The newest value of `metric` at or before `at` (looking back one baseline), or null. */
export function latestValue(ctx: AttributionContext, metric: string, labels: Labels, at: number): number | null {
  if (!ctx.series) return null;
  let best: Point | null = null;
  for (const s of ctx.series.readSeries(metric, labels, at - ctx.windows.baselineMs, at)) {
    const last = s.points[s.points.length - 1];
    if (last && (best === null || last.ts > best.ts)) best = last;
  }
  return best?.value ?? null;
}

/**
 * How close a level came to its limit, in [0, 1]: 0 up to 70% of it, 1 from 95% on, linear
 * between. Exhaustion rarely waits for 100%: allocators, GC and the kernel's reserves fail
 * earlier.
 */
export function saturation(fractionOfLimit: number): number {
  return Math.min(1, Math.max(0, (fractionOfLimit - 0.7) / 0.25));
}

/**
 * score = abnormal · (0.35 + 0.65 · saturated). Abnormal for the series is required (a cache
 * that always sits at 95% explains nothing new); saturation decides how much it explains. A
 * resource without a known limit counts as half-saturated, and a steady climb before the
 * onset as at least 0.6 saturated (it was heading for its limit).
 */
export function resourceScore(reading: ResourceReading, saturated: number | null): number {
  let sat = saturated ?? 0.5;
  if (reading.trend) sat = Math.max(sat, 0.6);
  return reading.abnormality.probability * (0.35 + 0.65 * sat);
}

/** The reading with the highest score. */
export function strongest<T extends { score: number }>(items: readonly T[]): T | null {
  let best: T | null = null;
  for (const item of items) if (best === null || item.score > best.score) best = item;
  return best;
}

/** "peak 980 MB against a usual 200 MB (z 41, abnormal 1.00)". */
export function describe(a: ResourceReading["abnormality"], format: (x: number) => string): string {
  const usual = Number.isFinite(a.usual) ? ` against a usual ${format(a.usual)} (z ${a.z.toFixed(1)})` : " (too little history to compare)";
  return `peak ${format(a.extreme)}${usual}, abnormal ${a.probability.toFixed(2)}`;
}

/** The labels of the target service's own series: service, and node when known. */
export function serviceLabels(ctx: AttributionContext): Labels {
  return ctx.target.node ? { service: ctx.target.name, node: ctx.target.node } : { service: ctx.target.name };
}
