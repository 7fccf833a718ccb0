import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ExecProbe } from "../../../src/agent/probes/exec.js";
import { killQuietly, pidAlive, tempDir, waitFor } from "../process-helpers.js";

test("exit 0 is healthy", async () => {
  const result = await new ExecProbe("test 1 -eq 1").check(2000);
  assert.deepEqual([result.ok, result.detail], [true, "exit 0"]);
});

test("a failing command reports its exit code and the last line of stderr", async () => {
  const result = await new ExecProbe("echo checking >&2; echo 'replica lag 42s' >&2; exit 3").check(2000);
  assert.deepEqual([result.ok, result.detail], [false, "exit 3: replica lag 42s"]);
  const quiet = await new ExecProbe("exit 1").check(2000);
  assert.deepEqual([quiet.ok, quiet.detail], [false, "exit 1"]);
  const long = await new ExecProbe(`printf '%s' "$(head -c 10000 /dev/zero | tr '\\0' x)" >&2; exit 2`).check(2000);
  assert.equal(long.ok, false);
  assert.ok(long.detail.length < 300, `detail is bounded, got ${long.detail.length} chars`);
});

test("a command running past the timeout fails on time and its whole process group is killed", async () => {
  const dir = tempDir("exec");
  try {
    const pidfile = join(dir.path, "bg.pid");
    const started = Date.now();
    const result = await new ExecProbe(`sleep 30 & echo $! > ${pidfile}; wait`).check(300);
    const took = Date.now() - started;
    assert.deepEqual([result.ok, result.detail], [false, "timed out after 300ms"]);
    assert.ok(took < 1000, `took ${took}ms`);
    const background = Number(readFileSync(pidfile, "utf8"));
    await waitFor(() => !pidAlive(background), 2000, "the background sleep to be killed with its group");
  } finally {
    dir.remove();
  }
});

test("a command that exits but leaves a process holding its output still reports promptly", async () => {
  const dir = tempDir("exec");
  try {
    const pidfile = join(dir.path, "bg.pid");
    const started = Date.now();
    const result = await new ExecProbe(`sleep 30 & echo $! > ${pidfile}; exit 0`).check(5000);
    assert.equal(result.ok, true);
    assert.ok(Date.now() - started < 2000);
    killQuietly(Number(readFileSync(pidfile, "utf8")));
  } finally {
    dir.remove();
  }
});
