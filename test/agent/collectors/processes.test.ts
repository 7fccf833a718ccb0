import { test } from "node:test";
import assert from "node:assert/strict";
import { countProcessEntries, parseProcessStates, ProcessesCollector } from "../../../src/agent/collectors/processes.js";
import { createProcFixture, valueOf } from "./proc-fixture.js";

const stat = "cpu  1 2 3 4\ncpu0 1 2 3 4\nprocesses 98765\nprocs_running 3\nprocs_blocked 2\n";

test("parseProcessStates reads procs_running and procs_blocked", () => {
  assert.deepEqual(parseProcessStates(stat), { running: 3, blocked: 2 });
  assert.throws(() => parseProcessStates("procs_running 3\n"), /no "procs_blocked" line found/);
});

test("countProcessEntries counts only numeric names", () => {
  assert.equal(countProcessEntries(["1", "42", "self", "thread-self", "sys", "1a", "7"]), 3);
});

test("ProcessesCollector counts the pid directories of procRoot", async () => {
  const proc = await createProcFixture();
  try {
    await proc.write("stat", stat);
    for (const pid of ["1", "200", "3001"]) await proc.mkdir(pid);
    await proc.mkdir("sys");
    await proc.write("4000", "a file, not a process directory");
    const samples = await new ProcessesCollector(proc.root).collect({ now: 1, node: "n" });
    assert.equal(valueOf(samples, "node_processes"), 3);
    assert.equal(valueOf(samples, "node_procs_running"), 3);
    assert.equal(valueOf(samples, "node_procs_blocked"), 2);
  } finally {
    await proc.cleanup();
  }
});
