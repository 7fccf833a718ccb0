// Alert latency benchmark: a metric crosses a threshold rule's line at a known instant → the
// notification reaches a real HTTP webhook receiver, through a real `vigil server` + `vigil agent`
// pair; and separately the server's own part, from the sample's arrival to the webhook.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg } from "node:os";
import { formatDuration } from "../src/util/duration.js";
import { api, freePort, serviceState, startAgent, startServer, tempDir, waitFor, writeConfig, type VigilProcess } from "../test/e2e/harness.js";
import { Flags, runBench } from "./support/flags.js";

const SERVICE = "bench-target";
const NODE = "bench-node";
const RULE = "BenchTargetDown";
/** Design goals from issue 5, printed beside the measurement and never in place of it. */
const TARGET_P50_MS = 600;
const TARGET_PIPELINE_MS = 50;
/** Issue 5's reference: Prometheus + Alertmanager tuned to 1 s (scrape, evaluation, group_wait 0) on this machine. */
const REFERENCE = "Prometheus + Alertmanager tuned to 1 s: p50 1222 ms / p95 1448 ms (issue 5's measurement, not re-run here)";
/** A trial whose notification has not come by then has failed. */
const TRIAL_TIMEOUT_MS = 30_000;
/** Quiet time after the previous trial's resolved notification; a random 0..collectInterval is added. */
const SETTLE_MS = 300;
/** Where the baseline POSTs go: the receiver answers them and does not count them as notifications. */
const BASELINE_PATH = "/baseline";

const USAGE = `usage: npm run bench -- alert-latency [--trials N] [--collect-interval DURATION] [--probe-interval DURATION]
  --trials N                    trials (default 20)
  --collect-interval DURATION   agent.collectInterval, how often the agent sends its samples (default 1s)
  --probe-interval DURATION     the health probe that produces the metric (default 100ms)`;

interface Settings {
  trials: number;
  collectIntervalMs: number;
  probeIntervalMs: number;
}

function parseSettings(argv: string[]): Settings {
  const flags = Flags.parse(argv, { trials: "string", "collect-interval": "string", "probe-interval": "string" });
  return {
    trials: flags.wholeNumber("trials", 20),
    collectIntervalMs: flags.duration("collect-interval", 1000, 1, "1s"),
    probeIntervalMs: flags.duration("probe-interval", 100, 1, "100ms"),
  };
}

// ---- the probed target and the webhook receiver, both in this process ------------------

/** The service the agent probes: 200 while `healthy`, else 503. Flipping it is the crossing. */
interface Target {
  port: number;
  healthy: boolean;
  close(): Promise<void>;
}

async function startTarget(): Promise<Target> {
  const target = { port: 0, healthy: true } as Target;
  const server = createServer((_req, res) => {
    res.statusCode = target.healthy ? 200 : 503;
    res.end(target.healthy ? "ok" : "down");
  });
  target.port = await listen(server);
  target.close = () => close(server);
  return target;
}

interface Delivery {
  /** Date.now() when the whole body had arrived. */
  at: number;
  status: string;
  alertnames: string[];
}

/** A real webhook receiver that stamps each notification on arrival. */
interface Receiver {
  url: string;
  deliveries: Delivery[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const at = Date.now();
      res.end("ok");
      if (req.url === BASELINE_PATH) return;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { status: string; alerts: Array<{ labels: Record<string, string> }> };
        deliveries.push({ at, status: body.status, alertnames: body.alerts.map((a) => a.labels.alertname ?? "") });
      } catch (err) {
        console.error(`alert-latency: the webhook received a body that is not a notification: ${(err as Error).message}`);
      }
    });
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/hook`, deliveries, close: () => close(server) };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

// ---- one trial -------------------------------------------------------------------------

interface Trial {
  /** Crossing → webhook arrival (ms); null when the trial failed. */
  endToEndMs: number | null;
  /** Crossing → the samples message with the crossed value reached the server (probe, collection wait, transport). */
  arrivalMs: number | null;
  /** Sample arrival at the server → the alert.firing decision (journal stamp). */
  decidedMs: number | null;
  /** Sample arrival at the server → webhook arrival: the server's pipeline. */
  pipelineMs: number | null;
  failure: string | null;
}

interface JournalEventView {
  id: number;
  ts: number;
  kind: string;
  data: Record<string, unknown>;
}

async function runTrial(url: string, target: Target, receiver: Receiver): Promise<Trial> {
  const trial: Trial = { endToEndMs: null, arrivalMs: null, decidedMs: null, pipelineMs: null, failure: null };
  const lastEventId = await latestEventId(url);
  const seen = receiver.deliveries.length;

  const crossedAt = Date.now();
  target.healthy = false;
  try {
    const firing = await waitFor(
      () => receiver.deliveries.slice(seen).find((d) => d.status === "firing" && d.alertnames.includes(RULE)),
      TRIAL_TIMEOUT_MS,
      `the firing notification of ${RULE}`,
    );
    trial.endToEndMs = firing.at - crossedAt;
    const events: JournalEventView[] = (await api(url, `/api/v1/events?afterId=${lastEventId}&kind=alert.firing&limit=1000`)).events;
    const fired = events.find((e) => (e.data.labels as Record<string, string> | undefined)?.alertname === RULE);
    const receivedAt = fired?.data.sampleReceivedAt;
    if (fired === undefined) trial.failure = "no alert.firing event in the journal";
    else if (typeof receivedAt !== "number") trial.failure = "the alert.firing event has no sampleReceivedAt: it was not decided on the sample's arrival";
    else {
      trial.arrivalMs = receivedAt - crossedAt;
      trial.decidedMs = fired.ts - receivedAt;
      trial.pipelineMs = firing.at - receivedAt;
    }
  } catch (err) {
    trial.failure = (err as Error).message;
  }

  // Back to healthy; the next trial starts once receivers have heard the resolved.
  const beforeResolve = receiver.deliveries.length;
  target.healthy = true;
  try {
    await waitFor(
      () => receiver.deliveries.slice(beforeResolve).find((d) => d.status === "resolved" && d.alertnames.includes(RULE)),
      TRIAL_TIMEOUT_MS,
      `the resolved notification of ${RULE}`,
    );
  } catch (err) {
    trial.failure ??= (err as Error).message;
  }
  return trial;
}

/**
 * One HTTP POST of a notification-sized body to the receiver from this process, with no Vigil
 * involved: the floor under the pipeline's last step, under the same load (one before each trial).
 */
async function baselinePost(receiverUrl: string): Promise<number> {
  const body = JSON.stringify({ version: "4", status: "firing", alerts: [{ labels: { alertname: RULE, service: SERVICE, node: NODE } }], padding: "x".repeat(600) });
  const t0 = performance.now();
  const res = await fetch(new URL(BASELINE_PATH, receiverUrl), { method: "POST", headers: { "content-type": "application/json" }, body });
  await res.text();
  return Math.round(performance.now() - t0);
}

async function latestEventId(url: string): Promise<number> {
  const events: JournalEventView[] = (await api(url, "/api/v1/events?order=desc&limit=1")).events;
  return events[0]?.id ?? 0;
}

// ---- figures ---------------------------------------------------------------------------

/** Nearest-rank percentile: the smallest value with at least p% of the values at or below it. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function distribution(values: number[]): string {
  if (values.length === 0) return "no successful trial";
  const [min, p50, p95, max] = [0, 50, 95, 100].map((p) => percentile(values, p));
  return `n=${values.length} min=${min} p50=${p50} p95=${p95} max=${max} ms`;
}

const figures = (trials: Trial[], pick: (t: Trial) => number | null) =>
  trials.flatMap((t) => {
    const value = t.failure === null ? pick(t) : null;
    return value === null ? [] : [value];
  });

function trialLine(trial: Trial, index: number, planned: number): string {
  const head = `trial ${String(index + 1).padStart(3)}/${planned}`;
  const show = (value: number | null) => (value === null ? "?" : String(value)).padStart(5);
  return (
    `${head}  crossing → webhook ${show(trial.endToEndMs)} ms  ` +
    `(sample at the server after ${show(trial.arrivalMs)} ms, alert decided ${show(trial.decidedMs)} ms later, webhook ${show(trial.pipelineMs)} ms after the sample)` +
    (trial.failure ? `   FAILED: ${trial.failure}` : "")
  );
}

const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(" ");

// ---- setup -----------------------------------------------------------------------------

function configYaml(settings: Settings, targetPort: number, hookUrl: string): string {
  return `
agent:
  collectInterval: ${settings.collectIntervalMs}ms
services:
  - name: ${SERVICE}
    node: ${NODE}
    health: { http: "http://127.0.0.1:${targetPort}/", interval: ${settings.probeIntervalMs}ms, timeout: 500ms, failures: 3 }
    recovery: none
rules:
  - name: ${RULE}
    metric: service_up
    labels: { service: ${SERVICE} }
    below: 1
    for: 0s
    severity: critical
notify:
  receivers:
    bench: { webhook: { url: "${hookUrl}" } }
  routes:
    - { match: { alertname: ${RULE} }, receiver: bench, groupWait: 0s, groupInterval: 1s }
  # Every trial fires and resolves once: without this the alert would be flapping after three trials.
  flapping: { changes: 1000 }
`;
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
async function stopProcess(p: VigilProcess, graceMs = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    p.stop("SIGTERM").then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
  ]);
  clearTimeout(timer);
  if (timedOut) await p.stop("SIGKILL");
}

const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

/** Healthy per the server, and the rule's alert not firing. */
async function waitUntilQuiet(url: string, agent: VigilProcess): Promise<void> {
  await waitFor(
    async () => {
      if (agent.proc.exitCode !== null || agent.proc.signalCode !== null) throw new Error(`vigil agent exited:\n${agent.output()}`);
      const firing: Array<{ labels: Record<string, string> }> = await api(url, "/api/v2/alerts");
      return (await serviceState(url, SERVICE))?.health === "healthy" && !firing.some((a) => a.labels.alertname === RULE);
    },
    TRIAL_TIMEOUT_MS,
    `${SERVICE} to be healthy and ${RULE} not firing`,
  );
}

// ---- main ------------------------------------------------------------------------------

async function main(settings: Settings): Promise<number> {
  const dir = tempDir("vigil-bench-alert-latency-");
  const target = await startTarget();
  const receiver = await startReceiver();
  let server: (VigilProcess & { url: string }) | undefined;
  let agent: VigilProcess | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      if (agent) await stopProcess(agent);
      if (server) await stopProcess(server);
      await target.close();
      await receiver.close();
      dir.remove();
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\nalert-latency: ${signal}: stopping Vigil, removing ${dir.path}`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    const configFile = writeConfig(dir.path, configYaml(settings, target.port, receiver.url));
    server = await startServer({ configFile, dataDir: `${dir.path}/server`, port: await freePort() });
    agent = startAgent({ server: server.url, node: NODE, dataDir: `${dir.path}/agent` });
    await waitUntilQuiet(server.url, agent);

    console.log(`Alert latency benchmark: ${SERVICE} starts failing its health probe → service_up drops below 1 → ${RULE} notified to a webhook`);
    console.log(
      `settings: ${settings.trials} trials; agent.collectInterval=${formatDuration(settings.collectIntervalMs)}; ` +
        `http probe every ${formatDuration(settings.probeIntervalMs)}; rule service_up below 1, for 0s; route groupWait 0s, groupInterval 1s`,
    );
    console.log(
      `         crossing = the instant the probed target starts answering 503; before each trial: the previous resolved notified, ` +
        `${SETTLE_MS} ms + random 0..${formatDuration(settings.collectIntervalMs)} settle (a random phase against the collection)`,
    );
    console.log(`machine: node ${process.version}, ${cpus().length} CPUs, load average (1/5/15 min) at start: ${loadAverage()}`);
    console.log("");

    const trials: Trial[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < settings.trials; i++) {
      await waitUntilQuiet(server.url, agent);
      baseline.push(await baselinePost(receiver.url));
      await sleep(SETTLE_MS + Math.random() * settings.collectIntervalMs);
      const trial = await runTrial(server.url, target, receiver);
      trials.push(trial);
      console.log(trialLine(trial, i, settings.trials));
    }

    console.log("");
    console.log(`load average (1/5/15 min) at the end: ${loadAverage()}`);
    console.log(`crossing → sample at the server: ${distribution(figures(trials, (t) => t.arrivalMs))} (probe + wait for the next collection + transport)`);
    console.log(`sample at the server → alert decided: ${distribution(figures(trials, (t) => t.decidedMs))} (journal stamps)`);
    console.log("");
    console.log(`end to end, crossing → webhook: ${distribution(figures(trials, (t) => t.endToEndMs))} (target p50 ≤ ${TARGET_P50_MS} ms)`);
    console.log(`pipeline, sample at the server → webhook: ${distribution(figures(trials, (t) => t.pipelineMs))} (target ≤ ${TARGET_PIPELINE_MS} ms)`);
    console.log(`baseline: one HTTP POST to the receiver from the benchmark's process, no Vigil involved: ${distribution(baseline)} (the first one includes loading fetch)`);
    console.log(`reference: ${REFERENCE}`);

    const failed = trials.filter((t) => t.failure !== null).length;
    if (failed > 0) {
      console.log(`${failed} trial(s) failed`);
      return 1;
    }
    return 0;
  } finally {
    await cleanup();
  }
}

runBench("alert-latency", USAGE, parseSettings, main);
