// PromQL rules (`expr:`), evaluated like Prometheus alerting rules: at each evaluation the
// expression runs as an instant query at the clock's now; every series of the result is an
// active alert instance with that series' labels (metric name dropped) plus the rule's, and
// an instance that is no longer in the result resolves. The alert manager applies `for`.
// On a cluster's leader the expressions read every replica's series (evaluateAcross): an
// evaluation that could not read them all keeps its instances as they were (Thanos' ruler
// aborts on a partial response the same way), so a replica that does not answer resolves nothing.
import type { ExprRuleConfig } from "../config/schema.js";
import { PromqlEngine } from "../promql/engine.js";
import { parseQuery } from "../promql/parser.js";
import type { SeriesSource } from "../promql/selection.js";
import { dropMetricName, labelsKey } from "../promql/values.js";
import type { Expr } from "../promql/ast.js";
import type { Clock } from "../util/clock.js";
import type { RuleObservation } from "./rule-evaluator.js";
import { expandTemplate, formatValue } from "./threshold-rule.js";

export interface ExprRuleEvaluatorOptions {
  rules: ExprRuleConfig[];
  source: SeriesSource;
  clock: Clock;
  observe: (observation: RuleObservation) => void;
}

interface ActiveInstance {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export class ExprRuleEvaluator {
  private readonly engine: PromqlEngine;
  private readonly parsed: Expr[];
  /** Per rule (by index), the instances active at the last evaluation, by label set. */
  private active: Map<string, ActiveInstance>[];

  constructor(private readonly o: ExprRuleEvaluatorOptions) {
    this.engine = new PromqlEngine({ source: o.source, now: () => o.clock.now() });
    this.parsed = o.rules.map((r) => parseQuery(r.expr));
    this.active = o.rules.map(() => new Map());
  }

  /**
   * One active observation per result series of each rule, one inactive (value null) per
   * instance that was active and is gone. A rule whose query fails keeps its instances as
   * they were (a failing query is not a resolution); the errors are rethrown together.
   */
  evaluate(): void {
    const now = this.o.clock.now();
    const errors: unknown[] = [];
    const observations: RuleObservation[] = [];
    this.o.rules.forEach((rule, index) => {
      try {
        this.instances(index, this.engine.instant(this.parsed[index]!, now), observations);
      } catch (err) {
        errors.push(new Error(`rule ${rule.name}: ${(err as Error).message}`));
      }
    });
    this.report(observations, errors);
  }

  /**
   * As evaluate(), each expression over the series `sourceOf` gathers for it (a cluster's
   * replicas); one whose series could not all be read (`incomplete`) keeps its instances.
   */
  async evaluateAcross(sourceOf: (expr: Expr, at: number) => Promise<{ source: SeriesSource; incomplete: string[] }>): Promise<void> {
    const now = this.o.clock.now();
    const errors: unknown[] = [];
    const observations: RuleObservation[] = [];
    for (const [index, rule] of this.o.rules.entries()) {
      try {
        const { source, incomplete } = await sourceOf(this.parsed[index]!, now);
        if (incomplete.length > 0) throw new Error(`not every replica's series could be read: ${incomplete.join("; ")}`);
        this.instances(index, new PromqlEngine({ source, now: () => now }).instant(this.parsed[index]!, now), observations);
      } catch (err) {
        errors.push(new Error(`rule ${rule.name}: ${(err as Error).message}`));
      }
    }
    this.report(observations, errors);
  }

  /** The rule's observations from one result: its series active, instances gone from it inactive. */
  private instances(index: number, result: ReturnType<PromqlEngine["instant"]>, observations: RuleObservation[]): void {
    const rule = this.o.rules[index]!;
    const samples = result.resultType === "vector" ? result.result : [];
    const was = this.active[index]!;
    const now_ = new Map<string, ActiveInstance>();
    const timing = { forMs: rule.for, keepFiringMs: rule.keepFiringFor };
    for (const sample of samples) {
      const labels = { ...dropMetricName(sample.labels), ...rule.labels, alertname: rule.name, severity: rule.severity };
      const annotations: Record<string, string> = {};
      for (const [key, text] of Object.entries(rule.annotations)) annotations[key] = expandTemplate(text, sample.value, labels);
      const summary = rule.summary ?? rule.annotations.summary;
      annotations.summary = summary === undefined ? `${rule.expr} is ${formatValue(sample.value)}` : expandTemplate(summary, sample.value, labels);
      const key = labelsKey(labels);
      now_.set(key, { labels, annotations });
      observations.push({ rule: rule.name, labels, annotations, active: true, value: sample.value, ...timing });
    }
    for (const [key, instance] of was) {
      if (!now_.has(key)) observations.push({ rule: rule.name, ...instance, active: false, value: null, ...timing });
    }
    this.active[index] = now_;
  }

  private report(observations: RuleObservation[], errors: unknown[]): void {
    for (const observation of observations) {
      try {
        this.o.observe(observation);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `ExprRuleEvaluator: ${errors.length} error(s)`);
  }
}
