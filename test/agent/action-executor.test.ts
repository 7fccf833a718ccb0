// The action executor with a real supervisor, real processes and real files: kill of a
// hung process, declared commands (exec, clean-disk, promote), restore from a snapshot
// and by a declared command, fencing and standby services, and what it refuses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ActionExecutor, type ActionOutcome } from "../../src/agent/action-executor.js";
import { SnapshotStore } from "../../src/agent/snapshot-store.js";
import { Snapshots, type SnapshotEvent } from "../../src/agent/snapshots.js";
import { Supervisor, type ExitedEvent, type StartedEvent } from "../../src/agent/supervisor.js";
import { PROTOCOL_VERSION, type AgentService } from "../../src/protocol/messages.js";
import { systemClock } from "../../src/util/clock.js";
import { silentLogger } from "../../src/util/logger.js";
import { killQuietly, pidAlive, tempDir, waitFor } from "./process-helpers.js";

/** A supervisor, snapshots and executor over `services`, in a temp dir; `cleanup` stops everything. */
function harness() {
  const dir = tempDir("executor");
  const supervisor = new Supervisor({ logDir: join(dir.path, "agent", "logs") });
  const snapshotEvents: SnapshotEvent[] = [];
  const snapshots = new Snapshots({
    store: new SnapshotStore(join(dir.path, "agent", "snapshots")),
    clock: systemClock,
    logger: silentLogger(),
    onEvent: (e) => snapshotEvents.push(e),
    // Tests take snapshots on demand.
    firstDelayMs: 3_600_000,
  });
  const services = new Map<string, AgentService>();
  const executor = new ActionExecutor(supervisor, () => services, snapshots);
  const started: StartedEvent[] = [];
  const exited: ExitedEvent[] = [];
  supervisor.on("started", (e) => started.push(e));
  supervisor.on("exited", (e) => exited.push(e));
  let n = 0;
  return {
    dir: dir.path,
    supervisor,
    snapshots,
    snapshotEvents,
    services,
    started,
    exited,
    /** Puts the services into the agent's config and lets the supervisor reconcile. */
    async configure(...list: AgentService[]): Promise<void> {
      services.clear();
      for (const s of list) services.set(s.name, s);
      await supervisor.reconcile(list);
      snapshots.reconcile(list);
    },
    act(action: string, service: string, command?: string): Promise<ActionOutcome> {
      n += 1;
      return executor.execute({ type: "action", v: PROTOCOL_VERSION, actionId: `a${n}`, action, service, reason: "test", ...(command !== undefined && { command }) });
    },
    async cleanup(): Promise<void> {
      const pids = supervisor.running().map((r) => r.pid);
      await snapshots.stop();
      await supervisor.stopAll();
      for (const pid of pids) killQuietly(pid);
      dir.remove();
    },
  };
}

const nodeCommand = (script: string): string => `"${process.execPath}" -e "${script}"`;

function sleeper(name: string, extra: Partial<AgentService> = {}, run: Partial<NonNullable<AgentService["run"]>> = {}): AgentService {
  return { name, run: { command: "sleep 300", env: {}, stopTimeout: 5000, ...run }, ...extra };
}

test("kill SIGKILLs a SIGSTOPped process at once and starts a new one", async () => {
  const h = harness();
  try {
    // A long stopTimeout and a process that ignores SIGTERM: only an immediate SIGKILL is quick.
    const stubborn = nodeCommand("process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)");
    await h.configure(sleeper("api", {}, { command: stubborn, stopTimeout: 120_000 }));
    const oldPid = h.supervisor.pidOf("api")!;
    process.kill(oldPid, "SIGSTOP");

    const outcome = await h.act("kill", "api");
    assert.equal(outcome.ok, true, outcome.error);
    assert.equal(outcome.data.previousPid, oldPid);
    const newPid = outcome.data.pid as number;
    assert.notEqual(newPid, oldPid);
    assert.equal(h.supervisor.pidOf("api"), newPid);
    assert.equal(pidAlive(oldPid), false, "the hung process is gone");
    assert.equal(pidAlive(newPid), true);
    assert.deepEqual(
      h.exited.map((e) => ({ pid: e.pid, signal: e.signal, expected: e.expected })),
      [{ pid: oldPid, signal: "SIGKILL", expected: true }],
    );

    // Not stopped, ignoring SIGTERM: still killed at once, not after the 120 s stopTimeout.
    const before = Date.now();
    const again = await h.act("kill", "api");
    assert.equal(again.ok, true, again.error);
    assert.equal(again.data.previousPid, newPid);
    assert.ok(Date.now() - before < 60_000, "kill waited for the stop timeout");
    assert.equal(pidAlive(newPid), false);
  } finally {
    await h.cleanup();
  }
});

test("exec runs a declared command by name with the run's cwd and env; exit code and output come back", async () => {
  const h = harness();
  try {
    const cwd = join(h.dir, "work");
    mkdirSync(cwd);
    await h.configure(
      sleeper(
        "db",
        {
          commands: {
            where: "pwd",
            greet: "printenv GREETING",
            fail: "sh -c 'echo to-stdout; echo to-stderr >&2; exit 3'",
            slow: "sleep 30",
          },
          commandTimeout: 500,
        },
        { cwd, env: { GREETING: "hello from the run env" } },
      ),
    );

    const where = await h.act("exec", "db", "where");
    assert.equal(where.ok, true, where.error);
    assert.equal(where.data.exitCode, 0);
    assert.equal(where.data.command, "where");
    assert.equal(where.data.output, `${cwd}\n`);

    const greet = await h.act("exec", "db", "greet");
    assert.equal(greet.data.output, "hello from the run env\n");

    const fail = await h.act("exec", "db", "fail");
    assert.equal(fail.ok, false);
    assert.equal(fail.data.exitCode, 3);
    assert.match(fail.data.output as string, /to-stdout\n/);
    assert.match(fail.data.output as string, /to-stderr\n/);
    assert.match(fail.error!, /exit code 3: to-stderr/);

    const slow = await h.act("exec", "db", "slow");
    assert.equal(slow.ok, false);
    assert.equal(slow.data.timedOut, true);
    assert.match(slow.error!, /timed out after 500ms/);

    const undeclared = await h.act("exec", "db", "rm-everything");
    assert.equal(undeclared.refused, true);
    assert.equal(undeclared.error, 'refused: command "rm-everything" is not declared for service "db" (declared: where, greet, fail, slow)');
    // A name inherited from Object.prototype is not a declared command either.
    assert.equal((await h.act("exec", "db", "toString")).refused, true);
    const nameless = await h.act("exec", "db");
    assert.equal(nameless.refused, true);
    assert.match(nameless.error!, /exec needs the name of a declared command/);
    const unknown = await h.act("exec", "nope", "where");
    assert.equal(unknown.error, 'refused: service "nope" is not in this agent\'s configuration');
  } finally {
    await h.cleanup();
  }
});

test("clean-disk and promote run their declared commands; refused when not declared", async () => {
  const h = harness();
  try {
    const cwd = join(h.dir, "work");
    mkdirSync(join(cwd, "junk"), { recursive: true });
    writeFileSync(join(cwd, "junk", "big.log"), "x".repeat(10_000));
    await h.configure(
      sleeper("db", { cleanup: "rm -rf junk", promote: "sh -c 'echo primary > role'" }, { cwd }),
      sleeper("api"),
    );
    const clean = await h.act("clean-disk", "db");
    assert.equal(clean.ok, true, clean.error);
    assert.equal(existsSync(join(cwd, "junk")), false);
    const promote = await h.act("promote", "db");
    assert.equal(promote.ok, true, promote.error);
    assert.equal(readFileSync(join(cwd, "role"), "utf8"), "primary\n");

    assert.equal((await h.act("clean-disk", "api")).error, 'refused: service "api" declares no cleanup command');
    assert.equal((await h.act("promote", "api")).error, 'refused: service "api" declares no promote command');
    assert.equal((await h.act("restore", "api")).error, 'refused: service "api" declares neither restore nor snapshot');
    const bogus = await h.act("format-disk", "api");
    assert.equal(bogus.refused, true);
    assert.match(bogus.error!, /unknown action "format-disk" \(this agent runs only restart, stop, start, kill, exec, restore, clean-disk, promote\)/);
  } finally {
    await h.cleanup();
  }
});

test("restore puts the latest snapshot back while the service is stopped, then starts it", async () => {
  const h = harness();
  try {
    const data = join(h.dir, "data");
    mkdirSync(join(data, "sub"), { recursive: true });
    writeFileSync(join(data, "state.txt"), "version 1");
    writeFileSync(join(data, "sub", "nested.txt"), "nested 1");
    const db = sleeper("db", { snapshot: { path: data, every: 3_600_000, keep: 2 } });
    await h.configure(db);
    assert.equal((await h.act("restore", "db")).error?.startsWith('refused: service "db" has no snapshot to restore yet'), true);

    const first = await h.snapshots.take("db");
    assert.equal(first?.kind, "snapshot.taken");
    // Damage the data: change a file, delete one, add one.
    writeFileSync(join(data, "state.txt"), "corrupted");
    rmSync(join(data, "sub", "nested.txt"));
    writeFileSync(join(data, "garbage.bin"), "junk");

    // What the data directory holds at the moment the process exits and when it starts again.
    const seen: string[] = [];
    h.supervisor.on("exited", () => seen.push(`exited: ${readFileSync(join(data, "state.txt"), "utf8")}`));
    h.supervisor.on("started", () => seen.push(`started: ${readFileSync(join(data, "state.txt"), "utf8")}`));
    const oldPid = h.supervisor.pidOf("db")!;
    const outcome = await h.act("restore", "db");
    assert.equal(outcome.ok, true, outcome.error);
    assert.deepEqual(seen, ["exited: corrupted", "started: version 1"], "stopped before the data changed, started after");
    assert.equal(outcome.data.snapshot, first!.kind === "snapshot.taken" && first!.data.id);
    assert.equal(outcome.data.previousPid, oldPid);
    assert.equal(pidAlive(oldPid), false);
    assert.equal(h.supervisor.pidOf("db"), outcome.data.pid);
    assert.equal(readFileSync(join(data, "state.txt"), "utf8"), "version 1");
    assert.equal(readFileSync(join(data, "sub", "nested.txt"), "utf8"), "nested 1");
    assert.equal(existsSync(join(data, "garbage.bin")), false);
    // Nothing is left beside the data directory.
    assert.deepEqual(readdirSync(h.dir).sort(), ["agent", "data"]);
  } finally {
    await h.cleanup();
  }
});

test("restore with a declared command runs it while the service is stopped", async () => {
  const h = harness();
  try {
    const cwd = join(h.dir, "work");
    mkdirSync(join(cwd, "backup"), { recursive: true });
    writeFileSync(join(cwd, "backup", "state.txt"), "from backup");
    // The service writes its pid; the restore command refuses to run while that pid lives.
    const service = nodeCommand("require('fs').writeFileSync('service.pid', String(process.pid)); setInterval(() => {}, 1000)");
    const restore = "sh -c 'if kill -0 $(cat service.pid) 2>/dev/null; then echo still running >&2; exit 1; fi; mkdir -p data && cp backup/state.txt data/'";
    // A snapshot is configured too: the declared command wins.
    await h.configure(sleeper("db", { restore, snapshot: { path: join(cwd, "data"), every: 3_600_000, keep: 1 } }, { command: service, cwd }));
    const pid = h.supervisor.pidOf("db")!;
    await waitFor(() => existsSync(join(cwd, "service.pid")) && readFileSync(join(cwd, "service.pid"), "utf8") === String(pid), 10_000, "the pid file");

    const outcome = await h.act("restore", "db");
    assert.equal(outcome.ok, true, `${outcome.error} ${String(outcome.data.output)}`);
    assert.equal(outcome.data.restore, "command");
    assert.equal(outcome.data.exitCode, 0);
    assert.equal(readFileSync(join(cwd, "data", "state.txt"), "utf8"), "from backup");
    assert.notEqual(outcome.data.pid, pid);
    assert.equal(h.supervisor.pidOf("db"), outcome.data.pid);

    // A failing restore command leaves the service stopped and says so.
    rmSync(join(cwd, "backup"), { recursive: true });
    const failed = await h.act("restore", "db");
    assert.equal(failed.ok, false);
    assert.match(failed.error!, /^restore command exit code 1: .*; the service was left stopped$/);
    assert.equal(h.supervisor.pidOf("db"), null);
  } finally {
    await h.cleanup();
  }
});

test("a fenced service is stopped, refuses start, restart, kill and restore, and runs again once unfenced", async () => {
  const h = harness();
  try {
    await h.configure(sleeper("db"));
    const pid = h.supervisor.pidOf("db")!;
    await h.configure(sleeper("db", { fenced: true }));
    assert.equal(h.supervisor.pidOf("db"), null);
    assert.equal(pidAlive(pid), false);
    assert.equal(h.exited.at(-1)?.expected, true);
    assert.equal(h.supervisor.isDormant("db"), true);
    for (const action of ["start", "restart", "kill", "restore"]) {
      const outcome = await h.act(action, "db");
      assert.equal(outcome.refused, true, action);
      assert.equal(outcome.error, 'refused: service "db" is fenced on this node: it must not run here until the server unfences it');
    }
    // The supervisor itself refuses too, whoever asks.
    await assert.rejects(h.supervisor.start("db"), /fenced/);
    assert.equal((await h.act("stop", "db")).ok, true);
    // Reconciling again while fenced starts nothing.
    await h.configure(sleeper("db", { fenced: true }));
    assert.equal(h.supervisor.pidOf("db"), null);
    assert.equal(h.started.length, 1);

    await h.configure(sleeper("db"));
    // Unfenced, but it was stopped on purpose by the stop action: it waits for a start.
    assert.equal(h.supervisor.pidOf("db"), null);
    assert.equal((await h.act("start", "db")).ok, true);
    assert.notEqual(h.supervisor.pidOf("db"), null);
  } finally {
    await h.cleanup();
  }
});

test("an unfenced service that was only stopped by the fence runs again", async () => {
  const h = harness();
  try {
    await h.configure(sleeper("db"));
    await h.configure(sleeper("db", { fenced: true }));
    assert.equal(h.supervisor.pidOf("db"), null);
    await h.configure(sleeper("db"));
    assert.notEqual(h.supervisor.pidOf("db"), null);
    assert.equal(h.started.length, 2);
  } finally {
    await h.cleanup();
  }
});

test("a standby service is not started until a start action, then stays running as the list is re-applied", async () => {
  const h = harness();
  try {
    const standby = sleeper("db", { standby: true });
    await h.configure(standby);
    assert.equal(h.supervisor.pidOf("db"), null);
    assert.equal(h.supervisor.isDormant("db"), true);
    await h.configure(standby);
    assert.equal(h.started.length, 0, "reconcile does not start a standby");

    const outcome = await h.act("start", "db");
    assert.equal(outcome.ok, true, outcome.error);
    const pid = outcome.data.pid as number;
    assert.equal(h.supervisor.isDormant("db"), false);
    // The welcome after a reconnect still says standby: the failed-over instance keeps running.
    await h.configure(standby);
    assert.equal(h.supervisor.pidOf("db"), pid);
    assert.equal(h.started.length, 1);

    // Handed back: stopped, and standby again, it waits for the next failover.
    assert.equal((await h.act("stop", "db")).ok, true);
    await h.configure(sleeper("db"));
    assert.equal(h.started.length, 1, "held down by the stop");
    assert.equal((await h.act("start", "db")).ok, true);
    assert.equal((await h.act("stop", "db")).ok, true);
    await h.configure(standby);
    assert.equal(h.supervisor.isDormant("db"), true, "a stopped service that becomes a standby is idle again");
    assert.equal(h.supervisor.pidOf("db"), null);
  } finally {
    await h.cleanup();
  }
});
