import { test } from "node:test";
import assert from "node:assert/strict";
import { forecastUrgency, RISK_BIAS, riskScore, type RiskSignals } from "../../../src/detect/forecast/risk.js";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

test("a quiet target scores near 0 and is the logistic of minus the bias", () => {
  const quiet = riskScore({ health: "healthy", firingAlerts: {}, anomalies: [], forecasts: [], recentIncidents: 0, recentRestarts: 0 });
  assert.equal(quiet.score, sigmoid(-RISK_BIAS));
  assert.ok(quiet.score < 0.02);
  assert.deepEqual(quiet.factors, []);
  assert.deepEqual(riskScore({}), quiet);
});

test("the dashboard order follows what an operator would fix first", () => {
  const targets: Record<string, RiskSignals> = {
    "db (down)": { health: "unhealthy", firingAlerts: { critical: 1 } },
    // Full in 10 minutes, already warned about: more pressing than one critical alert on a
    // service that still answers its health checks.
    "node-b (disk full in 10 min)": { forecasts: [{ what: "`/` on node b will be full in 10 min", etaMs: 600_000, confidence: 0.9 }], firingAlerts: { warning: 1 } },
    "api (critical alert)": { health: "healthy", firingAlerts: { critical: 1 } },
    "web (warning)": { firingAlerts: { warning: 1 } },
    "cache (restarted twice yesterday)": { recentIncidents: 2, recentRestarts: 2 },
    "node-c (odd CPU)": { anomalies: [{ series: "node_cpu_usage_ratio{node=c}", probability: 0.7 }] },
    "idle": { health: "healthy" },
  };
  const order = Object.entries(targets)
    .map(([name, signals]) => ({ name, score: riskScore(signals).score }))
    .sort((a, b) => b.score - a.score)
    .map((t) => t.name);
  assert.deepEqual(order, Object.keys(targets));
});

test("the score rises with every signal and stays in (0, 1)", () => {
  const base: RiskSignals = { firingAlerts: { warning: 1 } };
  const baseline = riskScore(base).score;
  const more: RiskSignals[] = [
    { ...base, health: "unhealthy" },
    { ...base, health: "unknown" },
    { firingAlerts: { warning: 2 } },
    { firingAlerts: { warning: 1, critical: 1 } },
    { firingAlerts: { warning: 1, info: 1 } },
    { ...base, anomalies: [{ series: "s", probability: 0.5 }] },
    { ...base, forecasts: [{ what: "f", etaMs: 3_600_000, confidence: 0.8 }] },
    { ...base, recentIncidents: 1 },
    { ...base, recentRestarts: 1 },
  ];
  for (const signals of more) assert.ok(riskScore(signals).score > baseline, JSON.stringify(signals));
  const everything = riskScore({
    health: "unhealthy",
    firingAlerts: { critical: 50, warning: 50, info: 50 },
    anomalies: [{ series: "s", probability: 1 }],
    forecasts: [{ what: "f", etaMs: 0, confidence: 1 }],
    recentIncidents: 100,
    recentRestarts: 100,
  });
  assert.ok(everything.score < 1 && everything.score > 0.999);
});

test("the strongest anomaly and the most urgent forecast count, and the top factors explain the score", () => {
  const signals: RiskSignals = {
    firingAlerts: { warning: 1 },
    anomalies: [
      { series: "latency", probability: 0.2 },
      { series: "errors", probability: 0.9 },
    ],
    forecasts: [
      { what: "memory of node a will run out in 3 d", etaMs: 3 * 86_400_000, confidence: 0.95 },
      { what: "`/` on node a will be full in 30 min", etaMs: 1_800_000, confidence: 0.8 },
    ],
    recentRestarts: 1,
  };
  const assessment = riskScore(signals);
  assert.deepEqual(
    assessment.factors.map((f) => [f.factor, f.detail]),
    [
      ["warning-alerts", "1 warning alert firing"],
      ["forecast", "`/` on node a will be full in 30 min (confidence 0.80)"],
      ["anomaly", "errors anomalous (p 0.90)"],
    ],
  );
  const contributions = assessment.factors.map((f) => f.contribution);
  assert.deepEqual(contributions, [...contributions].sort((a, b) => b - a));
  // All factors, not only the top three, add up to the log-odds.
  const all = riskScore(signals, { topFactors: 10 });
  assert.equal(all.factors.length, 4);
  assert.ok(Math.abs(all.factors.reduce((s, f) => s + f.contribution, 0) - RISK_BIAS - all.logOdds) < 1e-12);
  assert.equal(all.score, sigmoid(all.logOdds));
  assert.equal(all.logOdds, assessment.logOdds);
});

test("forecast urgency halves with each hour of ETA", () => {
  assert.equal(forecastUrgency(0, 0.9), 0.9);
  assert.equal(forecastUrgency(3_600_000, 1), 0.5);
  assert.equal(forecastUrgency(7_200_000, 0.8), 0.2);
});

test("out-of-range signals are refused with the field at fault", () => {
  assert.throws(() => riskScore({ anomalies: [{ series: "s", probability: 1.2 }] }), /anomalies\[0\]\.probability must be in \[0, 1\], got 1.2/);
  assert.throws(() => riskScore({ firingAlerts: { critical: -1 } }), /firingAlerts\.critical must be a count >= 0, got -1/);
  assert.throws(() => riskScore({ forecasts: [{ what: "f", etaMs: -5, confidence: 0.5 }] }), /forecasts\[0\]\.etaMs must be a number of ms >= 0/);
  assert.throws(() => riskScore({ health: "sick" as "healthy" }), /health must be "healthy", "unhealthy" or "unknown", got "sick"/);
  assert.throws(() => riskScore({ recentRestarts: 1.5 }), /recentRestarts must be a count >= 0, got 1.5/);
});
