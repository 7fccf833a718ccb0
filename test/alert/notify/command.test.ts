import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommandNotifier } from "../../../src/alert/notify/command.js";
import { DeliveryError } from "../../../src/alert/notify/notifier.js";
import { sampleNotification } from "./sample-notification.js";

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "vigil-command-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Running (a killed process that nobody has reaped yet is a zombie: not running). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc: kill(0) is all we know
  }
}

async function waitUntil(condition: () => boolean, ms = 3000): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!condition() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return condition();
}

test("the program gets the notification as JSON on stdin and the delivery facts in its environment", async (t) => {
  const dir = tempDir(t);
  const script = join(dir, "on-alert.sh");
  writeFileSync(script, `#!/bin/sh\ncat > "$1/got.json"\necho "$VIGIL_RECEIVER $VIGIL_STATUS $VIGIL_NOTIFICATION_KEY $VIGIL_ATTEMPT" > "$1/env.txt"\n`, { mode: 0o755 });
  const notifier = new CommandNotifier("pager-script", { command: `${script} '${dir}'`, timeout: 5000, maxAttempts: 3 });
  const notification = sampleNotification("firing", [{ node: "node-a" }, { node: "node-b" }]);
  await notifier.send(notification, { key: "9.1700000000000", attempt: 2 });
  assert.equal(readFileSync(join(dir, "got.json"), "utf8"), JSON.stringify(notification));
  assert.equal(readFileSync(join(dir, "env.txt"), "utf8"), "pager-script firing 9.1700000000000 2\n");
});

test("a non-zero exit fails the delivery with the exit code and the last lines of stderr", async () => {
  const command = `cat >/dev/null; for i in 1 2 3 4 5 6 7; do echo "line $i" >&2; done; echo "  paging API said 401  " >&2; exit 3`;
  const notifier = new CommandNotifier("pager-script", { command, timeout: 5000, maxAttempts: 3 });
  await assert.rejects(notifier.send(sampleNotification("firing")), (err: unknown) => {
    assert.ok(err instanceof DeliveryError);
    assert.equal(err.retryable, true);
    assert.equal(err.message, "command exited with code 3; stderr: line 4 | line 5 | line 6 | line 7 | paging API said 401");
    return true;
  });
});

test("a program over its timeout is killed with everything it started", async (t) => {
  const dir = tempDir(t);
  const pidfile = join(dir, "child.pid");
  // The background sleep is in the program's process group; killing only the shell would leave it.
  const command = `sleep 30 & echo $! > '${pidfile}'; echo "still working" >&2; wait`;
  const notifier = new CommandNotifier("pager-script", { command, timeout: 500, maxAttempts: 3 });
  const started = performance.now();
  await assert.rejects(notifier.send(sampleNotification("firing")), (err: Error) => {
    assert.equal(err.message, "command timed out after 500ms (process group killed); stderr: still working");
    return true;
  });
  assert.ok(performance.now() - started < 5000);
  const child = Number(readFileSync(pidfile, "utf8"));
  t.after(() => {
    if (alive(child)) process.kill(child, "SIGKILL");
  });
  assert.ok(await waitUntil(() => !alive(child)), `background child ${child} was killed`);
});

test("a program that ignores its stdin, or leaves a background child holding stderr, still succeeds on exit 0", async (t) => {
  const big = sampleNotification("firing", Array.from({ length: 400 }, (_, i) => ({ node: `node-${i}` })));
  assert.ok(JSON.stringify(big).length > 128 * 1024, "larger than a pipe buffer");
  await new CommandNotifier("quiet", { command: "exit 0", timeout: 5000, maxAttempts: 3 }).send(big);

  const dir = tempDir(t);
  const pidfile = join(dir, "daemon.pid");
  const started = performance.now();
  await new CommandNotifier("spawner", { command: `sleep 20 & echo $! > '${pidfile}'`, timeout: 3000, maxAttempts: 3 }).send(sampleNotification("firing"));
  assert.ok(performance.now() - started < 2500, "did not wait for the background child");
  const daemon = Number(readFileSync(pidfile, "utf8"));
  if (alive(daemon)) process.kill(daemon, "SIGKILL");
});

test("a command the shell cannot find fails with the shell's message", async () => {
  const notifier = new CommandNotifier("missing", { command: "/nonexistent/vigil-notify-hook", timeout: 5000, maxAttempts: 3 });
  await assert.rejects(notifier.send(sampleNotification("firing")), /^DeliveryError: command exited with code 127; stderr: .*\/nonexistent\/vigil-notify-hook.*not found/);
});
