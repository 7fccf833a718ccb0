// PromQL rules: every result series is an alert instance with its labels; instances leave
// when their series leaves the result; bad expressions are refused by the config schema.
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
