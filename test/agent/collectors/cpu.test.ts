import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { CpuCollector, cpuUsageRatio, parseProcStat, type CpuTimes } from "../../../src/agent/collectors/cpu.js";
import { createProcFixture, valueOf } from "./proc-fixture.js";

function procStat(cpu: string, cpu0: string, cpu1: string, extraCores = ""): string {
  return [
    `cpu  ${cpu}`,
    `cpu0 ${cpu0}`,
    `cpu1 ${cpu1}`,
    ...(extraCores ? [extraCores] : []),
    "intr 1234567 9 0 0 0 0 0 0 0 0 0 0 0 0",
    "ctxt 98765432",
    "btime 1718000000",
    "processes 4321",
    "procs_running 2",
    "procs_blocked 1",
    "softirq 555 1 2 3 4 5 6 7 8 9 10",
    "",
  ].join("\n");
}

//                         user nice system idle iowait irq softirq steal guest guest_nice
const first = procStat(
  "10000 10 2000 80000 1000 0 100 0 500 0",
  "5000 5 1000 40000 500 0 50 0 500 0",
  "5000 5 1000 40000 500 0 50 0 0 0",
);
// cpu0: +100 user (of which +100 guest: already inside user), +100 idle -> 0.5 busy.
// cpu1: +150 idle, +50 iowait -> 0 busy. All: +100 busy of +400 -> 0.25.
const second = procStat(
  "10100 10 2000 80250 1050 0 100 0 600 0",
  "5100 5 1000 40100 500 0 50 0 600 0",
  "5000 5 1000 40150 550 0 50 0 0 0",
  "cpu2 7 0 7 7 0 0 0 0 0 0",
);

test("parseProcStat reads the total and every core, ignoring the other lines", () => {
  const stat = parseProcStat(first);
  assert.deepEqual(stat.all, { user: 10000, nice: 10, system: 2000, idle: 80000, iowait: 1000, irq: 0, softirq: 100, steal: 0 });
  assert.deepEqual([...stat.cores.keys()], ["0", "1"]);
  assert.equal(stat.cores.get("1")!.iowait, 500);
});

test("parseProcStat reads an old kernel's four columns with the rest as zero", () => {
  const stat = parseProcStat("cpu  1 2 3 4\ncpu0 1 2 3 4\n");
  assert.deepEqual(stat.all, { user: 1, nice: 2, system: 3, idle: 4, iowait: 0, irq: 0, softirq: 0, steal: 0 });
});

test("parseProcStat names what is wrong with bad text", () => {
  assert.throws(() => parseProcStat("intr 1 2 3\n"), /no "cpu" line found/);
  assert.throws(() => parseProcStat("cpu  1 2 x 4\n"), /line "cpu" column system: expected a non-negative number, got "x"/);
  assert.throws(() => parseProcStat("cpu  1 2\n"), /at least 4 tick columns/);
});

test("cpuUsageRatio counts idle and iowait as not busy and stays within [0, 1]", () => {
  const zero: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
  assert.equal(cpuUsageRatio(zero, { ...zero, user: 30, system: 10, idle: 50, iowait: 10 }), 0.4);
  assert.equal(cpuUsageRatio(zero, { ...zero, steal: 100 }), 1);
  assert.equal(cpuUsageRatio(zero, zero), undefined, "no tick passed: no ratio");
  // iowait stepping backwards (tickless kernels) would make the raw formula exceed 1:
  // 1 - (-50 / 150) = 1.33.
  assert.equal(cpuUsageRatio({ ...zero, iowait: 100 }, { ...zero, user: 200, iowait: 50 }), 1);
});

test("CpuCollector emits nothing on the first reading, then per-core and total ratios", async () => {
  const proc = await createProcFixture();
  try {
    await proc.write("stat", first);
    const collector = new CpuCollector(proc.root);
    assert.deepEqual(await collector.collect({ now: 1_000, node: "n1" }), []);

    await proc.write("stat", second);
    const samples = await collector.collect({ now: 6_000, node: "n1" });
    assert.equal(valueOf(samples, "node_cpu_usage_ratio"), 0.25);
    assert.equal(valueOf(samples, "node_cpu_core_usage_ratio", { cpu: "0" }), 0.5);
    assert.equal(valueOf(samples, "node_cpu_core_usage_ratio", { cpu: "1" }), 0);
    assert.equal(samples.length, 3, "cpu2 came online since the last reading: no interval yet");
    for (const s of samples) {
      assert.equal(s.ts, 6_000);
      assert.equal(s.labels.node, "n1");
    }
  } finally {
    await proc.cleanup();
  }
});

test("CpuCollector's parse errors name the file", async () => {
  const proc = await createProcFixture();
  try {
    await proc.write("stat", "garbage\n");
    await assert.rejects(new CpuCollector(proc.root).collect({ now: 0, node: "n" }), {
      message: `${join(proc.root, "stat")}: no "cpu" line found`,
    });
  } finally {
    await proc.cleanup();
  }
});
