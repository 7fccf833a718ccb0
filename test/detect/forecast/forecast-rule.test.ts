import { test } from "node:test";
import assert from "node:assert/strict";
import { forecastExhaustion } from "../../../src/detect/forecast/exhaustion.js";
import { defaultForecastRules } from "../../../src/detect/forecast/default-forecast-rules.js";
import {
  ForecastRuleEvaluator,
  forecastRuleProblem,
  type ForecastObservation,
  type ForecastRuleConfig,
} from "../../../src/detect/forecast/forecast-rule.js";
import type { Labels } from "../../../src/tsdb/series-store.js";
import { MemorySeriesStore } from "../../../src/tsdb/memory-store.js";
import { ManualClock } from "../../../src/util/clock.js";

const T0 = 1_700_000_000_000;
const MB = 2 ** 20;
const GB = 2 ** 30;
const MINUTE = 60_000;
const STALE_AFTER_MS = 30_000;

const ROOT: Labels = { mountpoint: "/", device: "/dev/vda", fstype: "ext4", node: "a" };
const DATA: Labels = { mountpoint: "/data", device: "/dev/vdb", fstype: "ext4", node: "a" };

function setup(rules: ForecastRuleConfig[]) {
  const clock = new ManualClock(T0);
  const store = new MemorySeriesStore();
  const observations: ForecastObservation[] = [];
  const evaluator = new ForecastRuleEvaluator({ rules, store, clock, staleAfterMs: STALE_AFTER_MS, observe: (o) => observations.push(o) });
  /** Samples `metric{labels}` every `intervalMs` from `from` up to the clock's time, valued by `valueAt`. */
  const record = (metric: string, labels: Labels, from: number, intervalMs: number, valueAt: (ts: number) => number) => {
    for (let ts = from; ts <= clock.now(); ts += intervalMs) store.append([{ name: metric, labels, ts, value: valueAt(ts) }]);
  };
  const evaluate = () => {
    observations.length = 0;
    evaluator.evaluate();
    return [...observations];
  };
  return { clock, store, record, evaluate };
}

const diskWillFill = (within: number, extra: Partial<ForecastRuleConfig> = {}): ForecastRuleConfig => ({
  name: "DiskWillFill",
  forecast: { metric: "node_filesystem_free_bytes", limit: 0, within },
  severity: "warning",
  for: 2 * MINUTE,
  ...extra,
});

/** Free bytes falling 2.1 MB/s so that they reach 0 at `fullAt`. */
const fillingUntil = (fullAt: number) => (ts: number) => 2.1 * MB * ((fullAt - ts) / 1000);

test("a filesystem filling at a steady rate raises a warning that says when, in words", () => {
  const { clock, record, evaluate } = setup([diskWillFill(60 * MINUTE)]);
  clock.set(T0 + 30 * MINUTE);
  const now = clock.now();
  record("node_filesystem_free_bytes", ROOT, T0, 10_000, fillingUntil(now + 37 * MINUTE));
  record("node_filesystem_free_bytes", DATA, T0, 10_000, () => 500 * GB);

  const [root, data] = evaluate();
  assert.deepEqual(root, {
    rule: "DiskWillFill",
    labels: { ...ROOT, alertname: "DiskWillFill", severity: "warning" },
    annotations: {
      summary: "`/` on node a will be full in 37 min (trend −2.1 MB/s, fit r² 1.00)",
      forecast_state: "exhausting",
      trend_per_second: "-2202010",
      fit_r2: "1.00",
      eta: "37 min",
      eta_seconds: "2220",
      projected_at: new Date(now + 37 * MINUTE).toISOString(),
      // 30 min of data projected 37 min ahead: reach √(30/37) ≈ 0.90.
      confidence: "0.90",
    },
    active: true,
    value: 2.1 * MB * 37 * 60,
    forMs: 2 * MINUTE,
    keepFiringMs: 0,
  });
  assert.equal(data!.active, false);
  assert.equal(data!.annotations.summary, "no exhaustion forecast for `/data` on node a: the trend is flat within noise (trend 0 B/s, fit r² 0.00)");
  assert.equal(data!.value, 500 * GB);
});

test("a forecast beyond `within` stays quiet; once active, hysteresis keeps an ETA near `within` from flapping", () => {
  const { clock, store, record, evaluate } = setup([diskWillFill(40 * MINUTE, { for: 0 })]);
  clock.set(T0 + 30 * MINUTE);
  let fullAt = clock.now() + 37 * MINUTE;
  record("node_filesystem_free_bytes", ROOT, T0, 10_000, (ts) => fillingUntil(fullAt)(ts));
  assert.deepEqual(evaluate().map((o) => [o.active, o.annotations.eta]), [[true, "37 min"]]);

  // Someone deletes files worth 8 more minutes: ETA 44 min > within, but < within × 1.25.
  const appendMinute = () => {
    const from = clock.now() + 10_000;
    clock.advance(MINUTE);
    record("node_filesystem_free_bytes", ROOT, from, 10_000, (ts) => fillingUntil(fullAt)(ts));
  };
  fullAt += 8 * MINUTE;
  appendMinute();
  assert.deepEqual(evaluate().map((o) => [o.active, o.annotations.eta]), [[true, "44 min"]]);
  // A fresh evaluator, never active before, would not raise it at 44 min.
  const fresh: ForecastObservation[] = [];
  new ForecastRuleEvaluator({ rules: [diskWillFill(40 * MINUTE)], store, clock, staleAfterMs: STALE_AFTER_MS, observe: (o) => fresh.push(o) }).evaluate();
  assert.deepEqual(fresh.map((o) => o.active), [false]);

  // Past within × 1.25 = 50 min it resolves.
  fullAt += 10 * MINUTE;
  appendMinute();
  assert.deepEqual(evaluate().map((o) => [o.active, o.annotations.eta]), [[false, "53 min"]]);
});

test("a series that stops reporting resolves once, then falls silent", () => {
  const { clock, record, evaluate } = setup([diskWillFill(60 * MINUTE)]);
  clock.set(T0 + 30 * MINUTE);
  record("node_filesystem_free_bytes", ROOT, T0, 10_000, fillingUntil(clock.now() + 20 * MINUTE));
  assert.deepEqual(evaluate().map((o) => o.active), [true]);

  clock.advance(STALE_AFTER_MS);
  assert.deepEqual(evaluate().map((o) => o.active), [true]);
  clock.advance(1);
  const [resolved, ...rest] = evaluate();
  assert.equal(rest.length, 0);
  assert.equal(resolved!.active, false);
  assert.equal(resolved!.value, null);
  assert.equal(resolved!.labels.mountpoint, "/");
  assert.deepEqual(evaluate(), []);
});

test("a leak that began a few minutes ago is caught in the window's newest quarter", () => {
  const { clock, store, record, evaluate } = setup([diskWillFill(60 * MINUTE)]);
  clock.set(T0 + 30 * MINUTE);
  const leakFrom = clock.now() - 6 * MINUTE;
  // 24 minutes flat at 40 GB, then 6 minutes losing 30 MB/s: 20% of the window, which
  // Theil–Sen over the whole window reads as flat.
  record("node_filesystem_free_bytes", ROOT, T0, 10_000, (ts) => 40 * GB - (ts > leakFrom ? 30 * MB * ((ts - leakFrom) / 1000) : 0));
  const [whole] = store.range("node_filesystem_free_bytes", {}, T0, clock.now());
  assert.equal(forecastExhaustion(whole!.points, { limit: 0, direction: "down", now: clock.now() }).state, "flat");
  const [observation] = evaluate();
  assert.equal(observation!.active, true, observation!.annotations.summary);
  // In the newest 7.5 minutes the leak owns 80% of the points, so 64% of the pairs carry its
  // exact slope: (40 GB − 6 min · 30 MB/s) / 30 MB/s = 1005 s.
  assert.equal(observation!.annotations.eta_seconds, "1005");
  assert.equal(observation!.annotations.summary, "`/` on node a will be full in 17 min (trend −30 MB/s, fit r² 1.00)");
});

test("a noisy series with no trend raises nothing", () => {
  const { clock, record, evaluate } = setup([diskWillFill(60 * MINUTE)]);
  clock.set(T0 + 30 * MINUTE);
  let state = 7;
  const noise = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 2 * GB;
  record("node_filesystem_free_bytes", ROOT, T0, 10_000, () => 3 * GB + noise());
  for (let i = 0; i < 5; i++) {
    assert.deepEqual(evaluate().map((o) => o.active), [false]);
    const from = clock.now() + 10_000;
    clock.advance(MINUTE);
    record("node_filesystem_free_bytes", ROOT, from, 10_000, () => 3 * GB + noise());
  }
});

test("summary and annotation templates read the forecast, the value and the labels", () => {
  const rule = diskWillFill(60 * MINUTE, {
    summary: "{{ $labels.mountpoint }} full in {{ $eta }} at {{ $trend }} (r² {{ $r2 }}, confidence {{ $confidence }}), {{ $value }} bytes free",
    annotations: { runbook: "https://runbooks/disk?node={{ $labels.node }}", eta: "about {{ $eta }}" },
  });
  const { clock, record, evaluate } = setup([rule]);
  clock.set(T0 + 30 * MINUTE);
  record("node_filesystem_free_bytes", ROOT, T0, 10_000, fillingUntil(clock.now() + 10 * MINUTE));
  const [o] = evaluate();
  // $value as threshold rules print it: six significant digits.
  assert.equal(o!.annotations.summary, "/ full in 10 min at −2.1 MB/s (r² 1.00, confidence 1.00), 1321210000 bytes free");
  assert.equal(o!.annotations.runbook, "https://runbooks/disk?node=a");
  assert.equal(o!.annotations.eta, "about 10 min");
});

test("the default rules are valid and warn before memory runs out, quiet on a steady node", () => {
  const rules = defaultForecastRules();
  assert.deepEqual(rules.map(forecastRuleProblem), rules.map(() => null));
  assert.deepEqual(rules.map((r) => r.name), ["FilesystemWillFill", "FilesystemInodesWillRunOut", "MemoryWillRunOut", "SwapWillRunOut"]);
  const { clock, record, evaluate } = setup(rules);
  clock.set(T0 + 30 * MINUTE);
  const node = { node: "a" };
  const runsOutAt = clock.now() + 20 * MINUTE;
  record("node_memory_available_bytes", node, T0, 5000, (ts) => 10 * MB * ((runsOutAt - ts) / 1000));
  record("node_swap_used_ratio", node, T0, 5000, () => 0);
  record("node_filesystem_free_bytes", ROOT, T0, 5000, () => 50 * GB);
  record("node_filesystem_inodes_free_ratio", ROOT, T0, 5000, () => 0.93);
  const byRule = new Map(evaluate().map((o) => [o.rule, o]));
  assert.equal(byRule.get("MemoryWillRunOut")!.active, true);
  assert.equal(byRule.get("MemoryWillRunOut")!.annotations.summary, "memory of node a will run out in 20 min (trend −10 MB/s, fit r² 1.00)");
  assert.equal(byRule.get("MemoryWillRunOut")!.forMs, MINUTE);
  for (const quiet of ["SwapWillRunOut", "FilesystemWillFill", "FilesystemInodesWillRunOut"]) {
    assert.equal(byRule.get(quiet)!.active, false, quiet);
  }
});

test("bad rules are refused with the rule and the field at fault", () => {
  const rule = (forecast: Partial<ForecastRuleConfig["forecast"]>, extra: Partial<ForecastRuleConfig> = {}) =>
    ({ name: "R", forecast: { metric: "m_bytes", limit: 0, within: MINUTE, ...forecast }, severity: "warning", ...extra }) as ForecastRuleConfig;
  assert.equal(forecastRuleProblem(rule({})), null);
  assert.match(forecastRuleProblem(rule({ limit: 0.95 }))!, /forecast rule "R": forecast.direction is required when limit is not 0/);
  assert.equal(forecastRuleProblem(rule({ limit: 0.95, direction: "up" })), null);
  assert.match(forecastRuleProblem(rule({ direction: "left" as "up" }))!, /direction must be "down" or "up", got "left"/);
  assert.match(forecastRuleProblem(rule({ metric: "bad metric" }))!, /forecast.metric must be a metric name/);
  assert.match(forecastRuleProblem(rule({ within: 0 }))!, /forecast.within must be a positive duration, got 0/);
  assert.match(forecastRuleProblem(rule({ window: -1 }))!, /forecast.window must be a positive duration/);
  assert.match(forecastRuleProblem(rule({ minConfidence: 1.5 }))!, /forecast.minConfidence must be in \[0, 1\], got 1.5/);
  assert.match(forecastRuleProblem(rule({ limit: Infinity }))!, /forecast.limit must be a finite number/);
  assert.match(forecastRuleProblem(rule({}, { severity: "page" as "info" }))!, /severity must be info, warning or critical/);
  assert.match(forecastRuleProblem(rule({}, { for: -5 }))!, /for must be a duration >= 0, got -5/);

  const store = new MemorySeriesStore();
  const clock = new ManualClock(T0);
  assert.throws(
    () => new ForecastRuleEvaluator({ rules: [rule({ limit: 5 })], store, clock, staleAfterMs: 1000, observe: () => {} }),
    /ForecastRuleEvaluator: forecast rule "R": forecast.direction is required/,
  );
  assert.throws(
    () => new ForecastRuleEvaluator({ rules: [], store, clock, staleAfterMs: 0, observe: () => {} }),
    /staleAfterMs must be a positive number of ms, got 0/,
  );
});

test("an observer that throws does not stop the other observations", () => {
  const clock = new ManualClock(T0 + 30 * MINUTE);
  const store = new MemorySeriesStore();
  for (const labels of [ROOT, DATA]) {
    for (let ts = T0; ts <= clock.now(); ts += 10_000) store.append([{ name: "node_filesystem_free_bytes", labels, ts, value: 1e9 }]);
  }
  const seen: string[] = [];
  const evaluator = new ForecastRuleEvaluator({
    rules: [diskWillFill(60 * MINUTE)],
    store,
    clock,
    staleAfterMs: STALE_AFTER_MS,
    observe: (o) => {
      seen.push(o.labels.mountpoint!);
      if (o.labels.mountpoint === "/") throw new Error("observer broke");
    },
  });
  assert.throws(() => evaluator.evaluate(), /observe failed for 1 observation/);
  assert.deepEqual(seen.sort(), ["/", "/data"]);
});

test("a filesystem that is already full is reported as full now, whatever its trend", () => {
  const { clock, record, evaluate } = setup([diskWillFill(60 * MINUTE)]);
  clock.set(T0 + 10 * MINUTE);
  record("node_filesystem_free_bytes", ROOT, T0, 10_000, () => 0);
  const [o] = evaluate();
  assert.equal(o!.active, true);
  assert.equal(o!.annotations.summary, "`/` on node a is full (trend 0 B/s)");
  assert.equal(o!.annotations.forecast_state, "exhausted");
  assert.equal(o!.annotations.eta_seconds, "0");
});
