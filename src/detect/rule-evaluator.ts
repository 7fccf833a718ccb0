// Evaluates threshold rules against the latest fresh sample of each matching series and
// reports, level-triggered, whether each rule's condition holds now (with hysteresis: a
// series that was active stays so until its resolve condition holds); the alert manager
// turns these observations into pending/firing/resolved using forMs and keepFiringMs.
// Two entry points: evaluateSamples() when samples arrive (only the rules on their metrics,
// only the series they touch: what makes an alert fast), and evaluate() on a timer (every
// series: staleness, and `for` durations that elapse between samples).
import type { RuleConfig } from "../config/schema.js";
import type { Sample } from "../protocol/messages.js";
import { columnsOfSamples, type SampleColumns } from "../protocol/sample-columns.js";
import type { Clock } from "../util/clock.js";
import { matchesLabels, seriesKey } from "../tsdb/labels.js";
import type { LatestSample, SeriesStore } from "../tsdb/series-store.js";
import { ruleAlertLabels, ruleAnnotations, thresholdBreach, thresholdRuleProblem, type Breach } from "./threshold-rule.js";

export interface RuleObservation {
  rule: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  active: boolean;
  /** The sample's value; null when the series stopped reporting (its alert should resolve). */
  value: number | null;
  forMs: number;
  /** The rule's keepFiringFor: how long a firing alert outlasts its condition (absent: 0). */
  keepFiringMs?: number;
  /** When the samples message with this sample reached the server (ms); set by evaluateSamples only. */
  sampleReceivedAt?: number;
}

export interface RuleEvaluatorOptions {
  rules: RuleConfig[];
  store: SeriesStore;
  clock: Clock;
  /** A series whose latest sample is older than this counts as not reporting. */
  staleAfterMs: number;
  observe: (observation: RuleObservation) => void;
}

interface ActiveSeries {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The side breached at the last evaluation, which hysteresis holds on to. */
  breach: Exclude<Breach, null>;
}

export class RuleEvaluator {
  private readonly rules: RuleConfig[];
  private readonly store: SeriesStore;
  private readonly clock: Clock;
  private readonly staleAfterMs: number;
  private readonly observe: (observation: RuleObservation) => void;
  /** Per rule (by index: names need not be unique), the series that were active at the last evaluation, by series key. */
  private activeByRule: Map<string, ActiveSeries>[];
  /** Rule indexes by metric name, so that arriving samples reach only the rules on their metrics. */
  private readonly rulesByMetric = new Map<string, number[]>();

  constructor(options: RuleEvaluatorOptions) {
    if (!(options.staleAfterMs > 0) || !Number.isFinite(options.staleAfterMs)) {
      throw new RangeError(`RuleEvaluator: staleAfterMs must be a positive number of ms, got ${options.staleAfterMs}`);
    }
    const problems = options.rules.map(thresholdRuleProblem).filter((p): p is string => p !== null);
    if (problems.length > 0) throw new Error(`RuleEvaluator: ${problems.join("; ")}`);
    this.rules = options.rules;
    this.store = options.store;
    this.clock = options.clock;
    this.staleAfterMs = options.staleAfterMs;
    this.observe = options.observe;
    this.activeByRule = this.rules.map(() => new Map());
    this.rules.forEach((rule, index) => this.rulesByMetric.set(rule.metric, [...(this.rulesByMetric.get(rule.metric) ?? []), index]));
  }

  /**
   * Evaluates, at once, the rules on the series these just-stored samples touch: per series
   * its newest sample in the batch (if fresh), against each rule on its metric whose labels it
   * has. Samples of metrics no rule names cost one map lookup each; other series wait for
   * evaluate(). `receivedAt` (when the batch reached the server) is passed on with each
   * observation. Errors of `observe` are rethrown together, as evaluate() does.
   */
  evaluateSamples(samples: readonly Sample[], receivedAt: number): void {
    this.evaluateColumns(columnsOfSamples(samples), receivedAt);
  }

  /** evaluateSamples() for samples as columns (an agent's decoded samples message). */
  evaluateColumns(columns: SampleColumns, receivedAt: number): void {
    const notBefore = this.clock.now() - this.staleAfterMs;
    const newest = new Map<string, Sample>();
    const { series: table, seriesOf, ts, values } = columns;
    for (let i = 0; i < ts.length; i++) {
      const series = table[seriesOf[i]!]!;
      if (!this.rulesByMetric.has(series.name) || ts[i]! < notBefore) continue;
      const key = seriesKey(series.name, series.labels);
      const seen = newest.get(key);
      if (seen === undefined || ts[i]! >= seen.ts) newest.set(key, { name: series.name, labels: series.labels as Record<string, string>, ts: ts[i]!, value: values[i]! });
    }
    const observations: RuleObservation[] = [];
    for (const [key, sample] of newest) {
      for (const index of this.rulesByMetric.get(sample.name)!) {
        const rule = this.rules[index]!;
        if (!matchesLabels(sample.labels, rule.labels)) continue;
        const active = this.activeByRule[index]!;
        const { observation, after } = this.observation(rule, sample, active.get(key));
        if (after === null) active.delete(key);
        else active.set(key, after);
        observations.push({ ...observation, sampleReceivedAt: receivedAt });
      }
    }
    this.deliver(observations);
  }

  /**
   * One observation per fresh matching series per rule, plus one inactive observation
   * (value null) for each series that was active last time and has no fresh sample now;
   * after that the series is silent until it reports again. Every observation is delivered
   * even if `observe` throws for some; those errors are rethrown together afterwards.
   */
  evaluate(): void {
    const notBefore = this.clock.now() - this.staleAfterMs;
    const observations: RuleObservation[] = [];
    const nextActiveByRule = this.rules.map((rule, index) => {
      const wasActive = this.activeByRule[index]!;
      const nowActive = new Map<string, ActiveSeries>();
      const fresh = new Set<string>();
      const timing = { forMs: rule.for, keepFiringMs: rule.keepFiringFor };
      for (const sample of this.store.latest(rule.metric, rule.labels, notBefore)) {
        const key = seriesKey(sample.name, sample.labels);
        const { observation, after } = this.observation(rule, sample, wasActive.get(key));
        observations.push(observation);
        if (after !== null) nowActive.set(key, after);
        fresh.add(key);
      }
      for (const [key, { labels, annotations }] of wasActive) {
        if (!fresh.has(key)) observations.push({ rule: rule.name, labels, annotations, active: false, value: null, ...timing });
      }
      return nowActive;
    });
    this.activeByRule = nextActiveByRule;
    this.deliver(observations);
  }

  /** The observation of one fresh sample against one rule, and the series' state after it (null: not active). */
  private observation(
    rule: RuleConfig,
    sample: LatestSample,
    was: ActiveSeries | undefined,
  ): { observation: RuleObservation; after: ActiveSeries | null } {
    const breach = thresholdBreach(rule, sample.value, was?.breach ?? null);
    const labels = ruleAlertLabels(rule, sample.labels);
    const annotations = ruleAnnotations(rule, sample);
    const observation = {
      rule: rule.name,
      labels,
      annotations,
      active: breach !== null,
      value: sample.value,
      forMs: rule.for,
      keepFiringMs: rule.keepFiringFor,
    };
    return { observation, after: breach === null ? null : { labels, annotations, breach } };
  }

  /** Every observation is delivered even if `observe` throws for some; those errors are rethrown together afterwards. */
  private deliver(observations: readonly RuleObservation[]): void {
    const errors: unknown[] = [];
    for (const observation of observations) {
      try {
        this.observe(observation);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `RuleEvaluator: observe failed for ${errors.length} observation(s)`);
  }
}
