// MTTR benchmark: crashes (SIGKILL) and hangs (SIGSTOP) a service supervised by a real
// `vigil server` + `vigil agent` pair, and times each fault → the first HTTP 200 served by the
// replacement process, as a client polling the service's port sees it.
import http from "node:http";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { formatDuration } from "../src/util/duration.js";
import {
  HTTP_SERVICE,
  api,
  freePort,
  serviceState,
  startAgent,
  startServer,
  tempDir,
  waitFor,
  writeConfig,
  type VigilProcess,
} from "../test/e2e/harness.js";
import { Flags, runBench } from "./support/flags.js";

type FaultKind = "crash" | "hang";
const FAULT_KINDS: FaultKind[] = ["crash", "hang"];
const FAULT_SIGNAL: Record<FaultKind, NodeJS.Signals> = { crash: "SIGKILL", hang: "SIGSTOP" };
/** Design goals, printed beside the measurement and never in place of it. */
const TARGET_P50_MS: Record<FaultKind, number> = { crash: 60, hang: 700 };

const SERVICE = "bench-svc";
const NODE = "bench-node";
const PROBE_TIMEOUT_MS = 200;
const PROBE_FAILURES = 2;
const VERIFY_HEALTHY_FOR_MS = 300;
const VERIFY_WITHIN_MS = 20_000;
/** The client's view: a fresh connection per attempt, given up after this long (a hung process accepts but never answers). */
const CLIENT_TIMEOUT_MS = 50;
const CLIENT_PAUSE_MS = 1;
/** A trial with no answer from a new process by then has failed. */
const TRIAL_TIMEOUT_MS = 30_000;
/** Quiet time before each fault (after the previous incident and the baseline cold start), so it meets a settled system; a random 0..interval is added. */
const SETTLE_MS = 300;

const USAGE = `usage: npm run bench -- mttr [--trials N] [--interval DURATION]
  --trials N           trials per fault kind (default 20)
  --interval DURATION  health probe interval, e.g. 250ms (default 250ms)`;

interface Settings {
  trials: number;
  intervalMs: number;
}

function parseSettings(argv: string[]): Settings {
  const flags = Flags.parse(argv, { trials: "string", interval: "string" });
  return { trials: flags.wholeNumber("trials", 20), intervalMs: flags.duration("interval", 250, 1, "250ms") };
}

// ---- what the API returns (the fields used here) ---------------------------------------

interface IncidentView {
  id: number;
  target: string;
  state: string;
  figures: { mttdMs: number; mttrMs: number | null; timeToResolveMs: number | null };
}

interface JournalEventView {
  id: number;
  ts: number;
  kind: string;
  incidentId?: number;
  data: Record<string, unknown>;
}

// ---- one trial -------------------------------------------------------------------------

interface Trial {
  kind: FaultKind;
  faultedPid: number;
  /** Fault → first 200 from another pid, in ms; null when the trial failed before that. */
  elapsedMs: number | null;
  servedByPid: number | null;
  failure: string | null;
  incident: IncidentView | null;
  /** Journal milestones in ms after the fault (wall clock, the journal's ms resolution). */
  milestones: Map<string, number>;
}

interface Bench {
  url: string;
  port: number;
  /** Every pid the service had, so that cleanup can make sure none is left behind. */
  servicePids: Set<number>;
}

async function runTrial(bench: Bench, kind: FaultKind): Promise<Trial> {
  const before = await serviceState(bench.url, SERVICE);
  const faultedPid: number = before.pid;
  bench.servicePids.add(faultedPid);
  const lastIncidentId = await latestIncidentId(bench.url);
  const lastEventId = await latestEventId(bench.url);
  const trial: Trial = { kind, faultedPid, elapsedMs: null, servedByPid: null, failure: null, incident: null, milestones: new Map() };

  const faultWallMs = Date.now();
  const t0 = performance.now();
  process.kill(faultedPid, FAULT_SIGNAL[kind]);
  const answer = await firstAnswerFromAnotherProcess(bench.port, faultedPid, t0, t0 + TRIAL_TIMEOUT_MS);
  if (answer) {
    trial.elapsedMs = answer.elapsedMs;
    trial.servedByPid = answer.pid;
    bench.servicePids.add(answer.pid);
  } else {
    trial.failure = `no HTTP 200 from a new process within ${TRIAL_TIMEOUT_MS / 1000}s`;
    if (kind === "hang") killQuietly(faultedPid);
  }

  try {
    trial.incident = await waitFor(
      async () => {
        const open: IncidentView[] = (await api(bench.url, "/api/v1/incidents?state=open")).incidents;
        if (open.length > 0) return null;
        const recent: IncidentView[] = (await api(bench.url, "/api/v1/incidents?limit=20")).incidents;
        const mine = recent.filter((i) => i.target === SERVICE && i.id > lastIncidentId).sort((a, b) => a.id - b.id);
        return mine[0]?.state === "resolved" ? mine[0] : null;
      },
      TRIAL_TIMEOUT_MS,
      `the incident of this ${kind} to be resolved`,
    );
  } catch (err) {
    trial.failure ??= (err as Error).message;
  }

  // The stopped process must have been killed by Vigil, not merely replaced.
  if (kind === "hang" && isAlive(faultedPid)) {
    trial.failure ??= `the hung process ${faultedPid} was still alive after the repair`;
    killQuietly(faultedPid);
  }

  const events: JournalEventView[] = (await api(bench.url, `/api/v1/events?afterId=${lastEventId}&service=${SERVICE}&limit=10000`)).events;
  trial.milestones = milestonesOf(events, trial, faultWallMs);
  return trial;
}

/**
 * Polls the port with fresh connections (the way a client that just lost its server would)
 * until a 200 names a pid other than the faulted one.
 */
async function firstAnswerFromAnotherProcess(
  port: number,
  faultedPid: number,
  t0: number,
  deadline: number,
): Promise<{ elapsedMs: number; pid: number } | null> {
  for (;;) {
    const response = await getOnce(port, CLIENT_TIMEOUT_MS);
    const now = performance.now();
    if (response?.status === 200) {
      const pid = servedPid(response.body);
      if (pid !== null && pid !== faultedPid) return { elapsedMs: now - t0, pid };
    }
    if (now >= deadline) return null;
    await sleep(CLIENT_PAUSE_MS);
  }
}

/** One GET on a new connection; null on any error or after `timeoutMs`. */
function getOnce(port: number, timeoutMs: number): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: { status: number; body: string } | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request.destroy();
      resolve(result);
    };
    const deadline = setTimeout(() => finish(null), timeoutMs);
    const request = http.get({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => finish({ status: res.statusCode ?? 0, body }));
      res.on("error", () => finish(null));
    });
    request.on("error", () => finish(null));
  });
}

/** The fixture answers "ok <pid>". */
function servedPid(body: string): number | null {
  const match = /^ok (\d+)$/.exec(body.trim());
  return match ? Number(match[1]) : null;
}

/** Fixture processes started by the baseline, killed at cleanup if still there. */
const baselineChildren = new Set<ChildProcess>();

/**
 * The service's own cold start with Vigil out of the picture: spawn() → first 200, polled by
 * the same client. No supervisor restarts a process faster than it starts, so this is the
 * floor under the crash figures; one is taken before every trial, so it sees the same load.
 */
async function coldStart(port: number): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [HTTP_SERVICE, String(port)], { stdio: "ignore" });
  baselineChildren.add(child);
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  child.once("error", () => {}); // reported below as "did not answer"
  const answer = await firstAnswerFromAnotherProcess(port, -1, t0, t0 + TRIAL_TIMEOUT_MS);
  child.kill("SIGKILL");
  await exited;
  baselineChildren.delete(child);
  if (!answer) throw new Error(`the fixture ${HTTP_SERVICE} did not answer on port ${port} within ${TRIAL_TIMEOUT_MS / 1000}s of being spawned`);
  return answer.elapsedMs;
}

// ---- where the time goes: the journal's view of one trial ------------------------------

const MILESTONES = [
  "first failing probe",
  "old process exited",
  "incident opened",
  "restart sent",
  "new process spawned",
  "restart reported done",
  "first 200 (client)",
  "probe says healthy",
  "recovery verified",
] as const;

/**
 * Milestones in ms after the fault. Journal stamps are Date.now() of the agent or the server
 * (one machine, one clock), so they are comparable with the fault's wall time to ±1 ms.
 */
function milestonesOf(events: JournalEventView[], trial: Trial, faultWallMs: number): Map<string, number> {
  const at = new Map<string, number>();
  const set = (name: (typeof MILESTONES)[number], event: JournalEventView | undefined) => {
    if (event && !at.has(name)) at.set(name, event.ts - faultWallMs);
  };
  const incidentId = trial.incident?.id;
  const ofIncident = (kind: string) => events.find((e) => e.kind === kind && incidentId !== undefined && e.incidentId === incidentId);
  if (trial.kind === "hang") set("first failing probe", ofIncident("signal"));
  set("old process exited", events.find((e) => e.kind === "process.exited" && e.data.pid === trial.faultedPid));
  set("incident opened", ofIncident("incident.opened"));
  set("restart sent", ofIncident("action.started"));
  set("new process spawned", events.find((e) => e.kind === "process.started" && e.data.pid !== trial.faultedPid));
  set("restart reported done", ofIncident("action.succeeded"));
  if (trial.elapsedMs !== null) at.set("first 200 (client)", trial.elapsedMs);
  set("probe says healthy", events.find((e) => e.kind === "service.health" && e.data.to === "healthy"));
  set("recovery verified", ofIncident("recovery.verified"));
  return at;
}

// ---- figures ---------------------------------------------------------------------------

/** Nearest-rank percentile: the smallest value with at least p% of the values at or below it. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ms = (value: number, digits = 1) => `${value.toFixed(digits)}`;

function distribution(times: number[]): string {
  const [min, p50, p95, max] = [0, 50, 95, 100].map((p) => ms(percentile(times, p)));
  return `min=${min} p50=${p50} p95=${p95} max=${max} ms`;
}

function summaryLine(kind: FaultKind, trials: Trial[], planned: number): string {
  const times = trials.flatMap((t) => (t.failure === null && t.elapsedMs !== null ? [t.elapsedMs] : []));
  const failed = trials.filter((t) => t.failure !== null).length;
  const notRun = planned - trials.length;
  const counts = `n=${times.length}${failed > 0 ? ` (${failed} failed)` : ""}${notRun > 0 ? ` (${notRun} not run)` : ""}`;
  const target = `(target p50 ≤ ${TARGET_P50_MS[kind]} ms)`;
  if (times.length === 0) return `${kind}: ${counts}: no successful trial ${target}`;
  return `${kind}: ${counts} ${distribution(times)} ${target}`;
}

function vigilViewLine(kind: FaultKind, trials: Trial[]): string {
  const incidents = trials.flatMap((t) => (t.incident ? [t.incident] : []));
  const mttd = incidents.map((i) => i.figures.mttdMs);
  const mttr = incidents.flatMap((i) => (i.figures.mttrMs === null ? [] : [i.figures.mttrMs]));
  const median = (values: number[]) => (values.length === 0 ? "n/a" : `${ms(percentile(values, 50), 0)} ms`);
  return `${kind}: ${incidents.length} incident(s), median MTTD ${median(mttd)}, median MTTR ${median(mttr)}`;
}

/** The milestones' medians in time order (a hang's old process exits after the restart is sent). */
function breakdownLine(kind: FaultKind, trials: Trial[]): string {
  const medians: Array<[string, number]> = [];
  for (const name of MILESTONES) {
    const values = trials.flatMap((t) => (t.milestones.has(name) ? [t.milestones.get(name)!] : []));
    if (values.length > 0) medians.push([name, percentile(values, 50)]);
  }
  medians.sort((a, b) => a[1] - b[1]);
  return `${kind}: ${medians.map(([name, value]) => `${name} ${ms(value, 0)}`).join(" → ")}`;
}

function trialLine(trial: Trial, index: number, planned: number): string {
  const head = `${trial.kind.padEnd(5)} ${String(index + 1).padStart(3)}/${planned}  pid ${trial.faultedPid} → ${trial.servedByPid ?? "?"}`;
  const time = trial.elapsedMs === null ? "no answer" : `${ms(trial.elapsedMs).padStart(7)} ms`;
  const incident = trial.incident
    ? `incident #${trial.incident.id}: MTTD ${trial.incident.figures.mttdMs} ms, MTTR ${trial.incident.figures.mttrMs ?? "?"} ms`
    : "no resolved incident";
  return `${head}  ${time}   ${incident}${trial.failure ? `   FAILED: ${trial.failure}` : ""}`;
}

const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(" ");

// ---- setup and cleanup -----------------------------------------------------------------

function configYaml(settings: Settings, port: number): string {
  const command = `${process.execPath} ${HTTP_SERVICE} ${port}`;
  return `
services:
  - name: ${SERVICE}
    node: ${NODE}
    run: { command: ${JSON.stringify(command)} }
    health: { http: "http://127.0.0.1:${port}/", interval: ${settings.intervalMs}ms, timeout: ${PROBE_TIMEOUT_MS}ms, failures: ${PROBE_FAILURES} }
    recovery: bench
playbooks:
  bench:
    steps: [restart, { verify: { healthyFor: ${VERIFY_HEALTHY_FOR_MS}ms, within: ${VERIFY_WITHIN_MS / 1000}s } }]
    limits: { attempts: 1000, within: 1m, backoff: { initial: 1ms, max: 1ms } }
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

/** Kills a service process the agent left behind, checking first that the pid is still ours. */
function killLeftover(pid: number, port: number): void {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return; // gone
  }
  if (cmdline.includes(HTTP_SERVICE) && cmdline.includes(String(port))) killQuietly(pid);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* already gone */
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function latestIncidentId(url: string): Promise<number> {
  const incidents: IncidentView[] = (await api(url, "/api/v1/incidents?limit=20")).incidents;
  return Math.max(0, ...incidents.map((i) => i.id));
}

async function latestEventId(url: string): Promise<number> {
  const events: JournalEventView[] = (await api(url, "/api/v1/events?order=desc&limit=1")).events;
  return events[0]?.id ?? 0;
}

const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

async function waitUntilHealthy(url: string, agent: VigilProcess): Promise<void> {
  await waitFor(
    async () => {
      if (agent.proc.exitCode !== null || agent.proc.signalCode !== null) throw new Error(`vigil agent exited:\n${agent.output()}`);
      const s = await serviceState(url, SERVICE);
      return s?.health === "healthy" && s.pid > 0;
    },
    30_000,
    `${SERVICE} to be healthy`,
  );
}

// ---- main ------------------------------------------------------------------------------

async function main(settings: Settings): Promise<number> {
  const dir = tempDir("vigil-bench-mttr-");
  let server: (VigilProcess & { url: string }) | undefined;
  let agent: VigilProcess | undefined;
  const bench: Bench = { url: "", port: 0, servicePids: new Set() };
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      if (agent) await stopProcess(agent);
      if (server) await stopProcess(server);
      for (const pid of bench.servicePids) killLeftover(pid, bench.port);
      for (const child of baselineChildren) child.kill("SIGKILL");
      dir.remove();
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\nmttr: ${signal}: stopping Vigil and the service, removing ${dir.path}`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    bench.port = await freePort();
    const configFile = writeConfig(dir.path, configYaml(settings, bench.port));
    server = await startServer({ configFile, dataDir: `${dir.path}/server`, port: await freePort() });
    bench.url = server.url;
    agent = startAgent({ server: server.url, node: NODE, dataDir: `${dir.path}/agent` });
    await waitUntilHealthy(server.url, agent);

    console.log("MTTR benchmark: fault → first HTTP 200 served by the replacement process (client's view)");
    console.log(
      `settings: ${settings.trials} trials per fault kind (crash = SIGKILL, hang = SIGSTOP); ` +
        `probe http interval=${formatDuration(settings.intervalMs)} timeout=${PROBE_TIMEOUT_MS}ms failures=${PROBE_FAILURES}; ` +
        `playbook [restart, verify healthyFor=${VERIFY_HEALTHY_FOR_MS}ms within=${VERIFY_WITHIN_MS / 1000}s], ` +
        `limits attempts=1000 within=1m backoff=1ms..1ms`,
    );
    console.log(
      "         the crash-loop backoff is set to 1 ms on purpose: this measures repair speed, not the backoff a real playbook would add after repeated faults",
    );
    console.log(
      `         client: a fresh connection per GET, ${CLIENT_TIMEOUT_MS} ms timeout, ${CLIENT_PAUSE_MS} ms pause between attempts; ` +
        `before each trial: the previous incident resolved, one baseline cold start, ${SETTLE_MS} ms + random 0..${settings.intervalMs} ms settle`,
    );
    console.log(`machine: node ${process.version}, ${cpus().length} CPUs, load average (1/5/15 min) at start: ${loadAverage()}`);
    const baselinePort = await freePort();
    const baseline: number[] = [];
    console.log("");

    const results = new Map<FaultKind, Trial[]>(FAULT_KINDS.map((k) => [k, []]));
    let aborted: string | null = null;
    for (const kind of FAULT_KINDS) {
      for (let i = 0; i < settings.trials && aborted === null; i++) {
        await waitUntilHealthy(server.url, agent);
        baseline.push(await coldStart(baselinePort));
        // Each step of a trial is paced by the probe (verification starts on a probe tick), so
        // without a random offset every fault would land at the same point of the probe's
        // schedule and bias hang detection by up to one interval, always the same way.
        await sleep(SETTLE_MS + Math.random() * settings.intervalMs);
        const trial = await runTrial(bench, kind);
        results.get(kind)!.push(trial);
        console.log(trialLine(trial, i, settings.trials));
        if (trial.failure !== null) {
          try {
            await waitUntilHealthy(server.url, agent);
          } catch (err) {
            aborted = `after a failed ${kind} trial the service did not become healthy again: ${(err as Error).message}`;
          }
        }
      }
    }

    console.log("");
    console.log("Vigil's own view (incident figures from /api/v1/incidents; MTTR ends when the verified healthy period began):");
    for (const kind of FAULT_KINDS) console.log(`  ${vigilViewLine(kind, results.get(kind)!)}`);
    console.log("where the time goes (median ms after the fault, journal stamps, 1 ms resolution):");
    for (const kind of FAULT_KINDS) console.log(`  ${breakdownLine(kind, results.get(kind)!)}`);
    console.log(`load average (1/5/15 min) at the end: ${loadAverage()}`);
    if (aborted) console.log(`ABORTED: ${aborted}`);
    console.log("");
    for (const kind of FAULT_KINDS) console.log(summaryLine(kind, results.get(kind)!, settings.trials));
    console.log(
      `baseline: n=${baseline.length} ${distribution(baseline)} (the fixture's own cold start, spawn() → first 200 with no Vigil involved, one before each trial)`,
    );

    const failed = [...results.values()].flat().filter((t) => t.failure !== null).length;
    if (failed > 0 || aborted) {
      console.log(`${failed} trial(s) failed${aborted ? "; the run was aborted" : ""}`);
      return 1;
    }
    return 0;
  } finally {
    await cleanup();
  }
}

runBench("mttr", USAGE, parseSettings, main);
