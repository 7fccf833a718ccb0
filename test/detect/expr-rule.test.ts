// PromQL rules: every result series is an alert instance with its labels; instances leave
// when their series leaves the result; bad expressions are refused by the config schema; on a
// cluster's leader they read every replica's series, and a replica that does not answer
// resolves nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../src/util/clock.js";
import { MemorySeriesStore } from "../../src/tsdb/memory-store.js";
import { ExprRuleEvaluator } from "../../src/detect/expr-rule.js";
import type { RuleObservation } from "../../src/detect/rule-evaluator.js";
import { parseConfig } from "../../src/config/load.js";

test("each series of the result is an active instance with its labels; a series that leaves resolves", () => {
  const clock = new ManualClock();
  const store = new MemorySeriesStore({ retentionMs: 1e10 });
  const observed: RuleObservation[] = [];
  const config = parseConfig(`
rules:
  - name: HotDisk
    expr: 'disk_used_ratio > 0.9'
    for: 1m
    labels: { team: storage }
    severity: critical
    summary: "{{ $labels.device }} is {{ $value }} full"
`);
  const rules = config.rules.filter((r) => r.kind === "expr");
  assert.equal(rules.length, 1);
  const evaluator = new ExprRuleEvaluator({ rules, source: store, clock, observe: (o) => observed.push(o) });
  const t = clock.now();
  store.append([
    { name: "disk_used_ratio", labels: { device: "sda" }, ts: t, value: 0.95 },
    { name: "disk_used_ratio", labels: { device: "sdb" }, ts: t, value: 0.5 },
  ]);
  evaluator.evaluate();
  assert.deepEqual(observed, [
    {
      rule: "HotDisk",
      labels: { device: "sda", team: "storage", alertname: "HotDisk", severity: "critical" },
      annotations: { summary: "sda is 0.95 full" },
      active: true,
      value: 0.95,
      forMs: 60_000,
      keepFiringMs: 0,
    },
  ]);
  observed.length = 0;
  clock.advance(15_000);
  store.append([{ name: "disk_used_ratio", labels: { device: "sda" }, ts: clock.now(), value: 0.5 }]);
  evaluator.evaluate();
  assert.equal(observed.length, 1);
  assert.equal(observed[0]!.active, false);
  assert.equal(observed[0]!.value, null);
});

test("the config schema refuses a rule whose expr is not valid PromQL or not a vector, naming the rule", () => {
  assert.throws(() => parseConfig(`rules:\n  - name: Broken\n    expr: 'rate(x[5m]'\n`), /rules\[0\]\.expr: invalid PromQL: parse error at char 11/);
  assert.throws(() => parseConfig(`rules:\n  - name: Scalar\n    expr: '1 + 1'\n`), /rules\[0\]\.expr: expected a PromQL expression whose result is an instant vector, got a scalar/);
});

test("across replicas: each rule reads the series gathered for it; an evaluation missing a replica's series keeps its instances", async () => {
  const clock = new ManualClock();
  // Two replicas' stores: the leader's, and another holding node b.
  const leader = new MemorySeriesStore({ retentionMs: 1e10 });
  const other = new MemorySeriesStore({ retentionMs: 1e10 });
  const observed: RuleObservation[] = [];
  const rules = parseConfig(`
rules:
  - name: HighLoad
    expr: 'sum by (node) (node_load1) > 4'
`).rules.filter((r) => r.kind === "expr");
  const evaluator = new ExprRuleEvaluator({ rules, source: leader, clock, observe: (o) => observed.push(o) });
  const t = clock.now();
  leader.append([{ name: "node_load1", labels: { node: "a" }, ts: t, value: 1 }]);
  other.append([{ name: "node_load1", labels: { node: "b" }, ts: t, value: 9 }]);
  const both = { metricNames: () => ["node_load1"], rangeColumns: (...args: Parameters<MemorySeriesStore["rangeColumns"]>) => [...leader.rangeColumns(...args), ...other.rangeColumns(...args)] };

  await evaluator.evaluateAcross(async () => ({ source: both, incomplete: [] }));
  assert.deepEqual(observed.map((o) => [o.labels.node, o.active]), [["b", true]], "node b's load, held by the other replica, fires");

  // The other replica does not answer: not a resolution.
  observed.length = 0;
  clock.advance(15_000);
  await assert.rejects(
    evaluator.evaluateAcross(async () => ({ source: leader, incomplete: ["replica r2 (http://r2) did not answer: timed out"] })),
    (err: AggregateError) => /HighLoad: not every replica's series could be read: replica r2/.test(err.errors[0].message),
  );
  assert.equal(observed.length, 0, "the instance stays as it was");

  // It answers again, and b's load is down: resolved.
  other.append([{ name: "node_load1", labels: { node: "b" }, ts: clock.now(), value: 1 }]);
  await evaluator.evaluateAcross(async () => ({ source: both, incomplete: [] }));
  assert.deepEqual(observed.map((o) => [o.labels.node, o.active]), [["b", false]]);
});
