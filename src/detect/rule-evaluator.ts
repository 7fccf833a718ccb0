// Evaluates threshold rules against the latest fresh sample of each matching series and
// reports, level-triggered, whether each rule's condition holds now (with hysteresis: a
// series that was active stays so until its resolve condition holds); the alert manager
// turns these observations into pending/firing/resolved using forMs and keepFiringMs.
import type { RuleConfig } from "../config/schema.js";
import type { Clock } from "../util/clock.js";
import { seriesKey } from "../tsdb/labels.js";
import type { SeriesStore } from "../tsdb/series-store.js";
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
        const breach = thresholdBreach(rule, sample.value, wasActive.get(key)?.breach ?? null);
        const labels = ruleAlertLabels(rule, sample.labels);
        const annotations = ruleAnnotations(rule, sample);
        observations.push({ rule: rule.name, labels, annotations, active: breach !== null, value: sample.value, ...timing });
        if (breach !== null) nowActive.set(key, { labels, annotations, breach });
        fresh.add(key);
      }
      for (const [key, { labels, annotations }] of wasActive) {
        if (!fresh.has(key)) observations.push({ rule: rule.name, labels, annotations, active: false, value: null, ...timing });
      }
      return nowActive;
    });
    this.activeByRule = nextActiveByRule;

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
