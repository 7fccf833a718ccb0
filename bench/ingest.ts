// Ingest benchmark (issue 11, "Benchmark"): how many samples per second one `vigil server`
// process stores from agents over real websockets. Section `ingest`: a real server and one
// load-generator process (bench/support/agent-load.ts) whose simulated agents send samples
// messages like the agent's outbox does (seq-numbered, at most --window unacknowledged,
// acks at the server's checkpoints); the figure is the server's own count of stored samples
// (vigil_samples_ingested_total) over a window, with the server's CPU and RSS. Section
// `failover`: three replicas on a real PostgreSQL (bench/support/leader-failover.ts); each
// trial kills the leader with SIGKILL and times it until another replica serves as leader.
// Section `rehome`: three replicas and real agents (bench/support/replica-rehome.ts); each
// trial kills a replica that does not lead and times it until its nodes are held by the others.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AGENT_WS_PATH } from "../src/protocol/messages.js";
import type { CheckpointFigures } from "../src/tsdb/checkpoint-scheduler.js";
import { tempDir, waitFor, type VigilProcess } from "../test/e2e/harness.js";
import { startBenchServer } from "./support/bench-server.js";
import { Flags, UsageError, runBench } from "./support/flags.js";
import { cpuTimeMs, rssBytes } from "./support/proc-stats.js";
import { measureLeaderFailover } from "./support/leader-failover.js";
import { measureRehome } from "./support/replica-rehome.js";

const LOAD_GENERATOR = join(dirname(fileURLToPath(import.meta.url)), "support", "agent-load.js");
/** The design goal from the issue, printed beside the measurement and never in place of it. */
const TARGET_SAMPLES_PER_SECOND = 500_000;
const ENCODINGS = ["json", "binary"] as const;
type Encoding = (typeof ENCODINGS)[number];
const SECTIONS = ["ingest", "failover", "rehome"] as const;
/** The issue's target for a new leader after the old one died, with the default lease (ttl 4 s, renew 1 s). */
const TARGET_FAILOVER_MS = 5000;
/** The issue's target for a dead replica's nodes to be held by the others. */
const TARGET_REHOME_MS = 5000;
type Section = (typeof SECTIONS)[number];
/** Real agent processes in the rehome section (each a node). */
const REHOME_AGENTS = 9;

const USAGE = `usage: npm run bench -- ingest [--only ingest] [--agents N] [--series-per-agent K] [--window W] [--encoding ${ENCODINGS.join("|")}] [--seconds S] [--warmup S] [--server-node-args="ARGS"] [--trials N]
  --only LIST            sections to run, comma-separated: ingest, failover, rehome (default: all)
  --agents N             simulated agents, each one websocket (default 50)
  --series-per-agent K   series per agent; each message is one collection of all K (default 500)
  --window W             unacknowledged messages per agent, at most (default 1000)
  --encoding E           the samples messages' wire form: ${ENCODINGS.join(" or ")} (default ${ENCODINGS.at(-1)})
  --seconds S            the measuring window (default 30)
  --warmup S             after all agents are connected, before measuring (default 10)
  --server-node-args="ARGS"
                         node options for the server, e.g. --server-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof"
                         (with "=": a value starting with -- is otherwise taken for a flag)
  --trials N             failover and rehome: kills (default 10 each); both need PostgreSQL (initdb and pg_ctl, as the tests find them)`;

interface Settings {
  sections: Section[];
  agents: number;
  seriesPerAgent: number;
  window: number;
  encoding: Encoding;
  seconds: number;
  warmupSeconds: number;
  serverNodeArgs: string[];
  trials: number;
}

function parseSettings(argv: string[]): Settings {
  const flags = Flags.parse(argv, {
    only: "string",
    agents: "string",
    "series-per-agent": "string",
    window: "string",
    encoding: "string",
    seconds: "string",
    warmup: "string",
    "server-node-args": "string",
    trials: "string",
  });
  const only = flags.string("only");
  const sections = only === undefined ? [...SECTIONS] : (only.split(",") as Section[]);
  for (const s of sections) if (!SECTIONS.includes(s)) throw new UsageError(`--only: expected some of ${SECTIONS.join(",")}, got "${s}"`);
  const encoding = (flags.string("encoding") ?? ENCODINGS.at(-1)!) as Encoding;
  if (!ENCODINGS.includes(encoding)) throw new UsageError(`--encoding: expected ${ENCODINGS.join(" or ")}, got "${encoding}"`);
  const serverNodeArgs = flags.string("server-node-args");
  return {
    sections,
    agents: flags.wholeNumber("agents", 50),
    seriesPerAgent: flags.wholeNumber("series-per-agent", 500),
    window: flags.wholeNumber("window", 1000),
    encoding,
    seconds: flags.wholeNumber("seconds", 30),
    warmupSeconds: flags.wholeNumber("warmup", 10, 0),
    serverNodeArgs: serverNodeArgs ? serverNodeArgs.split(/\s+/).filter(Boolean) : [],
    trials: flags.wholeNumber("trials", 10),
  };
}

// ---- section ingest ---------------------------------------------------------------------

/** The generator's status line (agent-load.ts prints one a second). */
interface LoadStatus {
  welcomed: number;
  failed: number;
  open: number;
  closed: number;
  lastError: string;
  serverErrors: number;
  lastServerError: string;
  messagesSent: number;
  samplesSent: number;
  messagesAcked: number;
  windowFullMs: number;
  rampDone?: boolean;
}

/** Counters from the server's /metrics. */
interface ServerCounts {
  ingested: number;
  rejected: number;
  invalidMessages: number;
}

async function serverCounts(url: string): Promise<ServerCounts> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counter = (pattern: RegExp): number => {
    const m = pattern.exec(text);
    return m ? Number(m[1]) : 0;
  };
  return {
    ingested: counter(/^vigil_samples_ingested_total (\S+)$/m),
    rejected: counter(/^vigil_samples_rejected_total (\S+)$/m),
    invalidMessages: counter(/^vigil_agent_messages_total\{type="invalid"\} (\S+)$/m),
  };
}

async function runIngest(settings: Settings, dir: string): Promise<{ line: string; ok: boolean }> {
  mkdirSync(dir, { recursive: true });
  // Default settings (checkpoints every 5 s: acks come that often); heartbeats over the
  // websocket keep the generator to one socket per agent.
  const { server, port, url, pid: serverPid } = await startBenchServer(dir, "failureDetector: { udpHeartbeats: { enabled: false } }\n", settings.serverNodeArgs);
  let generator: ChildProcess | undefined;
  try {
    let status: LoadStatus | null = null;
    generator = spawn(
      process.execPath,
      [
        LOAD_GENERATOR,
        ...["--url", `ws://127.0.0.1:${port}${AGENT_WS_PATH}`, "--agents", String(settings.agents), "--prefix", "ingest"],
        ...["--series-per-agent", String(settings.seriesPerAgent), "--window", String(settings.window), "--encoding", settings.encoding],
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let buffered = "";
    generator.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) if (line.trim()) status = JSON.parse(line) as LoadStatus;
    });
    const current = (): LoadStatus | null => status;
    console.log(`  server pid ${serverPid}; load generator pid ${generator.pid}`);
    await waitFor(() => current()?.rampDone || generator!.exitCode !== null, 60_000, "the load generator to connect its agents").catch((err: Error) => {
      throw new Error(`${err.message}; its last status: ${JSON.stringify(current())}`);
    });
    const ramp = current();
    if (!ramp?.rampDone) throw new Error(`the load generator exited with status ${generator.exitCode} before connecting`);
    console.log(`  connected ${ramp.welcomed} of ${settings.agents} agents${ramp.failed ? ` (${ramp.failed} failed: ${ramp.lastError})` : ""}; warming up ${settings.warmupSeconds} s`);
    await sleep(settings.warmupSeconds * 1000);

    // The counters first, then the generator's status: a backlog read a moment late errs on the high side.
    const take = async () => {
      const counts = await serverCounts(url);
      return { t: performance.now(), cpu: cpuTimeMs(serverPid), genCpu: cpuTimeMs(generator!.pid!), load: current()!, counts };
    };
    const before = await take();
    await sleep(settings.seconds * 1000);
    const after = await take();
    const rss = rssBytes(serverPid);
    const checkpoints = (await (await fetch(`${url}/api/v1/status`)).json()).series.checkpoints as CheckpointFigures;

    const seconds = (after.t - before.t) / 1000;
    const perSecond = (a: number, b: number) => (b - a) / seconds;
    const ingested = perSecond(before.counts.ingested, after.counts.ingested);
    const sent = perSecond(before.load.samplesSent, after.load.samplesSent);
    const acked = perSecond(before.load.messagesAcked, after.load.messagesAcked) * settings.seriesPerAgent;
    const serverShare = (after.cpu - before.cpu) / (after.t - before.t);
    const generatorShare = (after.genCpu - before.genCpu) / (after.t - before.t);
    const windowFull = (after.load.windowFullMs - before.load.windowFullMs) / (settings.agents * (after.t - before.t));
    const rejected = after.counts.rejected - before.counts.rejected;
    // Sent and not yet stored (in sockets, or waiting in the server): the rate above is the
    // server's work in the window, which includes draining what was waiting at its start.
    const backlog = (at: typeof before) => Math.max(0, at.load.samplesSent - at.counts.ingested);
    const invalid = after.counts.invalidMessages - before.counts.invalidMessages;
    console.log(
      `  window ${seconds.toFixed(1)} s: samples sent ${fmt(sent)}/s, stored by the server ${fmt(ingested)}/s, acknowledged ${fmt(acked)}/s; ` +
        `rejected ${rejected}, invalid messages ${invalid}, server errors so far ${after.load.serverErrors}${after.load.lastServerError ? ` (${after.load.lastServerError})` : ""}`,
    );
    console.log(
      `  samples sent and not yet stored: ${fmt(backlog(before))} at the start of the window, ${fmt(backlog(after))} at its end; ` +
        `agents waiting on acks (window of ${settings.window} full) ${(windowFull * 100).toFixed(1)}% of the time; ` +
        `connections open at the end ${after.load.open - after.load.closed} of ${settings.agents}; load generator's own CPU ${(generatorShare * 100).toFixed(1)}% of one core`,
    );
    console.log(
      `  series-store checkpoints (acks wait for them): ${checkpoints.runs} so far, the last took ${fmt(checkpoints.lastDurationMs)} ms in ${checkpoints.lastSlices} slices ` +
        `(longest ${checkpoints.lastMaxSliceMs.toFixed(1)} ms)`,
    );
    const line =
      `ingest (${settings.encoding}, ${settings.agents} agents × ${settings.seriesPerAgent} series): ${fmt(ingested)} samples/s stored, ` +
      `server CPU ${(serverShare * 100).toFixed(1)}% of one core (${((serverShare * 1e6) / Math.max(1, ingested)).toFixed(2)} µs per sample, all work included), ` +
      `RSS ${(rss / 2 ** 20).toFixed(0)} MiB (target ≥ ${fmt(TARGET_SAMPLES_PER_SECOND)} samples/s)`;
    console.log(line);
    const ok = ramp.welcomed === settings.agents && after.load.open - after.load.closed === settings.agents && invalid === 0;
    return { line, ok };
  } finally {
    await stopWithin(server);
    generator?.kill("SIGTERM");
  }
}

// ---- main -------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(" / ");
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

async function stopWithin(p: VigilProcess, graceMs = 15_000): Promise<void> {
  const timer = setTimeout(() => p.proc.kill("SIGKILL"), graceMs);
  await p.stop().catch(() => undefined);
  clearTimeout(timer);
}

async function main(settings: Settings): Promise<number> {
  const dir = tempDir("vigil-bench-ingest-");
  process.once("SIGINT", () => {
    dir.remove();
    process.exit(130);
  });
  console.log("Ingest benchmark: samples/s one vigil server stores from agents over real websockets");
  console.log(`machine: node ${process.version}, ${cpus().length} CPUs, load average (1/5/15 min) at start: ${loadAverage()}`);
  const summary: string[] = [];
  let ok = true;
  try {
    if (settings.sections.includes("ingest")) {
      console.log("");
      console.log(
        `ingest: one vigil server (127.0.0.1, default settings) and one load-generator process; ${settings.agents} agents × ${settings.seriesPerAgent} series, ` +
          `one collection per message, ≤ ${settings.window} unacknowledged, ${settings.encoding} frames:`,
      );
      const result = await runIngest(settings, join(dir.path, "ingest"));
      summary.push(result.line);
      ok &&= result.ok;
    }
    if (settings.sections.includes("failover")) {
      console.log("");
      console.log(`failover: three vigil server replicas on a throwaway PostgreSQL, default lease (ttl 4 s, renew 1 s, retry 2 s); ${settings.trials} trials of kill -9 of the leader:`);
      const trials = await measureLeaderFailover(settings.trials, (line) => console.log(`  ${line}`));
      const ms = trials.map((t) => t.ms).sort((a, b) => a - b);
      const p50 = ms[Math.floor((ms.length - 1) / 2)]!;
      const max = ms[ms.length - 1]!;
      summary.push(`failover (${ms.length} kills of the leader): a new leader serving after p50 ${fmt(p50)} ms, max ${fmt(max)} ms (target ≤ ${fmt(TARGET_FAILOVER_MS)} ms)`);
    }
    if (settings.sections.includes("rehome")) {
      console.log("");
      console.log(`rehome: three vigil server replicas on a throwaway PostgreSQL and ${REHOME_AGENTS} real agents; ${settings.trials} trials of kill -9 of a replica that does not lead:`);
      const result = await measureRehome(settings.trials, REHOME_AGENTS, (line) => console.log(`  ${line}`));
      const ms = result.trials.map((t) => t.ms).sort((a, b) => a - b);
      const p50 = ms[Math.floor((ms.length - 1) / 2)]!;
      const max = ms[ms.length - 1]!;
      summary.push(
        `rehome (${ms.length} kills of a replica that does not lead): its nodes held by the others after p50 ${fmt(p50)} ms, max ${fmt(max)} ms ` +
          `(target ≤ ${fmt(TARGET_REHOME_MS)} ms); nodes declared down: ${result.nodesDown.length === 0 ? "none" : result.nodesDown.join(", ")}`,
      );
      ok &&= result.nodesDown.length === 0;
    }
  } finally {
    dir.remove();
  }
  console.log("");
  console.log(`load average (1/5/15 min) at the end: ${loadAverage()}`);
  for (const line of summary) console.log(line);
  return ok ? 0 : 1;
}

runBench("ingest", USAGE, parseSettings, main);
