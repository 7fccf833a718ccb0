import { rulesOfKind } from "../../src/config/rule-kinds.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { configSchema, type RuleConfig } from "../../src/config/schema.js";
import {
  evaluateThreshold,
  ruleAlertLabels,
  ruleAnnotations,
  thresholdBreach,
  thresholdRuleProblem,
  type Breach,
} from "../../src/detect/threshold-rule.js";
import type { LatestSample } from "../../src/tsdb/series-store.js";

/** A rule as vigil.yaml would give it, defaults applied by the real schema. */
function rule(fields: Record<string, unknown>): RuleConfig {
  return rulesOfKind(configSchema.parse({ rules: [{ name: "HighCpu", metric: "node_cpu_usage_ratio", ...fields }] }).rules, "threshold")[0]!;
}

const sample = (value: number, labels: Record<string, string> = { node: "a" }): LatestSample => ({
  name: "node_cpu_usage_ratio",
  labels,
  ts: 1000,
  value,
});

test("above triggers only strictly above the threshold", () => {
  const r = rule({ above: 0.9 });
  assert.equal(evaluateThreshold(r, 0.95), true);
  assert.equal(evaluateThreshold(r, 0.9), false);
  assert.equal(evaluateThreshold(r, 0.1), false);
});

test("below triggers only strictly below the threshold", () => {
  const r = rule({ below: 0.1 });
  assert.equal(evaluateThreshold(r, 0.05), true);
  assert.equal(evaluateThreshold(r, 0.1), false);
  assert.equal(evaluateThreshold(r, 0.5), false);
});

test("above and below together trigger outside the band", () => {
  const r = rule({ above: 0.9, below: 0.1 });
  assert.equal(evaluateThreshold(r, 0.95), true);
  assert.equal(evaluateThreshold(r, 0.05), true);
  assert.equal(evaluateThreshold(r, 0.5), false);
  assert.equal(evaluateThreshold(r, 0.9), false);
  assert.equal(evaluateThreshold(r, 0.1), false);
});

test("NaN never triggers", () => {
  assert.equal(evaluateThreshold(rule({ above: 0.9, below: 0.1 }), Number.NaN), false);
});

test("a band with above below `below` is reported as a problem, since it would always fire", () => {
  // The config schema refuses this band; rules built in code are still checked here.
  assert.match(thresholdRuleProblem({ ...rule({ above: 0.9, below: 0.1 }), above: 0.1, below: 0.9 })!, /rule HighCpu: above \(0\.1\) is less than below \(0\.9\)/);
  assert.equal(thresholdRuleProblem(rule({ above: 0.9, below: 0.1 })), null);
  assert.equal(thresholdRuleProblem(rule({ above: 0.9 })), null);
});

test("alert labels: series labels and rule labels, with alertname and severity from the rule", () => {
  const r = rule({ above: 0.9, severity: "critical", labels: { zone: "eu" } });
  assert.deepEqual(ruleAlertLabels(r, { node: "a", zone: "eu", cpu: "0" }), {
    alertname: "HighCpu",
    severity: "critical",
    node: "a",
    zone: "eu",
    cpu: "0",
  });
  // A series label cannot override the rule's identity.
  assert.deepEqual(ruleAlertLabels(r, { node: "a", alertname: "x", severity: "info" }), {
    alertname: "HighCpu",
    severity: "critical",
    node: "a",
    zone: "eu",
  });
  assert.equal(ruleAlertLabels(rule({ above: 1 }), {}).severity, "warning");
});

test("default summary names the metric, value, broken threshold and series", () => {
  assert.equal(ruleAnnotations(rule({ above: 0.9 }), sample(0.95)).summary, "node_cpu_usage_ratio is 0.95 (above 0.9) on node a");
  assert.equal(
    ruleAnnotations(rule({ above: 0.9, below: 0.1 }), sample(0.05, { node: "b", cpu: "3" })).summary,
    "node_cpu_usage_ratio is 0.05 (below 0.1) on node b, cpu 3",
  );
  assert.equal(ruleAnnotations(rule({ above: 0.9 }), sample(0.1 + 0.2, {})).summary, "node_cpu_usage_ratio is 0.3 (threshold: above 0.9)");
});

test("summary templates substitute $value and $labels, and show a missing label as <no value>", () => {
  const r = rule({ above: 0.9, summary: "CPU {{ $value }} on {{$labels.node}} ({{ $labels.alertname }}, {{ $labels.nope }}) {{ other }}" });
  assert.equal(ruleAnnotations(r, sample(0.97)).summary, "CPU 0.97 on a (HighCpu, <no value>) {{ other }}");
});

test("rule annotations are kept and templated too; rule.summary wins over annotations.summary", () => {
  const r = rule({
    above: 0.9,
    annotations: { runbook: "https://runbooks/cpu#{{ $labels.node }}", summary: "from annotations {{ $value }}" },
  });
  assert.deepEqual(ruleAnnotations(r, sample(0.95)), { runbook: "https://runbooks/cpu#a", summary: "from annotations 0.95" });
  const withSummary = rule({ above: 0.9, summary: "from summary", annotations: { summary: "ignored" } });
  assert.equal(ruleAnnotations(withSummary, sample(0.95)).summary, "from summary");
});

/** The breaches along a series of values, each evaluation seeing the previous one's breach. */
function breaches(r: RuleConfig, values: number[]): Breach[] {
  let previous: Breach = null;
  return values.map((value) => (previous = thresholdBreach(r, value, previous)));
}

test("hysteresis: an above rule with resolveBelow stays breached until the value drops below it", () => {
  const r = rule({ above: 0.9, resolveBelow: 0.8 });
  assert.deepEqual(breaches(r, [0.85, 0.95, 0.85, 0.9, 0.8, 0.79, 0.85, 0.91]), [null, "above", "above", "above", "above", null, null, "above"]);
  // Without resolveBelow the rule resolves as soon as it is no longer above (no hysteresis).
  assert.deepEqual(breaches(rule({ above: 0.9 }), [0.95, 0.9, 0.95]), ["above", null, "above"]);
});

test("hysteresis: a below rule with resolveAbove stays breached until the value rises above it", () => {
  const r = rule({ below: 0.1, resolveAbove: 0.2 });
  assert.deepEqual(breaches(r, [0.15, 0.05, 0.15, 0.2, 0.21, 0.15]), [null, "below", "below", "below", null, null]);
});

test("hysteresis in a band holds only the side that was breached", () => {
  const r = rule({ above: 0.9, resolveBelow: 0.7, below: 0.1, resolveAbove: 0.3 });
  assert.deepEqual(breaches(r, [0.95, 0.75, 0.5, 0.05, 0.25, 0.75]), ["above", "above", null, "below", "below", null]);
  assert.equal(thresholdBreach(r, Number.NaN, "above"), null, "NaN neither holds nor breaks a rule");
});

test("resolve thresholds on the wrong side are refused for rules built in code", () => {
  const valid = rule({ above: 0.9, resolveBelow: 0.8 });
  assert.match(thresholdRuleProblem({ ...valid, resolveBelow: 0.95 }) ?? "", /resolveBelow \(0\.95\) needs above and must not exceed it/);
  const low = rule({ below: 0.1, resolveAbove: 0.2 });
  assert.match(thresholdRuleProblem({ ...low, resolveAbove: 0.05 }) ?? "", /resolveAbove \(0\.05\) needs below and must not be under it/);
  assert.equal(thresholdRuleProblem(valid), null);
});
