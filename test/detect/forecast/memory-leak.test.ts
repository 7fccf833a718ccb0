import { test } from "node:test";
import assert from "node:assert/strict";
import { ServiceProcessCollector } from "../../../src/agent/collectors/service-process.js";
import type { ForecastRuleConfig } from "../../../src/detect/forecast/forecast-rule.js";
import { sampleUntilWarning, spawnReady, steadyGrowthScript, stopChild } from "./steady-growth.js";

const MB = 2 ** 20;
/** The leak: 8 MB/s of touched (so resident) memory, never more than 256 MB. */
const LEAK_RATE = 8 * MB;
const LEAK_CAP = 256 * MB;
/** The limit is placed where the leak would reach it 90 s after sampling starts. */
const SECONDS_TO_LIMIT = 90;

test("a process leaking memory at a steady rate is forecast to reach its limit at least 60 s before it does", async (t) => {
  const leak = steadyGrowthScript(
    "((held) => (bytes) => { const b = Buffer.allocUnsafe(bytes); b.fill(1); held.push(b); })([])",
    LEAK_RATE,
    LEAK_CAP,
  );
  const child = await spawnReady(leak);
  t.after(() => stopChild(child));

  // The agent's own collector reads VmRSS from /proc/<pid>/status.
  const collector = new ServiceProcessCollector(() => [{ service: "leaky", pid: child.pid! }]);
  const collect = (now: number) => collector.collect({ now, node: "test" });
  const first = (await collect(Date.now())).find((s) => s.name === "service_memory_rss_bytes");
  assert.ok(first, "the collector reads the child's resident memory");
  const limit = first.value + LEAK_RATE * SECONDS_TO_LIMIT;

  const rule: ForecastRuleConfig = {
    name: "ServiceMemoryLeak",
    forecast: {
      metric: "service_memory_rss_bytes",
      labels: { service: "leaky" },
      limit,
      direction: "up",
      within: 5 * 60_000,
      window: 60_000,
      // Seconds of samples projected over a minute ahead: the reach factor √(span / horizon)
      // of exhaustion.ts holds the confidence down; it passes 0.2 after ~4 s, ~85 s from the limit.
      minConfidence: 0.2,
    },
    severity: "warning",
  };
  const run = await sampleUntilWarning({ rule, sample: collect, intervalMs: 150, deadlineMs: 20_000 });

  assert.ok(run.warning, `no warning after ${run.sampledMs} ms and ${run.samples} samples`);
  const etaSeconds = Number(run.warning.annotations.eta_seconds);
  // What the leak really has left when the warning comes: the distance to the limit at its rate.
  const remainingSeconds = (limit - run.lastValue) / LEAK_RATE;
  assert.ok(etaSeconds >= 60, `warned only ${etaSeconds} s ahead: ${run.warning.annotations.summary}`);
  assert.ok(remainingSeconds >= 60, `the leak really had ${remainingSeconds.toFixed(1)} s left`);
  assert.ok(
    Math.abs(etaSeconds - remainingSeconds) <= 0.3 * remainingSeconds,
    `forecast ${etaSeconds} s vs ${remainingSeconds.toFixed(1)} s left at 8 MB/s: ${run.warning.annotations.summary}`,
  );
  assert.match(
    run.warning.annotations.summary!,
    /^memory of service leaky on node test will reach \d+ MB in \d+ s \(trend \+\d+(\.\d)? MB\/s, fit r² (0\.\d\d|1\.00)\)$/,
  );
  assert.equal(run.warning.labels.alertname, "ServiceMemoryLeak");
  assert.equal(run.warning.labels.service, "leaky");
});
