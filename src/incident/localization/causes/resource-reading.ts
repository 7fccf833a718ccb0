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
  /** The series was already climbing as fast (in the check's direction) through the whole baseline: the fault is older than the history. */
  climbingThroughHistory: boolean;
  /** Judged against a short history (YOUNG_SERIES_LEAD_MS): it counts only where it came near its limit. */
  young: boolean;
}

/**
 * A series younger than the lead window has no history before it to say what is usual (a
 * service started two minutes ago that leaks to its limit): it is judged over this last
 * stretch before the onset instead, against its own points before that. A young process'
 * usual growth looks abnormal against so little, so such a reading counts only as far as
 * the series came near its limit (resourceScore).
 */
export const YOUNG_SERIES_LEAD_MS = 30_000;

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
    let from = windowFrom;
    let judged = abnormality(s.points, from, windowTo, direction, minSpread);
    const young = judged !== null && Number.isNaN(judged.usual) && onset - YOUNG_SERIES_LEAD_MS > windowFrom;
    if (young) {
      from = onset - YOUNG_SERIES_LEAD_MS;
      judged = abnormality(s.points, from, windowTo, direction, minSpread);
    }
    if (!judged) continue;
    // The climb is fitted from where the series left its usual band (when that is within
    // the trend window): a quick leak's line is not flattened by the calm before it.
    const departed = judged.abnormalSince;
    const trendFrom = departed !== null && departed > onset - w.trendMs ? departed : onset - w.trendMs;
    const trend = onsetTrend(s.points, trendFrom, windowTo, direction);
    // The same climb through the baseline (at least half the slope; organic growth is far slower than a fault's).
    const before = trend && onsetTrend(s.points, -Infinity, from, direction);
    const climbingThroughHistory = !!trend && !!before && Math.abs(before.perSecond) >= 0.5 * Math.abs(trend.perSecond);
    out.push({ labels: s.labels, points: s.points, abnormality: judged, trend, climbingThroughHistory, young });
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
 * The level a climbing series had reached when its process exited. The OOM killer does not
 * wait for the collector: the last sample before the kill can be up to one sample interval
 * short of the level that killed it. A reading with a trend is projected along it from its
 * last point before the first exit near the onset to the exit, at most one sample interval
 * on; null without a trend, an exit or a point before it.
 */
export function levelAtExit(ctx: AttributionContext, reading: ResourceReading): number | null {
  if (!reading.trend) return null;
  const exit = ctx.evidence.find((e) => e.kind === "process-exited" && e.at >= ctx.onset - ctx.windows.leadMs && e.at <= ctx.now);
  if (!exit) return null;
  const points = reading.points;
  let i = points.length - 1;
  while (i >= 0 && points[i]!.ts > exit.at) i--;
  if (i < 1) return null;
  const last = points[i]!;
  const interval = last.ts - points[i - 1]!.ts;
  const gapMs = Math.min(exit.at - last.ts, interval);
  return last.value + (reading.trend.perSecond * gapMs) / 1000;
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
 * score = 0.95 · abnormal · (0.35 + 0.65 · saturated). Abnormal for the series is required (a
 * cache that always sits at 95% explains nothing new); saturation decides how much it
 * explains. A resource without a known limit counts as half-saturated, and a steady climb
 * before the onset as at least 0.6 saturated (it was heading for its limit).
 *
 * One exception to "abnormal for its own history": a series at its limit after a steady
 * climb is exhausting, whatever its history says: a leak older than the history looked at
 * makes the climb itself look usual, but the series cannot have been at its limit before
 * and stayed healthy. Then abnormal ≥ 0.9 · saturated.
 */
export function resourceScore(reading: ResourceReading, saturated: number | null): number {
  if (reading.young) {
    // Abnormal against a short history, and as near its limit as that: a leak that filled it.
    const sat = saturated ?? 0;
    return MAX_RESOURCE_SCORE * Math.min(abnormalOrExhausting(reading, saturated), sat) * (0.35 + 0.65 * sat);
  }
  let sat = saturated ?? 0.5;
  if (reading.trend) sat = Math.max(sat, 0.6);
  return MAX_RESOURCE_SCORE * abnormalOrExhausting(reading, saturated) * (0.35 + 0.65 * sat);
}

/** The reading's abnormality, raised for a climb that ended at the limit (see resourceScore). */
export function abnormalOrExhausting(reading: ResourceReading, saturated: number | null): number {
  const exhausting = reading.trend && saturated !== null ? 0.9 * saturated : 0;
  return Math.max(reading.abnormality.probability, exhausting);
}

/**
 * When the resource went wrong: where it left its usual band; for a climb older than the
 * history, the history's start; for a climb that never left the band, the start of the
 * climb seen before the onset.
 */
export function wrongSince(ctx: AttributionContext, reading: ResourceReading): number | null {
  if (reading.climbingThroughHistory) return reading.points[0]!.ts;
  return reading.abnormality.abnormalSince ?? (reading.trend ? ctx.onset - ctx.windows.trendMs : null);
}

/** A cause read from series alone is never certain: the fault may have come from elsewhere and only shown here. */
export const MAX_RESOURCE_SCORE = 0.95;

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

/** " since 14:02:11", or " for at least 50 min" for a climb older than the history; "" when unknown. */
export function sinceText(ctx: AttributionContext, reading: ResourceReading): string {
  const since = wrongSince(ctx, reading);
  if (since === null) return "";
  if (reading.climbingThroughHistory || since !== reading.abnormality.abnormalSince) {
    return ` for at least ${Math.round((ctx.onset - since) / 60_000)} min`;
  }
  return ` since ${ctx.formatClock(since)}`;
}
