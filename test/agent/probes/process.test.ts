import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { parseProcStatState, ProcessProbe } from "../../../src/agent/probes/process.js";
import { killQuietly, waitFor, waitForExit } from "../process-helpers.js";

test("the state is read after the last ')' of /proc/<pid>/stat", () => {
  assert.equal(parseProcStatState("1234 (sleep) S 1 1234 1234 0 -1"), "S");
  assert.equal(parseProcStatState("1234 (evil) T (name) Z 1 2 3"), "Z");
  assert.equal(parseProcStatState("garbage"), null);
});

test("a running process is healthy; SIGSTOPped it is not; SIGCONT heals; dead it is not", async () => {
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  const pid = child.pid!;
  try {
    const probe = new ProcessProbe(() => pid);
    const alive = await probe.check(1000);
    assert.equal(alive.ok, true, alive.detail);
    process.kill(pid, "SIGSTOP");
    await waitFor(async () => !(await probe.check(1000)).ok, 2000, "the stop to show in /proc");
    const stopped = await probe.check(1000);
    assert.equal(stopped.ok, false);
    assert.match(stopped.detail, /^process stopped/);
    process.kill(pid, "SIGCONT");
    await waitFor(async () => (await probe.check(1000)).ok, 2000, "the process to run again");
    child.kill("SIGKILL");
    await waitForExit(child);
    const dead = await probe.check(1000);
    assert.deepEqual([dead.ok, dead.detail], [false, `process ${pid} not running`]);
  } finally {
    killQuietly(pid);
    await waitForExit(child);
  }
});

test("a zombie is not alive", async () => {
  // sh starts `sleep 0` in the background, then becomes `sleep 30` (exec), which never
  // reaps its child: the finished `sleep 0` stays a zombie until its parent dies.
  const parent = spawn("/bin/sh", ["-c", "sleep 0 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
  try {
    const zombiePid = await new Promise<number>((resolve) => parent.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString()))));
    const probe = new ProcessProbe(() => zombiePid);
    await waitFor(async () => (await probe.check(1000)).detail === `process ${zombiePid} is a zombie`, 2000, "the zombie state");
    assert.doesNotThrow(() => process.kill(zombiePid, 0), "kill(pid, 0) alone would call it alive");
  } finally {
    killQuietly(parent.pid);
    await waitForExit(parent);
  }
});

test("no pid, or a pid callback that throws, is a failure", async () => {
  assert.deepEqual((await new ProcessProbe(() => null).check(1000)).detail, "no process");
  const broken = await new ProcessProbe(() => {
    throw new Error("supervisor gone");
  }).check(1000);
  assert.deepEqual([broken.ok, broken.detail], [false, "cannot tell the pid: supervisor gone"]);
});
