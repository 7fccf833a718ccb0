import { test } from "node:test";
import assert from "node:assert/strict";
import { createProbe } from "../../../src/agent/probes/index.js";

const timings = { interval: 500, timeout: 300, failures: 2, successes: 1, startPeriod: 0 };

test("createProbe picks the kind the health check names", async () => {
  assert.equal(createProbe({ ...timings, http: "http://127.0.0.1:1/" }, () => null).kind, "http");
  assert.equal(createProbe({ ...timings, tcp: "127.0.0.1:1" }, () => null).kind, "tcp");
  assert.equal(createProbe({ ...timings, exec: "true" }, () => null).kind, "exec");
  const processProbe = createProbe({ ...timings, process: true }, () => process.pid);
  assert.equal(processProbe.kind, "process");
  assert.equal((await processProbe.check(300)).ok, true, "the probe uses the pid callback");
});

test("a health check naming no kind is refused with a clear error", () => {
  assert.throws(() => createProbe({ ...timings }, () => null), /expected one of http, tcp, exec or process/);
});
