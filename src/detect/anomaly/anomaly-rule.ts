// Rules of kind `anomaly`: one streaming detector per matching series, fed with the points
// that arrived since the last evaluation, and one level-triggered observation per series
// (as RuleEvaluator's) whose annotations carry the evidence: "expected 0.20–0.35, observed 0.91".
import type { Clock } from "../../util/clock.js";
import { seriesKey } from "../../tsdb/labels.js";
import type { Labels, SeriesPoints } from "../../tsdb/series-store.js";
import type { RuleObservation } from "../rule-evaluator.js";
import { expandTemplate, formatValue } from "../threshold-rule.js";
import { createAnomalyDetector, type AnomalyDetector } from "./anomaly-detector.js";
import { advanceEpisode, type AnomalyEpisode, type EpisodeRule } from "./anomaly-episode.js";
import { resolveDetectorOptions, type AnomalyDetectorOptions } from "./detector-options.js";
import { logistic } from "./logistic.js";

/** high: alarm from probability 0.5 (the NAB-tuned operating point); medium: 0.9; low: 0.99; a number s in (0, 1): 1 − s. */
export type AnomalySensitivity = "low" | "medium" | "high" | number;

export interface AnomalyRuleConfig {
  name: string;
  metric: string;
  /** Only series whose labels include these pairs. */
  labels: Labels;
  sensitivity: AnomalySensitivity;
  /** The alert fires once the episode has lasted this long (ms). */
  for: number;
  keepFiringFor?: number;
  severity: "info" | "warning" | "critical";
  summary?: string;
  annotations?: Record<string, string>;
  /** An episode held only because the value stays beyond its old range ends after this long, the new level accepted (ms; 0: never). */
  settleAfter?: number;
  /** Detector settings for this rule's series (default: the global, NAB-tuned ones). */
  detector?: Partial<AnomalyDetectorOptions>;
}

/** What the evaluator reads: SeriesStore satisfies it. */
export interface AnomalyPointSource {
  range(name: string, match: Labels, from: number, to: number): SeriesPoints[];
}

export interface AnomalyRuleEvaluatorOptions {
  rules: AnomalyRuleConfig[];
  store: AnomalyPointSource;
  clock: Clock;
  /** A series with no point newer than this is not reporting; points this late are still taken. */
  staleAfterMs: number;
  observe: (observation: RuleObservation) => void;
  /** How far back the first evaluation reads, to warm the detectors on history (default one day). */
  historyMs?: number;
  /** A series silent this long is forgotten with its detector (default one day). */
  forgetAfterMs?: number;
}

export function probabilityThreshold(sensitivity: AnomalySensitivity): number {
  if (sensitivity === "high") return 0.5;
  if (sensitivity === "medium") return 0.9;
  if (sensitivity === "low") return 0.99;
  if (!(sensitivity > 0 && sensitivity < 1)) throw new RangeError(`sensitivity must be low, medium, high or a number in (0, 1), got ${sensitivity}`);
  return 1 - sensitivity;
}

interface SeriesState {
  labels: Labels;
  detector: AnomalyDetector;
  lastTs: number;
  lastValue: number;
  valueRange: { low: number; high: number };
  episode: AnomalyEpisode | null;
  /** Whether the last observation sent for the series was active. */
  reportedActive: boolean;
}

interface RuleState {
  rule: AnomalyRuleConfig;
  episodeRule: EpisodeRule;
  slope: number;
  midpoint: number;
  series: Map<string, SeriesState>;
  readUpTo: number | null;
}

const DAY_MS = 86_400_000;

export class AnomalyRuleEvaluator {
  private readonly rules: RuleState[];
  private readonly store: AnomalyPointSource;
  private readonly clock: Clock;
  private readonly staleAfterMs: number;
  private readonly historyMs: number;
  private readonly forgetAfterMs: number;
  private readonly observe: (observation: RuleObservation) => void;

  constructor(options: AnomalyRuleEvaluatorOptions) {
    if (!(options.staleAfterMs > 0) || !Number.isFinite(options.staleAfterMs)) {
      throw new RangeError(`AnomalyRuleEvaluator: staleAfterMs must be a positive number of ms, got ${options.staleAfterMs}`);
    }
    this.rules = options.rules.map((rule) => {
      const detectorOptions = resolveDetectorOptions(rule.detector);
      return {
        rule,
        episodeRule: { threshold: probabilityThreshold(rule.sensitivity), settleAfterMs: rule.settleAfter ?? 0 },
        slope: detectorOptions.logisticSlope,
        midpoint: detectorOptions.logisticMidpoint,
        series: new Map(),
        readUpTo: null,
      };
    });
    this.store = options.store;
    this.clock = options.clock;
    this.staleAfterMs = options.staleAfterMs;
    this.historyMs = options.historyMs ?? DAY_MS;
    this.forgetAfterMs = options.forgetAfterMs ?? DAY_MS;
    this.observe = options.observe;
  }

  /**
   * Feeds every new point to its series' detector, then sends one observation per series
   * that reported within staleAfterMs, and one inactive observation (value null) for a
   * series whose last observation was active and that stopped reporting. Every observation
   * is delivered even if `observe` throws for some; those errors are rethrown together.
   */
  evaluate(): void {
    const now = this.clock.now();
    const observations: RuleObservation[] = [];
    for (const state of this.rules) {
      this.readNewPoints(state, now);
      for (const [key, series] of state.series) {
        const fresh = series.lastTs >= now - this.staleAfterMs;
        if (fresh) {
          observations.push(this.observation(state, series, series.episode !== null));
          series.reportedActive = series.episode !== null;
        } else if (series.reportedActive) {
          observations.push({ ...this.observation(state, series, false), value: null });
          series.reportedActive = false;
        }
        if (series.lastTs < now - this.forgetAfterMs) state.series.delete(key);
      }
    }
    const errors: unknown[] = [];
    for (const observation of observations) {
      try {
        this.observe(observation);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `AnomalyRuleEvaluator: observe failed for ${errors.length} observation(s)`);
  }

  private readNewPoints(state: RuleState, now: number): void {
    // Re-read staleAfterMs before the last read: points that arrived late are still learned once.
    const from = state.readUpTo === null ? now - this.historyMs : state.readUpTo - this.staleAfterMs;
    state.readUpTo = now;
    const { rule } = state;
    for (const { name, labels, points } of this.store.range(rule.metric, rule.labels, from, now)) {
      const key = seriesKey(name, labels);
      let series = state.series.get(key);
      if (series === undefined) {
        series = {
          labels,
          detector: createAnomalyDetector(rule.detector),
          lastTs: -Infinity,
          lastValue: NaN,
          valueRange: { low: Infinity, high: -Infinity },
          episode: null,
          reportedActive: false,
        };
        state.series.set(key, series);
      }
      for (const { ts, value } of points) {
        if (!(ts > series.lastTs) || !Number.isFinite(value)) continue;
        const result = series.detector.update(ts, value);
        const { evidence } = result;
        const evidenceProbability = evidence.feature === null ? 0 : logistic(evidence.surprise, state.slope, state.midpoint);
        series.episode = advanceEpisode(series.episode, state.episodeRule, ts, value, result, evidenceProbability, series.valueRange);
        series.valueRange.low = Math.min(series.valueRange.low, value);
        series.valueRange.high = Math.max(series.valueRange.high, value);
        series.lastTs = ts;
        series.lastValue = value;
      }
    }
  }

  private observation(state: RuleState, series: SeriesState, active: boolean): RuleObservation {
    const { rule } = state;
    const labels = { ...series.labels, alertname: rule.name, severity: rule.severity };
    const annotations: Record<string, string> = {};
    for (const [key, text] of Object.entries(rule.annotations ?? {})) annotations[key] = expandTemplate(text, series.lastValue, labels);
    const episode = series.episode;
    if (episode !== null) {
      annotations.expected = `${formatValue(episode.expected.low)}–${formatValue(episode.expected.high)}`;
      annotations.observed = formatValue(episode.observed);
      annotations.probability = episode.peakProbability.toFixed(2);
      annotations.since = new Date(episode.since).toISOString();
      if (episode.feature !== null) annotations.evidence = episode.feature;
    }
    annotations.summary =
      rule.summary !== undefined ? expandTemplate(rule.summary, series.lastValue, labels) : defaultSummary(rule.metric, series, episode);
    return {
      rule: rule.name,
      labels,
      annotations,
      active,
      value: series.lastValue,
      forMs: rule.for,
      keepFiringMs: rule.keepFiringFor ?? 0,
    };
  }
}

function defaultSummary(metric: string, series: SeriesState, episode: AnomalyEpisode | null): string {
  const where = Object.entries(series.labels)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  const on = where ? ` on ${where}` : "";
  if (episode === null) return `${metric} is within its usual behaviour${on} (${formatValue(series.lastValue)})`;
  return (
    `${metric} is anomalous${on}: expected ${formatValue(episode.expected.low)}–${formatValue(episode.expected.high)}, ` +
    `observed ${formatValue(episode.observed)} (probability ${episode.peakProbability.toFixed(2)})`
  );
}
