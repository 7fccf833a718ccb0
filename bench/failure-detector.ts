// Failure-detector benchmark with real processes: (1) how long from a node's failure — its
// agent killed with SIGKILL, or its cable pulled (network namespaces) — to the NodeDown
// webhook arriving at a receiver; (2) what heartbeats cost: N agent websockets from a load
// generator heartbeating against one `vigil server` (as UDP datagrams by default, or over the
// websockets with --heartbeats websocket), its CPU share of one core and its RSS.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatDuration } from "../src/util/duration.js";
import { AGENT_WS_PATH } from "../src/protocol/messages.js";
import {
  api,
  CLI,
  freePort,
  runCli,
  startAgent,
  startServer,
  startWebhookReceiver,
  tempDir,
  waitFor,
  writeConfig,
  type VigilProcess,
  type WebhookReceiver,
} from "../test/e2e/harness.js";
import { createLab, netnsUnavailableReason, type Lab } from "../test/e2e/netns.js";
import { startBenchServer } from "./support/bench-server.js";
import { Flags, UsageError, runBench } from "./support/flags.js";
import { cpuTimeMs, openFdLimit, rssBytes } from "./support/proc-stats.js";

const NODES = ["node-1", "node-2", "node-3"];
const LAB_PORT = 7070;
/** Design goals from the issue, printed beside the measurement and never in place of it. */
const TARGETS = { kill: "≤ 100 ms to the down verdict", cut: "≤ 2 s at p99 to the down verdict", load: "10,000 agents under 50% of one core" };
/** Quiet time before each fault; a random 0..one heartbeat interval is added so faults land anywhere in the heartbeat cycle. */
const SETTLE_MS = 300;
const HEARTBEAT_MS = 500;
const TRIAL_TIMEOUT_MS = 30_000;
const LOAD_GENERATOR = join(dirname(fileURLToPath(import.meta.url)), "support", "agent-load.js");

type Part = "kill" | "cut" | "load";
const PARTS: Part[] = ["kill", "cut", "load"];

const USAGE = `usage: npm run bench -- failure-detector [--trials N] [--agents N] [--heartbeats udp|websocket] [--warmup DURATION] [--window DURATION] [--only kill,cut,load] [--server-node-args "ARGS"]
  --trials N           trials per fault kind (default 20)
  --agents N           agent connections for the heartbeat-cost part (default 10000)
  --heartbeats PATH    udp (the default: datagrams, failureDetector.udpHeartbeats) or websocket
  --warmup DURATION    after all agents are connected, before measuring (default 10s)
  --window DURATION    the CPU measuring window (default 30s)
  --only LIST          run only these parts (default kill,cut,load)
  --server-node-args "ARGS"
                       node options for the server under load, e.g. "--perf-basic-prof" to profile it with perf record -p PID`;

interface Settings {
  trials: number;
  agents: number;
  heartbeats: "udp" | "websocket";
  warmupMs: number;
  windowMs: number;
  parts: Part[];
  serverNodeArgs: string[];
}

function parseSettings(argv: string[]): Settings {
  const flags = Flags.parse(argv, { trials: "string", agents: "string", heartbeats: "string", warmup: "string", window: "string", only: "string", "server-node-args": "string" });
  const only = flags.string("only");
  const parts = only === undefined ? PARTS : (only.split(",") as Part[]);
  for (const p of parts) if (!PARTS.includes(p)) throw new UsageError(`--only: expected some of ${PARTS.join(",")}, got "${p}"`);
  const serverNodeArgs = flags.string("server-node-args");
  const heartbeats = flags.string("heartbeats") ?? "udp";
  if (heartbeats !== "udp" && heartbeats !== "websocket") throw new UsageError(`--heartbeats: expected udp or websocket, got "${heartbeats}"`);
  return {
    trials: flags.wholeNumber("trials", 20),
    agents: flags.wholeNumber("agents", 10_000),
    heartbeats,
    warmupMs: flags.duration("warmup", 10_000, 1000, "30s"),
    windowMs: flags.duration("window", 30_000, 1000, "30s"),
    parts,
    serverNodeArgs: serverNodeArgs ? serverNodeArgs.split(/\s+/).filter(Boolean) : [],
  };
}

// ---- a cluster of a server and three agents, with a webhook receiver ------------------

interface Arrival {
  alertname: string;
  node: string | undefined;
  status: string;
  /** performance.now() when the notification arrived. */
  at: number;
}

interface Cluster {
  /** The server's API, reachable from this process. */
  apiUrl: string;
  agents: Map<string, VigilProcess>;
  arrivals: Arrival[];
  startAgent(node: string): VigilProcess;
  lab: Lab | null;
  stop(): Promise<void>;
}

function clusterConfig(hookUrl: string): string {
  // groupWait 0: the first notification of a group goes out at once, so grouping does not
  // dominate the figure; groupInterval 1s lets each trial's "resolved" (which the next trial
  // waits for, so that its group starts afresh) come quickly. Each node is faulted again and
  // again on purpose, which flap damping would rightly silence: it is set out of reach.
  // The lab's server listens beyond loopback in plain text (--insecure) with agent
  // authentication off: this benchmark measures detection, not the transport.
  return `
server: { agentAuth: "off" }
notify:
  groupWait: 0s
  groupInterval: 1s
  flapping: { changes: 100000, within: 10m, settle: 5m }
  receivers:
    hook: { webhook: { url: "${hookUrl}" } }
  routes:
    - { receiver: hook }
`;
}

function recordArrivals(arrivals: Arrival[]) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (payload: any, at: number): void => {
    for (const a of payload.alerts ?? []) arrivals.push({ alertname: a.labels?.alertname, node: a.labels?.node, status: a.status, at });
  };
}

/** Server and agents as plain processes on 127.0.0.1 (for the kill trials: no namespaces needed). */
async function startLoopbackCluster(dir: string): Promise<Cluster> {
  mkdirSync(dir, { recursive: true });
  const arrivals: Arrival[] = [];
  const hook = await startWebhookReceiver({ onPayload: recordArrivals(arrivals) });
  const configFile = writeConfig(dir, clusterConfig(hook.url));
  const server = await startServer({ configFile, dataDir: join(dir, "server"), port: await freePort() });
  const agents = new Map<string, VigilProcess>();
  const cluster: Cluster = {
    apiUrl: server.url,
    agents,
    arrivals,
    lab: null,
    startAgent(node) {
      const agent = startAgent({ server: server.url, node, dataDir: join(dir, node) });
      agents.set(node, agent);
      return agent;
    },
    async stop() {
      for (const a of agents.values()) await stopWithin(a);
      await stopWithin(server);
      await hook.close();
    },
  };
  for (const node of NODES) cluster.startAgent(node);
  return cluster;
}

/** Server and agents each in its own network namespace (for the cable-cut trials). */
async function startLabCluster(dir: string): Promise<Cluster> {
  mkdirSync(dir, { recursive: true });
  const lab = createLab(["server", ...NODES]);
  const arrivals: Arrival[] = [];
  let hook: WebhookReceiver | undefined;
  let server: VigilProcess | undefined;
  const agents = new Map<string, VigilProcess>();
  try {
    hook = await startWebhookReceiver({ host: lab.management.localIp, onPayload: recordArrivals(arrivals) });
    const configFile = writeConfig(dir, clusterConfig(hook.url));
    // Beyond loopback the server needs a token; made on its data directory first, used by api() through $VIGIL_TOKEN.
    process.env.VIGIL_TOKEN = spawnSync(process.execPath, [CLI, "token", "create", "--role", "viewer", "--name", "bench", "--data", join(dir, "server")], {
      encoding: "utf8",
    }).stdout.trim();
    const srv = runCli(["server", "--config", configFile, "--data", join(dir, "server"), "--listen", `0.0.0.0:${LAB_PORT}`, "--insecure"], {}, lab.launcher("server"));
    server = srv;
    lab.adopt(srv.proc);
    const apiUrl = `http://${lab.management.remoteIp}:${LAB_PORT}`;
    await waitFor(
      async () => {
        if (srv.proc.exitCode !== null) throw new Error(`vigil server exited: ${srv.output()}`);
        return (await fetch(`${apiUrl}/healthz`)).ok;
      },
      20_000,
      "the server in its namespace to listen",
    );
    const cluster: Cluster = {
      apiUrl,
      agents,
      arrivals,
      lab,
      startAgent(node) {
        const agent = runCli(["agent", "--server", `http://${lab.hosts.server!.ip}:${LAB_PORT}`, "--insecure", "--node", node, "--data", join(dir, node)], {}, lab.launcher(node));
        lab.adopt(agent.proc);
        agents.set(node, agent);
        return agent;
      },
      async stop() {
        for (const host of ["server", ...NODES]) lab.restoreLink(host);
        for (const a of agents.values()) await stopWithin(a);
        await stopWithin(srv);
        await hook!.close();
        lab.destroy();
      },
    };
    for (const node of NODES) cluster.startAgent(node);
    return cluster;
  } catch (err) {
    for (const a of agents.values()) await stopWithin(a, 2000);
    if (server) await stopWithin(server, 2000);
    await hook?.close();
    lab.destroy();
    throw err;
  }
}

async function stopWithin(p: VigilProcess, graceMs = 10_000): Promise<void> {
  const timer = setTimeout(() => p.proc.kill("SIGKILL"), graceMs);
  await p.stop();
  clearTimeout(timer);
}

async function waitAllAlive(cluster: Cluster): Promise<void> {
  await waitFor(async () => {
    const nodes: { name: string; state: string }[] = (await api(cluster.apiUrl, "/api/v1/nodes")).nodes;
    return NODES.every((n) => nodes.find((x) => x.name === n)?.state === "alive");
  }, 60_000, "all three nodes alive");
}

/** Every NodeDown that was notified firing has been notified resolved (its group is gone). */
async function waitNodeDownSettled(cluster: Cluster): Promise<void> {
  try {
    await waitNodeDownResolvedNotified(cluster);
  } catch (err) {
    // Seen under heavy load: the resolved notification did not come. Go on once no NodeDown
    // is active and one groupInterval has passed, and say so.
    console.log(`  note: ${(err as Error).message}; continuing once no NodeDown is active`);
    await waitFor(
      async () => !(await api(cluster.apiUrl, "/api/v1/alerts")).alerts.some((a: { labels: Record<string, string> }) => a.labels.alertname === "NodeDown"),
      30_000,
      "no active NodeDown",
    );
    await sleep(2000);
  }
}

async function waitNodeDownResolvedNotified(cluster: Cluster): Promise<void> {
  await waitFor(() => {
    for (const node of NODES) {
      const last = cluster.arrivals.filter((a) => a.alertname === "NodeDown" && a.node === node).at(-1);
      if (last && last.status !== "resolved") return false;
    }
    return true;
  }, 30_000, "NodeDown of the previous trial notified resolved");
}

// ---- part 1: fault → NodeDown webhook ---------------------------------------------------

interface Trial {
  node: string;
  /** Fault → node.down in the journal (wall clock, ms resolution). */
  verdictMs: number | null;
  /** Fault → the NodeDown webhook's arrival. */
  webhookMs: number | null;
  reason: string;
  failure: string | null;
}

type Fault = "kill" | "cut";

async function runFaultTrials(cluster: Cluster, fault: Fault, trials: number): Promise<Trial[]> {
  const results: Trial[] = [];
  for (let i = 0; i < trials; i++) {
    const node = NODES[i % NODES.length]!;
    await waitAllAlive(cluster);
    await waitNodeDownSettled(cluster);
    await sleep(SETTLE_MS + Math.random() * HEARTBEAT_MS);
    const lastEventId: number = (await api(cluster.apiUrl, "/api/v1/events?order=desc&limit=1")).events[0]?.id ?? 0;
    const trial: Trial = { node, verdictMs: null, webhookMs: null, reason: "", failure: null };
    const wall0 = Date.now();
    const t0 = performance.now();
    if (fault === "kill") cluster.agents.get(node)!.proc.kill("SIGKILL");
    else cluster.lab!.cutLink(node);
    try {
      const arrival = await waitFor(
        () => cluster.arrivals.find((a) => a.at > t0 && a.alertname === "NodeDown" && a.node === node && a.status === "firing"),
        TRIAL_TIMEOUT_MS,
        `the NodeDown webhook for ${node}`,
      );
      trial.webhookMs = arrival.at - t0;
      const down = (await api(cluster.apiUrl, `/api/v1/events?afterId=${lastEventId}&kind=node.down&node=${node}`)).events[0];
      if (down) {
        trial.verdictMs = down.ts - wall0;
        trial.reason = down.data.reason;
      }
    } catch (err) {
      trial.failure = (err as Error).message;
    }
    const others = (await api(cluster.apiUrl, `/api/v1/events?afterId=${lastEventId}&kind=node.down,node.unreachable`)).events.filter(
      (e: { node: string }) => e.node !== node,
    );
    if (others.length > 0) trial.failure ??= `a verdict on another node: ${others.map((e: { kind: string; node: string }) => `${e.kind} ${e.node}`).join(", ")}`;
    if (fault === "kill") {
      await cluster.agents.get(node)!.stop();
      cluster.startAgent(node);
    } else {
      cluster.lab!.restoreLink(node);
    }
    results.push(trial);
    console.log(trialLine(fault, trial, i, trials));
  }
  return results;
}

function trialLine(fault: Fault, t: Trial, index: number, planned: number): string {
  const n = `${String(index + 1).padStart(String(planned).length)}/${planned}`;
  if (t.failure) return `  ${fault} ${n} ${t.node}: FAILED: ${t.failure}`;
  return `  ${fault} ${n} ${t.node}: webhook ${t.webhookMs!.toFixed(1)} ms, node.down ${t.verdictMs ?? "?"} ms (${t.reason})`;
}

/** Nearest-rank percentile: the smallest value with at least p% of the values at or below it. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function distribution(values: number[], digits = 1): string {
  const [min, p50, p95, max] = [0, 50, 95, 100].map((p) => percentile(values, p).toFixed(digits));
  return `min=${min} p50=${p50} p95=${p95} max=${max} ms`;
}

function summaryLines(fault: Fault, trials: Trial[], planned: number): string[] {
  const ok = trials.filter((t) => t.failure === null && t.webhookMs !== null);
  const failed = trials.length - ok.length;
  const counts = `n=${ok.length}${failed ? ` (${failed} failed)` : ""}${planned > trials.length ? ` (${planned - trials.length} not run)` : ""}`;
  const label = fault === "kill" ? "kill -9 → NodeDown webhook" : "cable cut → NodeDown webhook";
  if (ok.length === 0) return [`${label}: ${counts}: no successful trial`];
  const verdicts = ok.flatMap((t) => (t.verdictMs === null ? [] : [t.verdictMs]));
  return [
    `${label}: ${counts} ${distribution(ok.map((t) => t.webhookMs!))}`,
    `  of which to the node.down verdict (journal): ${distribution(verdicts, 0)} (target ${TARGETS[fault]})`,
  ];
}

// ---- part 2: heartbeat processing cost --------------------------------------------------

interface LoadStatus {
  connecting: number;
  open: number;
  welcomed: number;
  failed: number;
  closed: number;
  heartbeatsSent: number;
  datagramsSent: number;
  /** Agents whose heartbeats the server confirmed it takes by UDP. */
  onUdp: number;
  probesAnswered: number;
  lastError: string;
  heartbeatIntervalMs: number;
  rampDone?: boolean;
}

async function heartbeatCounter(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^vigil_agent_messages_total\{type="heartbeat"\} (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** Runs the load; returns its summary line and whether every agent connected. */
async function runLoad(settings: Settings, dir: string): Promise<{ line: string; complete: boolean }> {
  mkdirSync(dir, { recursive: true });
  const { server, port, url, pid: serverPid } = await startBenchServer(dir, settings.heartbeats === "websocket" ? "failureDetector: { udpHeartbeats: { enabled: false } }\n" : "", settings.serverNodeArgs);
  let generator: ChildProcess | undefined;
  try {
    let status: LoadStatus | null = null;
    generator = spawn(process.execPath, [LOAD_GENERATOR, "--url", `ws://127.0.0.1:${port}${AGENT_WS_PATH}`, "--agents", String(settings.agents)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let buffered = "";
    generator.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) if (line.trim()) status = JSON.parse(line) as LoadStatus;
    });
    const current = (): LoadStatus | null => status;
    console.log(`  server pid ${serverPid}, open-file limit ${openFdLimit(serverPid)}; load generator pid ${generator.pid}, limit ${openFdLimit(generator.pid!)}`);
    const rampStart = performance.now();
    const rampLimitMs = 120_000 + 30 * settings.agents;
    try {
      await waitFor(() => current()?.rampDone || generator!.exitCode !== null, rampLimitMs, "the load generator to finish connecting");
    } catch (err) {
      const s = current();
      const nodes = await api(url, "/api/v1/status").then((st) => JSON.stringify(st.nodes), () => "unknown");
      throw new Error(`${(err as Error).message}; generator: ${s ? `${s.welcomed} welcomed, ${s.connecting} connecting, ${s.failed} failed (${s.lastError})` : "no status"}; server's nodes by state: ${nodes}`);
    }
    const ramp = current();
    if (!ramp) throw new Error(`the load generator exited with status ${generator.exitCode} before reporting`);
    console.log(
      `  connected ${ramp.welcomed} of ${settings.agents} agents in ${((performance.now() - rampStart) / 1000).toFixed(1)} s` +
        `${ramp.failed ? `; ${ramp.failed} failed (last error: ${ramp.lastError})` : ""}; warming up ${formatDuration(settings.warmupMs)}`,
    );
    await sleep(settings.warmupMs);

    const before = { cpu: cpuTimeMs(serverPid), genCpu: cpuTimeMs(generator.pid!), t: performance.now(), sent: current()!.heartbeatsSent, received: await heartbeatCounter(url) };
    const downBefore: number = (await api(url, "/api/v1/events?kind=node.down,node.unreachable&limit=10000")).events.length;
    await sleep(settings.windowMs);
    const after = { cpu: cpuTimeMs(serverPid), genCpu: cpuTimeMs(generator.pid!), t: performance.now(), sent: current()!.heartbeatsSent, received: await heartbeatCounter(url) };
    const rss = rssBytes(serverPid);
    const statusAfter = await api(url, "/api/v1/status");
    const downAfter: number = (await api(url, "/api/v1/events?kind=node.down,node.unreachable&limit=10000")).events.length;
    const end = current()!;

    const seconds = (after.t - before.t) / 1000;
    const share = (after.cpu - before.cpu) / (after.t - before.t);
    const genShare = (after.genCpu - before.genCpu) / (after.t - before.t);
    const received = (after.received - before.received) / seconds;
    const sent = (after.sent - before.sent) / seconds;
    console.log(
      `  window ${seconds.toFixed(1)} s: heartbeats sent ${sent.toFixed(0)}/s, processed by the server ${received.toFixed(0)}/s ` +
        `(interval ${end.heartbeatIntervalMs} ms); connections open at the end: ${end.open - end.closed}; ` +
        `heartbeating by UDP: ${end.onUdp} agents (${end.datagramsSent} datagrams sent in all)`,
    );
    console.log(
      `  nodes by state at the end: ${JSON.stringify(statusAfter.nodes)}; down/unreachable verdicts during the window: ${downAfter - downBefore}; ` +
        `indirect probes answered by the generator so far: ${end.probesAnswered}`,
    );
    console.log(`  load generator's own CPU: ${(genShare * 100).toFixed(1)}% of one core`);
    const line =
      `heartbeat cost (${settings.heartbeats}): ${ramp.welcomed} agents → server CPU ${(share * 100).toFixed(1)}% of one core ` +
        `(${((share * 1e6) / Math.max(1, received)).toFixed(1)} µs per heartbeat, all work included), RSS ${(rss / 2 ** 20).toFixed(0)} MiB (target ${TARGETS.load})`;
    console.log(line);
    return { line, complete: ramp.welcomed === settings.agents };
  } finally {
    // The server first: the generator's 10,000 disconnects would otherwise be a mass event it works through on the way out.
    await stopWithin(server);
    generator?.kill("SIGTERM");
  }
}

// ---- main -------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(" / ");

async function main(settings: Settings): Promise<number> {
  const dir = tempDir("vigil-bench-fd-");
  const running: Cluster[] = [];
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\nfailure-detector: ${signal}: stopping, removing ${dir.path}`);
    void Promise.all(running.map((c) => c.stop())).finally(() => {
      dir.remove();
      process.exit(130);
    });
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  console.log("Failure-detector benchmark: node failure → NodeDown webhook, and the cost of heartbeats");
  console.log(
    `settings: ${settings.trials} trials per fault (server + 3 agents, default failureDetector, heartbeat ${HEARTBEAT_MS} ms, ` +
      `notify groupWait 0s groupInterval 1s, flap damping out of reach); ${SETTLE_MS} ms + random 0..${HEARTBEAT_MS} ms settle before each fault`,
  );
  console.log(`machine: node ${process.version}, ${cpus().length} CPUs, load average (1/5/15 min) at start: ${loadAverage()}`);
  const summary: string[] = [];
  let failed = false;
  try {
    for (const fault of (["kill", "cut"] as const).filter((f) => settings.parts.includes(f))) {
      console.log("");
      if (fault === "cut") {
        const reason = netnsUnavailableReason();
        if (reason) {
          const line = `cable cut → NodeDown webhook: SKIPPED: network namespaces are not available here: ${reason}`;
          console.log(line);
          summary.push(line);
          continue;
        }
      }
      console.log(fault === "kill" ? "kill -9 of an agent (processes on 127.0.0.1):" : "cable cut (ip link set eth0 down in the agent's network namespace):");
      const cluster = await (fault === "kill" ? startLoopbackCluster(join(dir.path, fault)) : startLabCluster(join(dir.path, fault)));
      running.push(cluster);
      try {
        await waitAllAlive(cluster);
        await sleep(2000); // φ learns the heartbeat rhythm
        const trials = await runFaultTrials(cluster, fault, settings.trials);
        if (trials.some((t) => t.failure)) failed = true;
        summary.push(...summaryLines(fault, trials, settings.trials));
      } finally {
        running.splice(running.indexOf(cluster), 1);
        await cluster.stop();
      }
    }
    if (settings.parts.includes("load")) {
      console.log("");
      console.log(
        `heartbeat cost: ${settings.agents} agent websockets from one load-generator process against one vigil server (127.0.0.1), ` +
          `heartbeats ${settings.heartbeats === "udp" ? "as UDP datagrams" : "over the websockets"}:`,
      );
      const load = await runLoad(settings, join(dir.path, "load"));
      summary.push(load.line);
      if (!load.complete) failed = true;
    }
  } finally {
    dir.remove();
  }
  console.log("");
  console.log(`load average (1/5/15 min) at the end: ${loadAverage()}`);
  for (const line of summary) console.log(line);
  return failed ? 1 : 0;
}

runBench("failure-detector", USAGE, parseSettings, main);
