// Forecast rules: for every series of a resource with a limit, forecast from the store's
// recent window when it runs out, and report level-triggered, like threshold rules, whether
// that is within the rule's horizon with enough confidence.
import { seriesKey } from "../../tsdb/labels.js";
import type { Labels, Point, SeriesStore } from "../../tsdb/series-store.js";
import type { Clock } from "../../util/clock.js";
import { DEFAULT_MIN_POINTS, forecastExhaustion, type Direction, type ExhaustionForecast } from "./exhaustion.js";
import { expandForecastTemplate, forecastFigures, forecastSummary, type ForecastSubject } from "./forecast-summary.js";
import type { TrendMethod } from "./trend.js";

/** A forecast rule after config parsing: durations in ms. */
export interface ForecastRuleConfig {
  name: string;
  forecast: {
    metric: string;
    /** Only series whose labels include these pairs. */
    labels?: Labels;
    limit: number;
    /** Default "down" when limit is 0; required otherwise (see forecastRuleProblem). */
    direction?: Direction;
    /** Active when the resource is projected to run out within this many ms. */
    within: number;
    /** How much history the trend is fitted to (default 30 min). */
    window?: number;
    /** Active only at or above this confidence (default 0.5). */
    minConfidence?: number;
  };
  severity: "info" | "warning" | "critical";
  /** How long the forecast must hold before the alert fires (default 0). */
  for?: number;
  /** How long a firing alert outlasts its forecast (default 0). */
  keepFiringFor?: number;
  /** Template of the summary annotation; default e.g. "`/` on node a will be full in 37 min (...)". */
  summary?: string;
  annotations?: Record<string, string>;
}

/**
 * A forecast rule with every default filled in: the shape a zod schema with defaults outputs,
 * and what defaultForecastRules() returns, so the two can share one list.
 */
export type ResolvedForecastRuleConfig = Omit<ForecastRuleConfig, "forecast" | "for" | "keepFiringFor" | "annotations"> & {
  forecast: Required<Omit<ForecastRuleConfig["forecast"], "direction">> & { direction?: Direction };
  for: number;
  keepFiringFor: number;
  annotations: Record<string, string>;
};

/**
 * What the evaluator reports per series and evaluation: the shape of the threshold rules'
 * RuleObservation (rule-evaluator.ts), so both feed AlertManager.observe the same way.
 */
export interface ForecastObservation {
  rule: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  active: boolean;
  /** The series' newest sample; null when the series stopped reporting (its alert should resolve). */
  value: number | null;
  forMs: number;
  keepFiringMs: number;
}

export const DEFAULT_FORECAST_WINDOW_MS = 30 * 60_000;
export const DEFAULT_MIN_CONFIDENCE = 0.5;

/**
 * Besides the whole window, the trend is fitted to its newest quarter. Theil–Sen ignores a
 * new trend until it owns ~29% of the window (the fraction of pairs with the new slope,
 * 1 − (1 − f)², must pass one half), so a leak that began 5 minutes ago is invisible in a
 * 30-minute window; in the newest quarter it owns most of the points. The shorter span is
 * paid for in the confidence (its reach factor), so a noisy quarter does not raise alarms.
 */
export const RECENT_WINDOW_FRACTION = 1 / 4;

/**
 * Hysteresis: once active, a forecast stays active until its ETA exceeds within × 1.25 or
 * its confidence falls below minConfidence × 0.8, so an ETA hovering at `within` (or a
 * confidence at the bar) does not flap the alert on every evaluation.
 */
export const RESOLVE_WITHIN_FACTOR = 1.25;
export const RESOLVE_CONFIDENCE_FACTOR = 0.8;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SEVERITIES = new Set(["info", "warning", "critical"]);

/** The direction a rule forecasts in: its own, or "down" for a limit of 0 (free, available → 0). */
export function ruleDirection(rule: ForecastRuleConfig): Direction {
  return rule.forecast.direction ?? "down";
}

/**
 * What is wrong with a rule, or null. The direction may be left out only for a limit of 0:
 * for any other limit "free bytes down to 1 GB" and "usage up to 0.95" are both plausible, and
 * guessing wrong would silently never fire.
 */
export function forecastRuleProblem(rule: ForecastRuleConfig): string | null {
  const where = `forecast rule ${JSON.stringify(rule?.name)}`;
  if (typeof rule?.name !== "string" || rule.name === "") return `${where}: name must be a non-empty string`;
  const f = rule.forecast;
  if (typeof f !== "object" || f === null) return `${where}: expected forecast: { metric, limit, within }`;
  if (typeof f.metric !== "string" || !METRIC_NAME.test(f.metric)) {
    return `${where}: forecast.metric must be a metric name such as node_filesystem_free_bytes, got ${JSON.stringify(f.metric)}`;
  }
  if (f.labels !== undefined && (typeof f.labels !== "object" || f.labels === null || Object.values(f.labels).some((v) => typeof v !== "string"))) {
    return `${where}: forecast.labels must map label names to strings`;
  }
  if (typeof f.limit !== "number" || !Number.isFinite(f.limit)) return `${where}: forecast.limit must be a finite number, got ${f.limit}`;
  if (f.direction === undefined && f.limit !== 0) {
    return `${where}: forecast.direction is required when limit is not 0 ("down" if the resource runs out by falling to ${f.limit}, "up" if by rising to it)`;
  }
  if (f.direction !== undefined && f.direction !== "down" && f.direction !== "up") {
    return `${where}: forecast.direction must be "down" or "up", got ${JSON.stringify(f.direction)}`;
  }
  if (!isPositiveMs(f.within)) return `${where}: forecast.within must be a positive duration, got ${f.within}`;
  if (f.window !== undefined && !isPositiveMs(f.window)) return `${where}: forecast.window must be a positive duration, got ${f.window}`;
  if (f.minConfidence !== undefined && !(f.minConfidence >= 0 && f.minConfidence <= 1)) {
    return `${where}: forecast.minConfidence must be in [0, 1], got ${f.minConfidence}`;
  }
  if (!SEVERITIES.has(rule.severity)) return `${where}: severity must be info, warning or critical, got ${JSON.stringify(rule.severity)}`;
  for (const [field, value] of [["for", rule.for], ["keepFiringFor", rule.keepFiringFor]] as const) {
    if (value !== undefined && !(value >= 0 && Number.isFinite(value))) return `${where}: ${field} must be a duration >= 0, got ${value}`;
  }
  return null;
}

export interface ForecastRuleEvaluatorOptions {
  rules: ForecastRuleConfig[];
  store: SeriesStore;
  clock: Clock;
  /** A series whose newest sample is older than this counts as not reporting (its alert resolves). */
  staleAfterMs: number;
  observe: (observation: ForecastObservation) => void;
  /** The trend estimator (default Theil–Sen, see trend.ts). */
  method?: TrendMethod;
}

interface ActiveSeries {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export class ForecastRuleEvaluator {
  private readonly rules: ForecastRuleConfig[];
  private readonly store: SeriesStore;
  private readonly clock: Clock;
  private readonly staleAfterMs: number;
  private readonly observe: (observation: ForecastObservation) => void;
  private readonly method: TrendMethod | undefined;
  /** Per rule (by index: names need not be unique), the series active at the last evaluation, by series key. */
  private activeByRule: Map<string, ActiveSeries>[];

  constructor(options: ForecastRuleEvaluatorOptions) {
    if (!(options.staleAfterMs > 0) || !Number.isFinite(options.staleAfterMs)) {
      throw new RangeError(`ForecastRuleEvaluator: staleAfterMs must be a positive number of ms, got ${options.staleAfterMs}`);
    }
    const problems = options.rules.map(forecastRuleProblem).filter((p): p is string => p !== null);
    if (problems.length > 0) throw new Error(`ForecastRuleEvaluator: ${problems.join("; ")}`);
    this.rules = options.rules;
    this.store = options.store;
    this.clock = options.clock;
    this.staleAfterMs = options.staleAfterMs;
    this.observe = options.observe;
    this.method = options.method;
    this.activeByRule = this.rules.map(() => new Map());
  }

  /**
   * One observation per fresh matching series per rule (value: its newest sample), plus one
   * inactive observation (value null) for each series that was active last time and is not
   * reporting now; after that the series is silent until it reports again. Every observation
   * is delivered even if `observe` throws for some; those errors are rethrown together.
   */
  evaluate(): void {
    const now = this.clock.now();
    const observations: ForecastObservation[] = [];
    this.activeByRule = this.rules.map((rule, index) => {
      const wasActive = this.activeByRule[index]!;
      const nowActive = new Map<string, ActiveSeries>();
      const fresh = new Set<string>();
      const timing = { forMs: rule.for ?? 0, keepFiringMs: rule.keepFiringFor ?? 0 };
      const f = rule.forecast;
      const windowMs = f.window ?? DEFAULT_FORECAST_WINDOW_MS;
      // Up to now + staleAfterMs: an agent whose clock runs a little ahead is still read.
      for (const series of this.store.range(f.metric, f.labels ?? {}, now - windowMs, now + this.staleAfterMs)) {
        const newest = series.points[series.points.length - 1];
        if (newest === undefined || newest.ts < now - this.staleAfterMs) continue;
        const key = seriesKey(series.name, series.labels);
        const stillActive = wasActive.has(key);
        const subject: ForecastSubject = { metric: f.metric, seriesLabels: series.labels, limit: f.limit, direction: ruleDirection(rule) };
        const { forecast, active } = this.judge(rule, subject, series.points, now, windowMs, stillActive);
        const labels = { ...series.labels, alertname: rule.name, severity: rule.severity };
        const annotations = ruleAnnotations(rule, subject, forecast, newest.value, labels);
        observations.push({ rule: rule.name, labels, annotations, active, value: newest.value, ...timing });
        if (active) nowActive.set(key, { labels, annotations });
        fresh.add(key);
      }
      for (const [key, { labels, annotations }] of wasActive) {
        if (!fresh.has(key)) observations.push({ rule: rule.name, labels, annotations, active: false, value: null, ...timing });
      }
      return nowActive;
    });

    const errors: unknown[] = [];
    for (const observation of observations) {
      try {
        this.observe(observation);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `ForecastRuleEvaluator: observe failed for ${errors.length} observation(s)`);
  }

  /**
   * Forecasts the whole window and its newest quarter and decides. Active: some forecast has
   * an ETA within `within` and confidence ≥ minConfidence (relaxed by the hysteresis factors
   * while already active); of those the earliest ETA is reported. Otherwise the whole window's
   * forecast is reported, inactive.
   */
  private judge(
    rule: ForecastRuleConfig,
    subject: ForecastSubject,
    points: Point[],
    now: number,
    windowMs: number,
    stillActive: boolean,
  ): { forecast: ExhaustionForecast; active: boolean } {
    const options = { limit: subject.limit, direction: subject.direction, now, ...(this.method && { method: this.method }) };
    const whole = forecastExhaustion(points, options);
    const candidates = [whole];
    const recentFrom = now - windowMs * RECENT_WINDOW_FRACTION;
    const recentStart = points.findIndex((p) => p.ts >= recentFrom);
    if (recentStart > 0 && points.length - recentStart >= DEFAULT_MIN_POINTS) {
      candidates.push(forecastExhaustion(points.slice(recentStart), options));
    }
    const within = rule.forecast.within * (stillActive ? RESOLVE_WITHIN_FACTOR : 1);
    const minConfidence = (rule.forecast.minConfidence ?? DEFAULT_MIN_CONFIDENCE) * (stillActive ? RESOLVE_CONFIDENCE_FACTOR : 1);
    let chosen: ExhaustionForecast | undefined;
    for (const forecast of candidates) {
      if (forecast.etaMs === null || forecast.etaMs > within || forecast.confidence < minConfidence) continue;
      if (chosen === undefined || forecast.etaMs < chosen.etaMs!) chosen = forecast;
    }
    return chosen === undefined ? { forecast: whole, active: false } : { forecast: chosen, active: true };
  }
}

/**
 * The rule's annotations (templated), the forecast's figures, and `summary`: the rule's
 * template (rule.summary, else annotations.summary), else forecastSummary's sentence.
 */
function ruleAnnotations(
  rule: ForecastRuleConfig,
  subject: ForecastSubject,
  forecast: ExhaustionForecast,
  latestValue: number,
  alertLabels: Labels,
): Record<string, string> {
  const annotations: Record<string, string> = forecastFigures(forecast);
  for (const [key, text] of Object.entries(rule.annotations ?? {})) {
    annotations[key] = expandForecastTemplate(text, subject, forecast, latestValue, alertLabels);
  }
  const template = rule.summary ?? rule.annotations?.summary;
  annotations.summary =
    template === undefined ? forecastSummary(subject, forecast) : expandForecastTemplate(template, subject, forecast, latestValue, alertLabels);
  return annotations;
}

function isPositiveMs(value: unknown): boolean {
  return typeof value === "number" && value > 0 && Number.isFinite(value);
}
