import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ForecastRuleConfig } from "../../../src/detect/forecast/forecast-rule.js";
import { sampleUntilWarning, spawnReady, steadyGrowthScript, stopChild } from "./steady-growth.js";

const MB = 2 ** 20;
/** A log written at 4 MB/s, never more than 128 MB. */
const GROWTH_RATE = 4 * MB;
const GROWTH_CAP = 128 * MB;
const SECONDS_TO_LIMIT = 90;

test("a file growing at a steady rate is forecast to reach its size limit at least 60 s before it does", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-forecast-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "app.log");
  writeFileSync(path, "");
  const writer = steadyGrowthScript(
    `((fs, fd) => (bytes) => fs.writeSync(fd, Buffer.alloc(bytes, 120)))(require("fs"), require("fs").openSync(${JSON.stringify(path)}, "a"))`,
    GROWTH_RATE,
    GROWTH_CAP,
  );
  const child = await spawnReady(writer);
  t.after(() => stopChild(child));

  const sizeSample = async (now: number) => [{ name: "file_size_bytes", labels: { path }, ts: now, value: statSync(path).size }];
  const limit = statSync(path).size + GROWTH_RATE * SECONDS_TO_LIMIT;
  const rule: ForecastRuleConfig = {
    name: "LogWillHitSizeLimit",
    forecast: {
      metric: "file_size_bytes",
      limit,
      direction: "up",
      within: 5 * 60_000,
      window: 60_000,
      // As for the memory leak: the confidence passes 0.2 after ~4 s of samples, ~85 s from the limit.
      minConfidence: 0.2,
    },
    severity: "warning",
  };
  const run = await sampleUntilWarning({ rule, sample: sizeSample, intervalMs: 150, deadlineMs: 20_000 });

  assert.ok(run.warning, `no warning after ${run.sampledMs} ms and ${run.samples} samples`);
  const etaSeconds = Number(run.warning.annotations.eta_seconds);
  const remainingSeconds = (limit - run.lastValue) / GROWTH_RATE;
  assert.ok(etaSeconds >= 60, `warned only ${etaSeconds} s ahead: ${run.warning.annotations.summary}`);
  assert.ok(remainingSeconds >= 60, `the file really had ${remainingSeconds.toFixed(1)} s left`);
  assert.ok(
    Math.abs(etaSeconds - remainingSeconds) <= 0.3 * remainingSeconds,
    `forecast ${etaSeconds} s vs ${remainingSeconds.toFixed(1)} s left at 4 MB/s: ${run.warning.annotations.summary}`,
  );
  assert.match(run.warning.annotations.summary!, /^file_size_bytes on path .*app\.log will reach \d+ MB in \d+ s \(trend \+\d(\.\d)? MB\/s, fit r² (0\.\d\d|1\.00)\)$/);
});
