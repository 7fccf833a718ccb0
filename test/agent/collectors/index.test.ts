import { test } from "node:test";
import assert from "node:assert/strict";
import { totalmem } from "node:os";
import { collectAll, createHostCollectors, type Collector } from "../../../src/agent/collectors/index.js";
import type { Sample } from "../../../src/protocol/messages.js";
import { createProcFixture } from "./proc-fixture.js";

const ctx = { now: 1_000, node: "n" };
const one = (name: string): Sample => ({ name, labels: { node: "n" }, ts: 1_000, value: 1 });

test("collectAll keeps every healthy collector's samples when others throw or reject", async () => {
  const collectors: Collector[] = [
    { name: "good-a", collect: async () => [one("a")] },
    { name: "rejects", collect: async () => Promise.reject(new Error("disk on fire")) },
    {
      name: "throws-synchronously",
      collect: () => {
        throw new Error("bug");
      },
    },
    { name: "rejects-with-a-string", collect: () => Promise.reject("not an Error") },
    { name: "good-b", collect: async () => [one("b1"), one("b2")] },
  ];
  const errors: string[] = [];
  const samples = await collectAll(collectors, ctx, (collector, err) => {
    assert.ok(err instanceof Error);
    errors.push(`${collector}: ${err.message}`);
  });
  assert.deepEqual(samples.map((s) => s.name), ["a", "b1", "b2"]);
  assert.deepEqual(errors, ["rejects: disk on fire", "throws-synchronously: bug", "rejects-with-a-string: not an Error"]);
});

test("collectAll runs the collectors concurrently", async () => {
  let running = 0;
  let peak = 0;
  const slow = (name: string): Collector => ({
    name,
    collect: async () => {
      peak = Math.max(peak, ++running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
      return [one(name)];
    },
  });
  await collectAll([slow("x"), slow("y"), slow("z")], ctx, () => assert.fail("no collector fails"));
  assert.equal(peak, 3);
});

test("a procRoot missing some files fails only the collectors that need them", async () => {
  const proc = await createProcFixture();
  try {
    await proc.write("loadavg", "1.00 2.00 3.00 1/1 1\n");
    const collectors = createHostCollectors({ procRoot: proc.root });
    assert.deepEqual(
      collectors.map((c) => c.name),
      ["cpu", "load", "memory", "filesystem", "diskio", "network", "processes"],
    );
    const failed: string[] = [];
    const samples = await collectAll(collectors, ctx, (collector) => failed.push(collector));
    assert.deepEqual(samples.map((s) => `${s.name}=${s.value}`), ["node_load1=1", "node_load5=2", "node_load15=3"]);
    assert.deepEqual(failed.sort(), ["cpu", "diskio", "filesystem", "memory", "network", "processes"]);
  } finally {
    await proc.cleanup();
  }
});

const documentedMetrics = [
  "node_cpu_usage_ratio",
  "node_cpu_core_usage_ratio",
  "node_load1",
  "node_load5",
  "node_load15",
  "node_memory_total_bytes",
  "node_memory_available_bytes",
  "node_memory_used_ratio",
  "node_swap_total_bytes",
  "node_swap_free_bytes",
  "node_swap_used_ratio",
  "node_filesystem_size_bytes",
  "node_filesystem_free_bytes",
  "node_filesystem_used_ratio",
  "node_filesystem_inodes_free_ratio",
  "node_disk_read_bytes_per_second",
  "node_disk_write_bytes_per_second",
  "node_network_receive_bytes_per_second",
  "node_network_transmit_bytes_per_second",
  "node_network_receive_errors_per_second",
  "node_network_transmit_errors_per_second",
  "node_processes",
  "node_procs_running",
  "node_procs_blocked",
  "service_cpu_usage_ratio",
  "service_memory_rss_bytes",
  "service_open_fds",
];

test("on this machine's real /proc every documented metric appears with sane values", { skip: process.platform !== "linux" }, async () => {
  const collectors = createHostCollectors({ services: () => [{ service: "self", pid: process.pid }] });
  const errors: string[] = [];
  const onError = (collector: string, err: Error) => errors.push(`${collector}: ${err.message}`);
  await collectAll(collectors, { now: Date.now(), node: "smoke" }, onError);
  // Keep this process busy for ~200 ms so its CPU rate has ticks to count.
  const busyUntil = Date.now() + 200;
  while (Date.now() < busyUntil);
  const now = Date.now();
  const samples = await collectAll(collectors, { now, node: "smoke" }, onError);

  assert.deepEqual(errors, []);
  const names = new Set(samples.map((s) => s.name));
  assert.deepEqual(documentedMetrics.filter((name) => !names.has(name)), [], "missing metrics");
  assert.deepEqual([...names].filter((name) => !documentedMetrics.includes(name)), [], "undocumented metrics");

  for (const s of samples) {
    const where = `${s.name}${JSON.stringify(s.labels)} = ${s.value}`;
    assert.equal(s.labels.node, "smoke", where);
    assert.equal(s.ts, now, where);
    assert.ok(Number.isFinite(s.value) && s.value >= 0, where);
    // service_cpu_usage_ratio is in cores and may exceed 1; every other ratio is a share.
    if (s.name.endsWith("_ratio") && s.name !== "service_cpu_usage_ratio") assert.ok(s.value <= 1, where);
  }
  const value = (name: string, labels: Record<string, string> = {}) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))!.value;
  assert.equal(value("node_memory_total_bytes"), totalmem(), "MemTotal is what the OS reports");
  assert.ok(value("node_processes") >= 1);
  assert.ok(value("service_cpu_usage_ratio", { service: "self" }) > 0, "a busy loop uses CPU");
  const rss = value("service_memory_rss_bytes", { service: "self" });
  const ownRss = process.memoryUsage().rss;
  assert.ok(rss > ownRss / 2 && rss < ownRss * 2, `RSS ${rss} vs process.memoryUsage().rss ${ownRss}`);
  assert.ok(value("service_open_fds", { service: "self" }) >= 3, "stdin, stdout and stderr at least");
  assert.ok(samples.some((s) => s.name === "node_filesystem_size_bytes" && s.value > 0));
  assert.ok(samples.some((s) => s.name === "node_network_receive_bytes_per_second" && s.labels.device === "lo"));
});
