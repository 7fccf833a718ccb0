import { rulesOfKind } from "../../src/config/rule-kinds.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { configSchema } from "../../src/config/schema.js";
import { RuleEvaluator, type RuleObservation } from "../../src/detect/rule-evaluator.js";
import { MemorySeriesStore } from "../../src/tsdb/memory-store.js";
import { ManualClock } from "../../src/util/clock.js";

const STALE_AFTER_MS = 5_000;

function setup(rules: Record<string, unknown>[]) {
  const clock = new ManualClock(1_000_000);
  const store = new MemorySeriesStore();
  const observations: RuleObservation[] = [];
  const config = configSchema.parse({ rules });
  const evaluator = new RuleEvaluator({
    rules: rulesOfKind(config.rules, "threshold"),
    store,
    clock,
    staleAfterMs: STALE_AFTER_MS,
    observe: (o) => observations.push(o),
  });
  /** Samples `node_cpu_usage_ratio{node}` at the current time. */
  const report = (node: string, value: number) =>
    store.append([{ name: "node_cpu_usage_ratio", labels: { node }, ts: clock.now(), value }]);
  /** Runs one evaluation and returns what it observed. */
  const evaluate = () => {
    observations.length = 0;
    evaluator.evaluate();
    return [...observations];
  };
  return { clock, store, report, evaluate };
}

const highCpu = { name: "HighCpu", metric: "node_cpu_usage_ratio", above: 0.9, for: "30s", severity: "critical" };

test("a series crossing the threshold is observed active, and inactive once it goes back", () => {
  const { clock, report, evaluate } = setup([highCpu]);
  report("a", 0.5);
  assert.deepEqual(evaluate().map((o) => [o.active, o.value]), [[false, 0.5]]);

  clock.advance(1000);
  report("a", 0.95);
  const [firing] = evaluate();
  assert.deepEqual(firing, {
    rule: "HighCpu",
    labels: { alertname: "HighCpu", severity: "critical", node: "a" },
    annotations: { summary: "node_cpu_usage_ratio is 0.95 (above 0.9) on node a" },
    active: true,
    value: 0.95,
    forMs: 30_000,
    keepFiringMs: 0,
  });

  clock.advance(1000);
  report("a", 0.4);
  assert.deepEqual(evaluate().map((o) => [o.active, o.value]), [[false, 0.4]]);
});

test("the condition is level-triggered: every evaluation reports it again while it holds", () => {
  const { clock, report, evaluate } = setup([highCpu]);
  report("a", 0.95);
  assert.deepEqual(evaluate().map((o) => o.active), [true]);
  clock.advance(1000);
  // No new sample, but the last one is still fresh.
  assert.deepEqual(evaluate().map((o) => [o.active, o.value]), [[true, 0.95]]);
});

test("a series that stops reporting while active gives one inactive observation, then silence", () => {
  const { clock, report, evaluate } = setup([highCpu]);
  report("a", 0.95);
  assert.deepEqual(evaluate().map((o) => o.active), [true]);

  clock.advance(STALE_AFTER_MS); // the sample is now exactly staleAfterMs old: still fresh
  assert.deepEqual(evaluate().map((o) => o.active), [true]);

  clock.advance(1);
  assert.deepEqual(evaluate(), [
    {
      rule: "HighCpu",
      labels: { alertname: "HighCpu", severity: "critical", node: "a" },
      annotations: { summary: "node_cpu_usage_ratio is 0.95 (above 0.9) on node a" },
      active: false,
      value: null,
      forMs: 30_000,
    keepFiringMs: 0,
    },
  ]);
  clock.advance(1000);
  assert.deepEqual(evaluate(), []);

  // Reporting again brings the series back.
  report("a", 0.97);
  assert.deepEqual(evaluate().map((o) => [o.active, o.value]), [[true, 0.97]]);
});

test("a series that stops reporting while inactive just falls silent", () => {
  const { clock, report, evaluate } = setup([highCpu]);
  report("a", 0.2);
  assert.equal(evaluate().length, 1);
  clock.advance(STALE_AFTER_MS + 1);
  assert.deepEqual(evaluate(), []);
});

test("two series of one metric give independent observations", () => {
  const { clock, report, evaluate } = setup([highCpu]);
  report("a", 0.95);
  report("b", 0.3);
  const byNode = (obs: RuleObservation[]) =>
    Object.fromEntries(obs.map((o) => [o.labels.node, [o.active, o.value]]));
  assert.deepEqual(byNode(evaluate()), { a: [true, 0.95], b: [false, 0.3] });

  clock.advance(1000);
  report("a", 0.5);
  report("b", 0.99);
  assert.deepEqual(byNode(evaluate()), { a: [false, 0.5], b: [true, 0.99] });

  // b stops reporting while active; a keeps reporting.
  clock.advance(3000);
  report("a", 0.6);
  clock.advance(3000);
  report("a", 0.7);
  assert.deepEqual(byNode(evaluate()), { a: [false, 0.7], b: [false, null] });
  clock.advance(1000);
  report("a", 0.8);
  assert.deepEqual(byNode(evaluate()), { a: [false, 0.8] });
});

test("rule labels select series; each rule observes on its own", () => {
  const { report, evaluate } = setup([
    { ...highCpu, labels: { node: "a" } },
    { name: "LowCpu", metric: "node_cpu_usage_ratio", below: 0.1 },
  ]);
  report("a", 0.95);
  report("b", 0.05);
  const seen = evaluate().map((o) => `${o.rule}:${o.labels.node}:${o.active}`).sort();
  assert.deepEqual(seen, ["HighCpu:a:true", "LowCpu:a:false", "LowCpu:b:true"]);
});

test("a rule whose band can never hold is refused at construction, naming the rule", () => {
  // The config schema already refuses this; the evaluator still guards rules built in code.
  const valid = rulesOfKind(configSchema.parse({ rules: [{ name: "Backwards", metric: "m", above: 0.9, below: 0.1 }] }).rules, "threshold")[0]!;
  const rules = [{ ...valid, above: 0.1, below: 0.9 }];
  assert.throws(
    () => new RuleEvaluator({ rules, store: new MemorySeriesStore(), clock: new ManualClock(), staleAfterMs: 1000, observe: () => {} }),
    /rule Backwards: above \(0\.1\) is less than below/,
  );
});

test("an observer that throws does not stop the other observations", () => {
  const clock = new ManualClock(1_000_000);
  const store = new MemorySeriesStore();
  const rules = rulesOfKind(configSchema.parse({ rules: [highCpu] }).rules, "threshold");
  const seen: string[] = [];
  const evaluator = new RuleEvaluator({
    rules,
    store,
    clock,
    staleAfterMs: STALE_AFTER_MS,
    observe: (o) => {
      seen.push(o.labels.node!);
      if (o.labels.node === "a") throw new Error("boom");
    },
  });
  store.append([
    { name: "node_cpu_usage_ratio", labels: { node: "a" }, ts: clock.now(), value: 1 },
    { name: "node_cpu_usage_ratio", labels: { node: "b" }, ts: clock.now(), value: 1 },
  ]);
  assert.throws(() => evaluator.evaluate(), (err: unknown) => err instanceof AggregateError && err.errors.length === 1);
  assert.deepEqual(seen.sort(), ["a", "b"]);
});

test("hysteresis: a series stays active between resolveBelow and above, and the evaluator remembers it per series", () => {
  const { clock, report, evaluate } = setup([{ ...highCpu, resolveBelow: 0.8 }]);
  const step = (values: Record<string, number>) => {
    clock.advance(1000);
    for (const [node, value] of Object.entries(values)) report(node, value);
    return Object.fromEntries(evaluate().map((o) => [o.labels.node, o.active]));
  };
  assert.deepEqual(step({ a: 0.95, b: 0.85 }), { a: true, b: false });
  assert.deepEqual(step({ a: 0.85, b: 0.85 }), { a: true, b: false }, "a was active, so 0.85 keeps it so; b was not");
  assert.deepEqual(step({ a: 0.79, b: 0.85 }), { a: false, b: false });
  assert.deepEqual(step({ a: 0.85, b: 0.85 }), { a: false, b: false }, "once resolved, 0.85 does not break the rule again");
});

test("a series that went stale forgets its hysteresis: coming back between the thresholds is inactive", () => {
  const { clock, report, evaluate } = setup([{ ...highCpu, resolveBelow: 0.8 }]);
  report("a", 0.95);
  assert.deepEqual(evaluate().map((o) => o.active), [true]);
  clock.advance(STALE_AFTER_MS + 1);
  assert.deepEqual(evaluate().map((o) => [o.active, o.value]), [[false, null]]);
  report("a", 0.85);
  assert.deepEqual(evaluate().map((o) => o.active), [false]);
});

test("observations carry the rule's keepFiringFor", () => {
  const { report, evaluate } = setup([{ ...highCpu, keepFiringFor: "2m" }]);
  report("a", 0.95);
  assert.deepEqual(evaluate().map((o) => [o.forMs, o.keepFiringMs]), [[30_000, 120_000]]);
});

// ---- evaluation on arrival: evaluateSamples ----

const cpu = (node: string, value: number, ts: number) => ({ name: "node_cpu_usage_ratio", labels: { node }, ts, value });

function arrivals(rules: Record<string, unknown>[]) {
  const context = setup(rules);
  const observations: RuleObservation[] = [];
  const config = configSchema.parse({ rules });
  const evaluator = new RuleEvaluator({
    rules: rulesOfKind(config.rules, "threshold"),
    store: context.store,
    clock: context.clock,
    staleAfterMs: STALE_AFTER_MS,
    observe: (o) => observations.push(o),
  });
  /** Stores the samples, as the server does, then evaluates them on arrival; returns what that observed. */
  const arrive = (samples: ReturnType<typeof cpu>[], receivedAt = context.clock.now()) => {
    observations.length = 0;
    context.store.append(samples);
    evaluator.evaluateSamples(samples, receivedAt);
    return [...observations];
  };
  const evaluate = () => {
    observations.length = 0;
    evaluator.evaluate();
    return [...observations];
  };
  return { ...context, arrive, evaluate };
}

test("arriving samples are evaluated at once against the rules on their metric, carrying the arrival time", () => {
  const { clock, arrive } = arrivals([highCpu]);
  const now = clock.now();
  assert.deepEqual(arrive([cpu("a", 0.95, now), { name: "node_memory_usage_ratio", labels: { node: "a" }, ts: now, value: 0.99 }], now + 3), [
    {
      rule: "HighCpu",
      labels: { alertname: "HighCpu", severity: "critical", node: "a" },
      annotations: { summary: "node_cpu_usage_ratio is 0.95 (above 0.9) on node a" },
      active: true,
      value: 0.95,
      forMs: 30_000,
      keepFiringMs: 0,
      sampleReceivedAt: now + 3,
    },
  ]);
});

test("samples of metrics no rule names, and stale samples, observe nothing", () => {
  const { clock, arrive } = arrivals([highCpu]);
  assert.deepEqual(arrive([{ name: "node_load1", labels: { node: "a" }, ts: clock.now(), value: 9 }]), []);
  assert.deepEqual(arrive([cpu("a", 0.99, clock.now() - STALE_AFTER_MS - 1)]), []);
});

test("only the series a batch touches are observed, each by its newest sample in the batch", () => {
  const { clock, arrive } = arrivals([highCpu]);
  const t = clock.now();
  arrive([cpu("b", 0.2, t - 10)]);
  const seen = arrive([cpu("a", 0.2, t - 2), cpu("a", 0.97, t), cpu("a", 0.5, t - 1)]);
  assert.deepEqual(seen.map((o) => [o.labels.node, o.active, o.value]), [["a", true, 0.97]], "b is not touched; a's newest sample decides");
});

test("rule labels select the arriving series as they select stored ones", () => {
  const { clock, arrive } = arrivals([{ ...highCpu, labels: { node: "a" } }, { name: "LowCpu", metric: "node_cpu_usage_ratio", below: 0.1 }]);
  const seen = arrive([cpu("a", 0.95, clock.now()), cpu("b", 0.05, clock.now())]).map((o) => `${o.rule}:${o.labels.node}:${o.active}`);
  assert.deepEqual(seen.sort(), ["HighCpu:a:true", "LowCpu:a:false", "LowCpu:b:true"]);
});

test("arrival and the periodic evaluation share each series' state: hysteresis holds across both, staleness resolves", () => {
  const { clock, arrive, evaluate } = arrivals([{ ...highCpu, resolveBelow: 0.8 }]);
  assert.deepEqual(arrive([cpu("a", 0.95, clock.now())]).map((o) => o.active), [true]);
  clock.advance(1000);
  assert.deepEqual(arrive([cpu("a", 0.85, clock.now())]).map((o) => o.active), [true], "between resolveBelow and above: still active");
  assert.deepEqual(evaluate().map((o) => [o.active, o.value]), [[true, 0.85]], "the timer agrees with what arrival decided");
  clock.advance(STALE_AFTER_MS + 1);
  assert.deepEqual(evaluate().map((o) => [o.active, o.value]), [[false, null]], "the timer resolves a series that went silent");
  assert.deepEqual(arrive([cpu("a", 0.85, clock.now())]).map((o) => o.active), [false], "and its hysteresis is forgotten");
  clock.advance(1000);
  assert.deepEqual(arrive([cpu("a", 0.79, clock.now())]).map((o) => o.active), [false]);
  assert.deepEqual(evaluate().map((o) => o.active), [false]);
});
