// For the real-process forecast tests: a child process that grows something (its memory, a
// file) at a steady rate, and a loop that samples it into a store and runs a forecast rule
// until the rule warns.
import { spawn, type ChildProcess } from "node:child_process";
import type { ForecastObservation, ForecastRuleConfig } from "../../../src/detect/forecast/forecast-rule.js";
import { ForecastRuleEvaluator } from "../../../src/detect/forecast/forecast-rule.js";
import type { Sample } from "../../../src/protocol/messages.js";
import { MemorySeriesStore } from "../../../src/tsdb/memory-store.js";
import { systemClock } from "../../../src/util/clock.js";

/**
 * Node code, run with `node -e`, that grows by `rate` bytes/s as measured by its own clock
 * (catching up every 20 ms, so timer jitter does not change the rate) up to `cap` bytes.
 * `grow(bytes)` does the growing; the child prints "ready" once it starts.
 */
export function steadyGrowthScript(grow: string, rate: number, cap: number): string {
  return `
    const grow = ${grow};
    const chunk = 128 * 1024;
    let total = 0;
    const start = Date.now();
    setInterval(() => {
      const due = Math.min(${cap}, ${rate} * (Date.now() - start) / 1000);
      while (total + chunk <= due) { grow(chunk); total += chunk; }
    }, 20);
    console.log("ready");
  `;
}

/** Spawns `node -e script` and resolves once it prints "ready". */
export async function spawnReady(script: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`growing child exited early with code ${code}`)));
    child.once("error", reject);
  });
  return child;
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
}

export interface WarningRun {
  /** The first active observation, or undefined when the rule never warned before the deadline. */
  warning: ForecastObservation | undefined;
  /** The newest sampled value when it warned (or at the deadline). */
  lastValue: number;
  /** How long it sampled, in ms. */
  sampledMs: number;
  /** Samples of the rule's metric taken. */
  samples: number;
}

/**
 * Every `intervalMs`, takes samples, appends them to a fresh store and evaluates `rule`
 * on the wall clock, until the rule warns or `deadlineMs` passes.
 */
export async function sampleUntilWarning(o: {
  rule: ForecastRuleConfig;
  sample: (now: number) => Promise<Sample[]>;
  intervalMs: number;
  deadlineMs: number;
}): Promise<WarningRun> {
  const store = new MemorySeriesStore();
  let latest: ForecastObservation | undefined;
  const evaluator = new ForecastRuleEvaluator({
    rules: [o.rule],
    store,
    clock: systemClock,
    staleAfterMs: 10 * o.intervalMs,
    observe: (observation) => (latest = observation),
  });
  const started = systemClock.now();
  let lastValue = NaN;
  let samples = 0;
  for (;;) {
    const now = systemClock.now();
    const taken = await o.sample(now);
    store.append(taken);
    const mine = taken.find((s) => s.name === o.rule.forecast.metric);
    if (mine !== undefined) {
      lastValue = mine.value;
      samples++;
    }
    evaluator.evaluate();
    if (latest?.active) return { warning: latest, lastValue, sampledMs: now - started, samples };
    if (now - started > o.deadlineMs) return { warning: undefined, lastValue, sampledMs: now - started, samples };
    await new Promise((resolve) => setTimeout(resolve, o.intervalMs));
  }
}
