import { test } from "node:test";
import assert from "node:assert/strict";
import { LoadCollector, parseLoadAvg } from "../../../src/agent/collectors/load.js";
import { createProcFixture, valueOf } from "./proc-fixture.js";

test("parseLoadAvg reads the three averages", () => {
  assert.deepEqual(parseLoadAvg("0.28 0.53 1.33 1/80 3355\n"), { load1: 0.28, load5: 0.53, load15: 1.33 });
  assert.throws(() => parseLoadAvg("0.28 0.53\n"), /15-minute load average: expected a non-negative number, got nothing/);
  assert.throws(() => parseLoadAvg("high 0.53 0.1 1/80 3355"), /1-minute load average.*"high"/);
});

test("LoadCollector reports node_load1/5/15 with the node label", async () => {
  const proc = await createProcFixture();
  try {
    await proc.write("loadavg", "12.50 8.25 4.00 7/912 40213\n");
    const samples = await new LoadCollector(proc.root).collect({ now: 42, node: "web-1" });
    assert.equal(valueOf(samples, "node_load1"), 12.5);
    assert.equal(valueOf(samples, "node_load5"), 8.25);
    assert.equal(valueOf(samples, "node_load15"), 4);
    assert.ok(samples.every((s) => s.labels.node === "web-1" && s.ts === 42));
  } finally {
    await proc.cleanup();
  }
});
