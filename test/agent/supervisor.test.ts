import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HttpProbe } from "../../src/agent/probes/http.js";
import { Supervisor, type ExitedEvent, type StartedEvent, type AdoptedEvent } from "../../src/agent/supervisor.js";
import type { AgentService } from "../../src/protocol/messages.js";
import { freePort, httpServerScript, killQuietly, pidAlive, spawnOrphanSleep, tempDir, waitFor } from "./process-helpers.js";

/** A supervisor in a temp dir that records its events; `cleanup` stops everything it started. */
function harness() {
  const dir = tempDir("supervisor");
  const logDir = join(dir.path, "logs");
  const supervisor = new Supervisor({ logDir });
  const started: StartedEvent[] = [];
  const exited: ExitedEvent[] = [];
  const adopted: AdoptedEvent[] = [];
  supervisor.on("started", (e) => started.push(e));
  supervisor.on("exited", (e) => exited.push(e));
  supervisor.on("adopted", (e) => adopted.push(e));
  const externalPids: number[] = [];
  const cleanup = async (): Promise<void> => {
    const pids = supervisor.running().map((r) => r.pid);
    await supervisor.stopAll();
    for (const pid of [...pids, ...externalPids]) killQuietly(pid);
    dir.remove();
  };
  return { dir: dir.path, logDir, supervisor, started, exited, adopted, externalPids, cleanup };
}

/** Quotes a node one-liner for the command line (it contains single quotes only). */
const nodeCommand = (script: string): string => `"${process.execPath}" -e "${script}"`;

function httpService(name: string, port: number, extra: Partial<NonNullable<AgentService["run"]>> = {}): AgentService {
  return { name, run: { command: nodeCommand(httpServerScript(port)), env: {}, stopTimeout: 5000, ...extra } };
}

async function body(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: "close" } });
  return response.text();
}

async function waitServing(port: number): Promise<void> {
  const probe = new HttpProbe(`http://127.0.0.1:${port}/`);
  await waitFor(async () => (await probe.check(500)).ok, 5000, `a server on port ${port}`);
}

test("reconcile starts a service, the pid is the program itself, an external kill is reported at once and left to the server", async () => {
  const h = harness();
  try {
    const port = await freePort();
    await h.supervisor.reconcile([httpService("api", port)]);
    assert.equal(h.started.length, 1);
    const pid = h.started[0]!.pid;
    assert.equal(h.supervisor.pidOf("api"), pid);
    assert.deepEqual(h.supervisor.running(), [{ service: "api", pid }]);
    await waitServing(port);
    assert.equal(await body(port), `ok:${pid}`, "spawned without a shell in between");

    const killedAt = Date.now();
    process.kill(pid, "SIGKILL");
    await waitFor(() => h.exited.length === 1, 2000, "the exited event");
    assert.ok(Date.now() - killedAt < 1000, "exit seen through the child's exit event, not polling");
    const exit = h.exited[0]!;
    assert.deepEqual(
      { service: exit.service, pid: exit.pid, code: exit.code, signal: exit.signal, expected: exit.expected },
      { service: "api", pid, code: null, signal: "SIGKILL", expected: false },
    );
    assert.equal(h.supervisor.pidOf("api"), null);

    // A crash is the server's to repair (its playbook, limits, approvals, dry-run): a later
    // reconcile — a reconnect's welcome, say — does not start the service behind its back.
    await h.supervisor.reconcile([httpService("api", port)]);
    assert.equal(h.started.length, 1);
    await h.supervisor.restart("api");
    assert.equal(h.started.length, 2);
    await waitServing(port);
  } finally {
    await h.cleanup();
  }
});

test("restart replaces the process with a new pid that serves", async () => {
  const h = harness();
  try {
    const port = await freePort();
    await h.supervisor.reconcile([httpService("api", port)]);
    const oldPid = h.supervisor.pidOf("api")!;
    await waitServing(port);
    const newPid = await h.supervisor.restart("api");
    assert.notEqual(newPid, oldPid);
    assert.equal(h.supervisor.pidOf("api"), newPid);
    assert.deepEqual(
      h.exited.map((e) => [e.pid, e.expected]),
      [[oldPid, true]],
    );
    assert.equal(pidAlive(oldPid), false);
    await waitServing(port);
    assert.equal(await body(port), `ok:${newPid}`);
  } finally {
    await h.cleanup();
  }
});

test("stop of a SIGSTOPped process does not wait for the stop timeout", async () => {
  const h = harness();
  try {
    await h.supervisor.reconcile([{ name: "frozen", run: { command: "sleep 30", env: {}, stopTimeout: 20_000 } }]);
    const pid = h.supervisor.pidOf("frozen")!;
    process.kill(pid, "SIGSTOP");
    await waitFor(() => readFileSync(`/proc/${pid}/stat`, "utf8").includes(") T"), 2000, "the stopped state");
    const stopping = Date.now();
    await h.supervisor.stop("frozen");
    assert.ok(Date.now() - stopping < 2000, `stop took ${Date.now() - stopping}ms`);
    assert.deepEqual(
      h.exited.map((e) => [e.pid, e.signal, e.expected]),
      [[pid, "SIGKILL", true]],
    );
    assert.equal(h.supervisor.pidOf("frozen"), null);
  } finally {
    await h.cleanup();
  }
});

test("a process ignoring SIGTERM is killed after its stop timeout", async () => {
  const h = harness();
  try {
    // An ignored signal stays ignored across exec, so the whole group ignores SIGTERM.
    const command = "trap '' TERM; echo up; sleep 30";
    await h.supervisor.reconcile([{ name: "stubborn", run: { command, env: {}, stopTimeout: 300 } }]);
    const logFile = join(h.logDir, "stubborn.log");
    await waitFor(() => readFileSync(logFile, "utf8").includes("up"), 5000, "the trap to be set");
    const stopping = Date.now();
    await h.supervisor.stop("stubborn");
    const took = Date.now() - stopping;
    assert.ok(took >= 250 && took < 3000, `stop took ${took}ms`);
    assert.equal(h.exited[0]?.signal, "SIGKILL");
  } finally {
    await h.cleanup();
  }
});

test("stdout and stderr are appended to <logDir>/<service>.log across restarts", async () => {
  const h = harness();
  try {
    const command = 'echo "hello from $GREETING"; echo "a warning" >&2; exec sleep 30';
    const service: AgentService = { name: "talker", run: { command, env: { GREETING: "vigil" }, stopTimeout: 1000 } };
    await h.supervisor.reconcile([service]);
    const logFile = join(h.logDir, "talker.log");
    await waitFor(() => readFileSync(logFile, "utf8").includes("a warning"), 5000, "output in the log file");
    await h.supervisor.restart("talker");
    await waitFor(() => readFileSync(logFile, "utf8").split("hello from vigil").length === 3, 5000, "the second run's output");
    assert.equal(readFileSync(logFile, "utf8").split("a warning").length, 3);
  } finally {
    await h.cleanup();
  }
});

test("reconcile is idempotent, restarts only on a changed run config, and stops what is no longer listed", async () => {
  const h = harness();
  try {
    const a: AgentService = { name: "a", run: { command: "sleep 30", env: {}, stopTimeout: 1000 } };
    const b: AgentService = { name: "b", run: { command: "sleep 31", env: {}, stopTimeout: 1000 } };
    await h.supervisor.reconcile([a, b]);
    const pidA = h.supervisor.pidOf("a")!;
    const pidB = h.supervisor.pidOf("b")!;
    await h.supervisor.reconcile([structuredClone(a), structuredClone(b)]);
    await h.supervisor.reconcile([{ ...a, run: { ...a.run!, stopTimeout: 999 } }, b]);
    assert.equal(h.started.length, 2, "no restart for an unchanged config (stopTimeout alone does not count)");
    assert.deepEqual([h.supervisor.pidOf("a"), h.supervisor.pidOf("b")], [pidA, pidB]);

    const changedA = { ...a, run: { ...a.run!, env: { MODE: "new" } } };
    await h.supervisor.reconcile([changedA, b]);
    const newPidA = h.supervisor.pidOf("a")!;
    assert.notEqual(newPidA, pidA);
    assert.equal(h.supervisor.pidOf("b"), pidB);
    assert.deepEqual(h.exited.map((e) => [e.service, e.pid, e.expected]), [["a", pidA, true]]);

    await h.supervisor.reconcile([changedA]);
    assert.equal(h.supervisor.pidOf("b"), null);
    assert.equal(pidAlive(pidB), false);
    await assert.rejects(h.supervisor.start("b"), /unknown service "b"/);
    assert.deepEqual(h.supervisor.running(), [{ service: "a", pid: newPidA }]);
  } finally {
    await h.cleanup();
  }
});

test("a service stopped on purpose stays stopped through reconcile until started again", async () => {
  const h = harness();
  try {
    const service: AgentService = { name: "api", run: { command: "sleep 30", env: {}, stopTimeout: 1000 } };
    await h.supervisor.reconcile([service]);
    await h.supervisor.stop("api");
    await h.supervisor.reconcile([service]);
    assert.equal(h.supervisor.pidOf("api"), null);
    const pid = await h.supervisor.start("api");
    assert.equal(h.supervisor.pidOf("api"), pid);
    assert.equal(await h.supervisor.start("api"), pid, "start of a running service is a no-op");
  } finally {
    await h.cleanup();
  }
});

test("shell commands run through /bin/sh and stop takes the whole process group", async () => {
  const h = harness();
  try {
    const bgPidFile = join(h.dir, "bg.pid");
    await h.supervisor.reconcile([
      { name: "pipeline", run: { command: `sleep 30 & echo $! > ${bgPidFile}; wait`, env: {}, stopTimeout: 2000 } },
    ]);
    await waitFor(() => {
      try {
        return readFileSync(bgPidFile, "utf8").trim() !== "";
      } catch {
        return false;
      }
    }, 5000, "the background pid");
    const background = Number(readFileSync(bgPidFile, "utf8"));
    h.externalPids.push(background);
    assert.ok(pidAlive(background));
    await h.supervisor.stop("pipeline");
    await waitFor(() => !pidAlive(background), 2000, "the background sleep to die with its group");
  } finally {
    await h.cleanup();
  }
});

test("a pidfile-only service adopts an external process, notices its death, and adopts its successor", async () => {
  const h = harness();
  try {
    const pidfile = join(h.dir, "legacy.pid");
    const first = await spawnOrphanSleep();
    h.externalPids.push(first);
    writeFileSync(pidfile, `${first}\n`);
    await h.supervisor.reconcile([{ name: "legacy", pidfile }]);
    assert.deepEqual(h.adopted.map((e) => [e.service, e.pid]), [["legacy", first]]);
    assert.equal(h.supervisor.pidOf("legacy"), first);
    assert.equal(h.started.length, 0);
    await assert.rejects(h.supervisor.start("legacy"), /service "legacy" has no run command \(its process is adopted/);
    await assert.rejects(h.supervisor.restart("legacy"), /has no run command/);

    process.kill(first, "SIGKILL");
    await waitFor(() => h.exited.length === 1, 3000, "the adopted process's death");
    assert.deepEqual(
      { pid: h.exited[0]!.pid, expected: h.exited[0]!.expected, code: h.exited[0]!.code },
      { pid: first, expected: false, code: null },
    );
    assert.equal(h.supervisor.pidOf("legacy"), null);

    const second = await spawnOrphanSleep();
    h.externalPids.push(second);
    writeFileSync(pidfile, `${second}\n`);
    await waitFor(() => h.adopted.length === 2, 3000, "the successor to be adopted");
    assert.equal(h.supervisor.pidOf("legacy"), second);

    // Dropping it from the config only lets go: the process is not ours to kill.
    await h.supervisor.reconcile([]);
    assert.equal(h.supervisor.pidOf("legacy"), null);
    assert.equal(pidAlive(second), true);
  } finally {
    await h.cleanup();
  }
});

test("with both pidfile and run: adopt a live pid, otherwise start", async () => {
  const h = harness();
  try {
    const port = await freePort();
    const pidfile = join(h.dir, "api.pid");
    const external = await spawnOrphanSleep();
    h.externalPids.push(external);
    writeFileSync(pidfile, String(external));
    const service: AgentService = { ...httpService("api", port), pidfile };
    await h.supervisor.reconcile([service]);
    assert.equal(h.supervisor.pidOf("api"), external);
    assert.equal(h.started.length, 0);

    // restart replaces the adopted process with one of ours
    const pid = await h.supervisor.restart("api");
    assert.equal(pidAlive(external), false);
    assert.equal(h.exited[0]?.pid, external);
    assert.equal(h.exited[0]?.expected, true);
    await waitServing(port);
    assert.equal(await body(port), `ok:${pid}`);
    await h.supervisor.stopAll();

    // a stale pidfile (dead pid) means start
    const fresh = harness();
    try {
      await fresh.supervisor.reconcile([service]);
      assert.equal(fresh.adopted.length, 0);
      assert.equal(fresh.started.length, 1);
      await waitServing(port);
    } finally {
      await fresh.cleanup();
    }
  } finally {
    await h.cleanup();
  }
});

test("a missing binary or working directory is an exited event with the error, never a crash", async () => {
  const h = harness();
  try {
    await h.supervisor.reconcile([
      { name: "ghost", run: { command: "no-such-binary-for-vigil --flag", env: {}, stopTimeout: 1000 } },
      { name: "lost", run: { command: "sleep 30", cwd: join(h.dir, "missing"), env: {}, stopTimeout: 1000 } },
    ]);
    const byService = new Map(h.exited.map((e) => [e.service, e]));
    assert.match(byService.get("ghost")?.error ?? "", /command not found: "no-such-binary-for-vigil"/);
    assert.equal(byService.get("ghost")?.pid, null);
    assert.match(byService.get("lost")?.error ?? "", /working directory ".*missing" does not exist/);
    assert.equal(h.started.length, 0);
    await assert.rejects(h.supervisor.start("ghost"), /cannot start service "ghost": command not found/);
    await assert.rejects(h.supervisor.restart("nobody"), /unknown service "nobody"/);
    await assert.rejects(h.supervisor.stop("nobody"), /unknown service "nobody"/);
  } finally {
    await h.cleanup();
  }
});

test("stopAll stops every child and resolves when they are gone", async () => {
  const h = harness();
  try {
    await h.supervisor.reconcile([
      { name: "s1", run: { command: "sleep 30", env: {}, stopTimeout: 1000 } },
      { name: "s2", run: { command: "sleep 31", env: {}, stopTimeout: 1000 } },
    ]);
    const pids = h.supervisor.running().map((r) => r.pid);
    assert.equal(pids.length, 2);
    await h.supervisor.stopAll();
    assert.deepEqual(h.supervisor.running(), []);
    for (const pid of pids) assert.equal(pidAlive(pid), false);
    assert.deepEqual(h.exited.map((e) => [e.signal, e.expected]), [["SIGTERM", true], ["SIGTERM", true]]);
  } finally {
    await h.cleanup();
  }
});
