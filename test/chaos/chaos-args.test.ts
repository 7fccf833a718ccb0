// `vigil chaos` command lines.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseChaosArgs } from "../../src/cli/chaos-args.js";

test("a fault with its target, duration and options", () => {
  assert.deepEqual(parseChaosArgs(["memory", "--target", "api", "--duration", "1m", "--rate", "20MB/s", "--limit=200MB"]), {
    command: "inject",
    fault: "memory",
    target: "api",
    duration: "1m",
    options: { rate: "20MB/s", limit: "200MB" },
    json: false,
  });
});

test("list and stop", () => {
  assert.deepEqual(parseChaosArgs(["list", "--all", "--server", "http://x:1"]), { command: "list", all: true, json: false, server: "http://x:1" });
  assert.deepEqual(parseChaosArgs(["stop"]), { command: "stop" });
  assert.deepEqual(parseChaosArgs(["stop", "c-1"]), { command: "stop", id: "c-1" });
});

test("mistakes are explained", () => {
  assert.throws(() => parseChaosArgs([]), /name a fault, list or stop/);
  assert.throws(() => parseChaosArgs(["kill"]), /--target SERVICE\|NODE is required/);
  assert.throws(() => parseChaosArgs(["cpu", "--target", "a", "--rate", "1"]), /--rate is not an option of cpu \(it takes --target, --duration and --cores\)/);
  assert.throws(() => parseChaosArgs(["boom", "--target", "a"]), /unknown fault "boom"/);
  assert.throws(() => parseChaosArgs(["kill", "--target"]), /--target needs a value/);
  assert.throws(() => parseChaosArgs(["stop", "a", "b"]), /at most one injection id/);
});
