// An agent killed without stopping its children (kill -9, the OOM killer) and started again
// takes back the services it left running instead of starting second copies: a real
// supervisor runs in its own process, is SIGKILLed, and a new one with the same run dir
// reconciles the same services.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ChildRecords, processStartTime } from "../../src/agent/child-records.js";
import { Supervisor, type AdoptedEvent, type ExitedEvent, type StartedEvent } from "../../src/agent/supervisor.js";
import type { AgentService } from "../../src/protocol/messages.js";
import { freePort, httpServerScript, killQuietly, pidAlive, spawnOrphanSleep, tempDir, waitFor } from "./process-helpers.js";

const SUPERVISOR_MODULE = fileURLToPath(new URL("../../src/agent/supervisor.js", import.meta.url));

function httpService(port: number, env: Record<string, string> = {}): AgentService {
  return { name: "api", run: { command: `"${process.execPath}" -e "${httpServerScript(port)}"`, env, stopTimeout: 5000 } };
}

/**
 * Runs a supervisor in a process of its own (standing in for the agent), has it start
 * `service`, and kills that process with SIGKILL once the service runs. Returns the
 * service's pid, left running as the killed agent's orphan.
 */
async function startAndKillAgent(dir: string, service: AgentService): Promise<number> {
  const script = join(dir, "agent.mjs");
  writeFileSync(
    script,
    `import { Supervisor } from ${JSON.stringify(SUPERVISOR_MODULE)};
const [logDir, runDir, service] = process.argv.slice(2);
const supervisor = new Supervisor({ logDir, runDir });
await supervisor.reconcile([JSON.parse(service)]);
console.log("pid " + supervisor.pidOf(JSON.parse(service).name));
setInterval(() => {}, 1000);
`,
  );
  const agent = spawn(process.execPath, [script, join(dir, "logs"), join(dir, "run"), JSON.stringify(service)], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  agent.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => /pid \d+/.test(output), 15_000, "the first agent to start its service");
  const pid = Number(/pid (\d+)/.exec(output)![1]);
  agent.kill("SIGKILL");
  await new Promise((resolve) => agent.once("exit", resolve));
  return pid;
}

function harness(dir: string) {
  const supervisor = new Supervisor({ logDir: join(dir, "logs"), runDir: join(dir, "run") });
  const started: StartedEvent[] = [];
  const exited: ExitedEvent[] = [];
  const adopted: AdoptedEvent[] = [];
  supervisor.on("started", (e) => started.push(e));
  supervisor.on("exited", (e) => exited.push(e));
  supervisor.on("adopted", (e) => adopted.push(e));
  return { supervisor, started, exited, adopted };
}

/** The body the service on `port` answers with, once it listens. */
async function serves(port: number): Promise<string> {
  let body = "";
  await waitFor(
    async () => {
      try {
        body = await (await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: "close" } })).text();
        return true;
      } catch {
        return false;
      }
    },
    10_000,
    `the service on port ${port} to answer`,
  );
  return body;
}

test("a restarted agent takes back the service its killed predecessor left running, and stops it as its own", async () => {
  const dir = tempDir("supervisor-restart");
  let pid: number | undefined;
  try {
    const port = await freePort();
    pid = await startAndKillAgent(dir.path, httpService(port));
    assert.ok(pidAlive(pid), "the service outlived the killed agent");
    assert.ok(existsSync(join(dir.path, "run", "api.json")), "the child was recorded");

    const h = harness(dir.path);
    await h.supervisor.reconcile([httpService(port)]);
    assert.deepEqual(h.started, [], "no second copy started");
    assert.deepEqual(
      h.adopted.map((e) => [e.service, e.pid, e.from]),
      [["api", pid, "previous-agent"]],
    );
    assert.equal(h.supervisor.pidOf("api"), pid);
    assert.equal(await serves(port), `ok:${pid}`, "the same process still serves");

    await h.supervisor.stopAll();
    await waitFor(() => !pidAlive(pid!), 10_000, "the taken-back service to stop");
    assert.equal(h.exited.at(-1)?.pid, pid);
    assert.equal(h.exited.at(-1)?.expected, true);
    assert.ok(!existsSync(join(dir.path, "run", "api.json")), "the record goes with the process");
  } finally {
    killQuietly(pid);
    dir.remove();
  }
});

test("the death of a taken-back service is noticed and left to the server: reconcile does not start it, start() does", async () => {
  const dir = tempDir("supervisor-restart");
  let pid: number | undefined;
  const h = harness(dir.path);
  try {
    const port = await freePort();
    pid = await startAndKillAgent(dir.path, httpService(port));
    await h.supervisor.reconcile([httpService(port)]);
    assert.equal(h.supervisor.pidOf("api"), pid);

    killQuietly(pid);
    await waitFor(() => h.exited.length === 1, 10_000, "the exit of the taken-back service to be noticed");
    assert.equal(h.exited[0]!.pid, pid);
    assert.equal(h.exited[0]!.expected, false, "a crash, not a stop");
    assert.equal(h.supervisor.pidOf("api"), null);

    await h.supervisor.reconcile([httpService(port)]);
    assert.equal(h.started.length, 0, "a crashed service is the server's to restart");
    await h.supervisor.start("api");
    assert.equal(h.started.length, 1);
    assert.notEqual(h.started[0]!.pid, pid);
  } finally {
    await h.supervisor.stopAll();
    killQuietly(pid);
    dir.remove();
  }
});

test("a service whose run config changed while the agent was down is replaced, not taken back", async () => {
  const dir = tempDir("supervisor-restart");
  let pid: number | undefined;
  const h = harness(dir.path);
  try {
    const port = await freePort();
    pid = await startAndKillAgent(dir.path, httpService(port, { MODE: "old" }));
    await h.supervisor.reconcile([httpService(port, { MODE: "new" })]);
    assert.deepEqual(h.adopted, []);
    assert.equal(h.exited[0]?.pid, pid, "the old process was stopped");
    assert.equal(h.exited[0]?.expected, true);
    assert.ok(!pidAlive(pid), "and is gone");
    assert.equal(h.started.length, 1, "the new config runs");
    assert.notEqual(h.started[0]!.pid, pid);
  } finally {
    await h.supervisor.stopAll();
    killQuietly(pid);
    dir.remove();
  }
});

test("a record whose pid now names another process is not taken back, and that process is left alone", async () => {
  const dir = tempDir("supervisor-restart");
  const stranger = await spawnOrphanSleep(30);
  const h = harness(dir.path);
  try {
    const port = await freePort();
    const service = httpService(port);
    // The recorded pid was handed to another process after ours died: its start time differs.
    const realStart = processStartTime(stranger);
    assert.ok(realStart !== null);
    const records = new ChildRecords(join(dir.path, "run"));
    records.write("api", { pid: stranger, startTime: String(Number(realStart) + 1), fingerprint: "irrelevant" });

    await h.supervisor.reconcile([service]);
    assert.deepEqual(h.adopted, []);
    assert.equal(h.started.length, 1, "a fresh copy was started");
    assert.notEqual(h.started[0]!.pid, stranger);
    assert.ok(pidAlive(stranger), "the unrelated process was not touched");
    assert.equal(records.read("api")?.pid, h.started[0]!.pid, "the record now names the new child");
  } finally {
    await h.supervisor.stopAll();
    killQuietly(stranger);
    dir.remove();
  }
});
