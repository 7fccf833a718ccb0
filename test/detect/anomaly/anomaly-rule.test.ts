import { test } from "node:test";
import assert from "node:assert/strict";
import { AnomalyRuleEvaluator, probabilityThreshold, type AnomalyRuleConfig } from "../../../src/detect/anomaly/anomaly-rule.js";
import type { RuleObservation } from "../../../src/detect/rule-evaluator.js";
import { MemorySeriesStore } from "../../../src/tsdb/memory-store.js";
import { ManualClock } from "../../../src/util/clock.js";
import { seededNormal } from "./synthetic-series.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function rule(overrides: Partial<AnomalyRuleConfig> = {}): AnomalyRuleConfig {
  return { name: "LatencyAnomaly", metric: "latency_seconds", labels: { service: "api" }, sensitivity: "medium", for: 0, severity: "warning", ...overrides };
}

/** A store and an evaluator on a manual clock; `tick` appends one point per series and evaluates. */
function setup(config: AnomalyRuleConfig) {
  const clock = new ManualClock(Date.UTC(2024, 0, 1));
  const store = new MemorySeriesStore({ retentionMs: 30 * DAY, maxPointsPerSeries: 100_000 });
  const observations: RuleObservation[] = [];
  const evaluator = new AnomalyRuleEvaluator({ rules: [config], store, clock, staleAfterMs: 5 * MINUTE, observe: (o) => observations.push(o) });
  const tick = (points: Record<string, number>) => {
    clock.advance(MINUTE);
    store.append(Object.entries(points).map(([node, value]) => ({ name: "latency_seconds", labels: { service: "api", node }, ts: clock.now(), value })));
    observations.length = 0;
    evaluator.evaluate();
    return [...observations];
  };
  return { clock, tick, evaluator, observations };
}

test("sensitivity maps to a probability threshold; anything else is refused", () => {
  assert.equal(probabilityThreshold("high"), 0.5);
  assert.equal(probabilityThreshold("medium"), 0.9);
  assert.equal(probabilityThreshold("low"), 0.99);
  assert.equal(probabilityThreshold(0.25), 0.75);
  assert.throws(() => probabilityThreshold(1), /sensitivity/);
  assert.throws(() => new AnomalyRuleEvaluator({ rules: [rule({ sensitivity: 0 })], store: new MemorySeriesStore(), clock: new ManualClock(), staleAfterMs: 1, observe: () => {} }), /sensitivity/);
});

test("a level shift raises a level-triggered observation with the evidence, which clears when the level is back", () => {
  const { tick } = setup(rule());
  const noise = seededNormal(21);
  const normal = () => 0.25 + 0.02 * noise();
  for (let i = 0; i < 600; i++) {
    const [observation] = tick({ a: normal() });
    assert.equal(observation!.active, false, `minute ${i}: ${observation!.annotations.summary}`);
  }
  const shifted = tick({ a: 0.91 })[0]!;
  assert.equal(shifted.active, true);
  assert.deepEqual(shifted.labels, { service: "api", node: "a", alertname: "LatencyAnomaly", severity: "warning" });
  assert.equal(shifted.value, 0.91);
  assert.equal(shifted.annotations.observed, "0.91");
  const [low, high] = shifted.annotations.expected!.split("–").map(Number);
  assert.ok(low! < 0.25 && high! > 0.25 && high! < 0.91, shifted.annotations.expected);
  assert.ok(Number(shifted.annotations.probability) >= 0.9);
  assert.match(shifted.annotations.summary!, /^latency_seconds is anomalous on service api, node a: expected 0\.\d+–0\.\d+, observed 0\.91 \(probability /);

  for (let i = 0; i < 30; i++) assert.equal(tick({ a: 0.9 + 0.01 * noise() })[0]!.active, true, "still beyond every value seen before");
  const back = tick({ a: 0.25 })[0]!;
  assert.equal(back.active, false);
  assert.equal(back.annotations.expected, undefined);
});

test("each series has its own detector; a series that stops reporting gets one inactive observation", () => {
  const { tick, clock, evaluator, observations } = setup(rule({ for: 120_000, summary: "{{ $labels.node }} at {{ $value }}" }));
  const noise = seededNormal(22);
  for (let i = 0; i < 400; i++) tick({ a: 10 + noise(), b: 50 + noise() });
  const both = tick({ a: 10 + noise(), b: 80 });
  const byNode = Object.fromEntries(both.map((o) => [o.labels.node, o]));
  assert.equal(byNode.a!.active, false);
  assert.equal(byNode.b!.active, true);
  assert.equal(byNode.b!.forMs, 120_000);
  assert.equal(byNode.b!.annotations.summary, "b at 80");

  clock.advance(10 * MINUTE);
  observations.length = 0;
  evaluator.evaluate();
  assert.deepEqual(
    observations.map((o) => [o.labels.node, o.active, o.value]),
    [["b", false, null]],
    "b was active and went silent; a was inactive and is just not reported",
  );
  observations.length = 0;
  evaluator.evaluate();
  assert.deepEqual(observations, []);
});

test("late points within staleAfterMs are learned once, and the first evaluation warms up on history", () => {
  const clock = new ManualClock(Date.UTC(2024, 0, 1));
  const store = new MemorySeriesStore({ retentionMs: 30 * DAY, maxPointsPerSeries: 100_000 });
  const noise = seededNormal(23);
  const history = Array.from({ length: 500 }, (_, i) => ({ name: "latency_seconds", labels: { service: "api" }, ts: clock.now() + i * MINUTE, value: 5 + noise() }));
  store.append(history);
  clock.advance(500 * MINUTE);
  const observations: RuleObservation[] = [];
  const evaluator = new AnomalyRuleEvaluator({ rules: [rule()], store, clock, staleAfterMs: 5 * MINUTE, observe: (o) => observations.push(o) });
  evaluator.evaluate();
  assert.equal(observations.length, 1);
  assert.equal(observations[0]!.active, false, "500 points of history, nothing anomalous");
  // A spike that arrives two minutes late is still seen, exactly once.
  store.append([{ name: "latency_seconds", labels: { service: "api" }, ts: clock.now() - 30_000, value: 40 }]);
  clock.advance(2 * MINUTE);
  observations.length = 0;
  evaluator.evaluate();
  assert.equal(observations[0]!.active, true);
  assert.equal(observations[0]!.annotations.observed, "40");
});
