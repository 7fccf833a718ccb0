import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  parsePidStat,
  parseVmRssBytes,
  ServiceProcessCollector,
  type ServiceProcess,
} from "../../../src/agent/collectors/service-process.js";
import type { Sample } from "../../../src/protocol/messages.js";
import { createProcFixture, valueOf, type ProcFixture } from "./proc-fixture.js";

const execFileAsync = promisify(execFile);

/** A /proc/<pid>/stat line; fields 3.. as proc(5) numbers them. */
function pidStat(pid: number, comm: string, utime: number, stime: number, startTime: number): string {
  return (
    `${pid} (${comm}) S 1 ${pid} ${pid} 0 -1 4194560 1200 0 3 0 ${utime} ${stime} 9000 9000 20 0 11 0 ${startTime} ` +
    "1100000000 12000 18446744073709551615 1 1 0 0 0 0 0 16781312 134234626 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
  );
}

function pidStatus(comm: string, rssKb: number): string {
  return `Name:\t${comm}\nUmask:\t0022\nState:\tS (sleeping)\nPid:\t1\nVmPeak:\t 1200000 kB\nVmSize:\t 1100000 kB\nVmHWM:\t   60000 kB\nVmRSS:\t   ${rssKb} kB\nRssAnon:\t   30000 kB\nThreads:\t11\n`;
}

async function writeProcess(proc: ProcFixture, pid: number, utime: number, stime: number, startTime: number, fds = 4) {
  await proc.write(`${pid}/stat`, pidStat(pid, "node ) (x) srv", utime, stime, startTime));
  await proc.write(`${pid}/status`, pidStatus("node ) (x) srv", 51200));
  for (let fd = 0; fd < fds; fd++) await proc.write(`${pid}/fd/${fd}`, "");
}

const cpuOf = (samples: Sample[], service: string) =>
  samples.filter((s) => s.name === "service_cpu_usage_ratio" && s.labels.service === service);

test("parsePidStat reads the fields after the last ')' so a comm with spaces and parens cannot shift them", () => {
  const stat = parsePidStat(pidStat(4242, "evil) R 1 (x", 150, 50, 777));
  assert.deepEqual(stat, { comm: "evil) R 1 (x", state: "S", utimeTicks: 150, stimeTicks: 50, startTimeTicks: 777 });
  assert.equal(parsePidStat(pidStat(1, "Web Content", 1, 2, 3)).comm, "Web Content");
  assert.throws(() => parsePidStat("4242 no parens"), /expected "pid \(comm\) state \.\.\."/);
  assert.throws(() => parsePidStat("4242 (x) S 1 2"), /field 14 \(utime\): expected a non-negative number, got nothing/);
});

test("parseVmRssBytes reads VmRSS in bytes, and nothing for a kernel thread", () => {
  assert.equal(parseVmRssBytes(pidStatus("x", 51200)), 51200 * 1024);
  assert.equal(parseVmRssBytes("Name:\tkthreadd\nState:\tS (sleeping)\nThreads:\t1\n"), undefined);
});

test("ServiceProcessCollector measures CPU over the interval, RSS and open fds; restarts and vanished pids give no bogus rate", async () => {
  const proc = await createProcFixture();
  try {
    let services: ServiceProcess[] = [
      { service: "api", pid: 4242 },
      { service: "db", pid: 5000 },
      { service: "ghost", pid: 9999 }, // no such process: skipped silently
    ];
    const collector = new ServiceProcessCollector(() => services, { procRoot: proc.root });
    await writeProcess(proc, 4242, 1000, 500, 777, 4);
    await writeProcess(proc, 5000, 10, 10, 900, 7);

    const first = await collector.collect({ now: 100_000, node: "n" });
    assert.equal(first.filter((s) => s.name === "service_cpu_usage_ratio").length, 0, "one reading is no interval");
    assert.equal(valueOf(first, "service_memory_rss_bytes", { service: "api" }), 51200 * 1024);
    assert.equal(valueOf(first, "service_open_fds", { service: "api" }), 4);
    assert.equal(valueOf(first, "service_open_fds", { service: "db" }), 7);
    assert.equal(first.filter((s) => s.labels.service === "ghost").length, 0);

    // 2 s later: api used 150 + 50 ticks = 2 s of CPU (one core's worth); db 40 ticks = 0.2.
    await writeProcess(proc, 4242, 1150, 550, 777);
    await writeProcess(proc, 5000, 40, 20, 900, 7);
    const second = await collector.collect({ now: 102_000, node: "n" });
    assert.equal(valueOf(second, "service_cpu_usage_ratio", { service: "api" }), 1);
    assert.equal(valueOf(second, "service_cpu_usage_ratio", { service: "db" }), 0.2);

    // api restarted as pid 4343 (counters from zero); db's pid 5000 was reused by a new
    // process that has already used more CPU than the old one had (100 > 60 ticks).
    await writeProcess(proc, 4343, 5, 5, 2000);
    await writeProcess(proc, 5000, 100, 0, 3000, 7);
    services = [{ service: "api", pid: 4343 }, { service: "db", pid: 5000 }];
    const third = await collector.collect({ now: 103_000, node: "n" });
    assert.deepEqual(cpuOf(third, "api"), [], "a new pid starts a new interval");
    assert.deepEqual(cpuOf(third, "db"), [], "a reused pid (new start time) starts a new interval");
    assert.equal(valueOf(third, "service_memory_rss_bytes", { service: "api" }), 51200 * 1024);

    await writeProcess(proc, 4343, 105, 5, 2000);
    await writeProcess(proc, 5000, 100, 0, 3000, 7);
    const fourth = await collector.collect({ now: 105_000, node: "n" });
    assert.equal(valueOf(fourth, "service_cpu_usage_ratio", { service: "api" }), 0.5);
    assert.equal(valueOf(fourth, "service_cpu_usage_ratio", { service: "db" }), 0);
  } finally {
    await proc.cleanup();
  }
});

test("ServiceProcessCollector reports a multi-threaded process above one core", async () => {
  const proc = await createProcFixture();
  try {
    const collector = new ServiceProcessCollector(() => [{ service: "burn", pid: 7 }], { procRoot: proc.root });
    await writeProcess(proc, 7, 0, 0, 1);
    await collector.collect({ now: 0, node: "n" });
    await writeProcess(proc, 7, 350, 50, 1);
    assert.equal(valueOf(await collector.collect({ now: 1_000, node: "n" }), "service_cpu_usage_ratio"), 4);
  } finally {
    await proc.cleanup();
  }
});

test("ServiceProcessCollector skips open fds it may not read (EACCES) and keeps the other metrics", async () => {
  const proc = await createProcFixture();
  try {
    await writeProcess(proc, 321, 10, 10, 5);
    // The fd directory belongs to another user: as in /proc, only its owner may list it.
    await chmod(join(proc.root, "321", "fd"), 0o700);
    await chmod(proc.root, 0o755);
    const collectorUrl = new URL("../../../src/agent/collectors/service-process.js", import.meta.url).href;
    const script = join(proc.root, "collect.mjs");
    await writeFile(
      script,
      `const { ServiceProcessCollector } = await import(${JSON.stringify(collectorUrl)});\n` +
        `const c = new ServiceProcessCollector(() => [{ service: "other", pid: 321 }], { procRoot: ${JSON.stringify(proc.root)} });\n` +
        `process.stdout.write(JSON.stringify(await c.collect({ now: 1, node: "n" })));\n`,
    );
    await chmod(script, 0o644);
    // Run as an unprivileged user when we are root: root may read any directory.
    const asOtherUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    if (!asOtherUser.uid) await chmod(join(proc.root, "321", "fd"), 0o000);
    const { stdout } = await execFileAsync(process.execPath, [script], { ...asOtherUser, timeout: 20_000 });
    const samples = JSON.parse(stdout) as Sample[];
    assert.deepEqual(
      samples.map((s) => s.name),
      ["service_memory_rss_bytes"],
    );
  } finally {
    await chmod(proc.root, 0o700).catch(() => {});
    await chmod(join(proc.root, "321", "fd"), 0o700).catch(() => {});
    await proc.cleanup();
  }
});
