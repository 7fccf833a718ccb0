// Cause attribution on a suspect: process evidence, node verdicts and the suspect's series
// around the onset (read from a real in-memory series store), each judged against the
// series' own history and its limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_ATTRIBUTION_WINDOWS, type AttributionContext } from "../../../src/incident/localization/causes/cause.js";
import type { Evidence } from "../../../src/incident/localization/observation.js";
import { attributeCause } from "../../../src/incident/localization/resource-attribution.js";
import type { SeriesReader } from "../../../src/incident/localization/series-reader.js";
import { formatClock } from "../../../src/incident/localization/time-format.js";
import { noisy, storeWith, type SeriesSpec } from "./series-helpers.js";

const ONSET = Date.UTC(2026, 2, 14, 14, 12, 0);
const FROM = ONSET - 60 * 60_000;
const MB = 2 ** 20;
const GB = 2 ** 30;
const db = { service: "db", node: "node-b" };

function context(o: { series?: SeriesReader | null; evidence?: Evidence[]; limits?: AttributionContext["limits"]; kind?: "service" | "node" }): AttributionContext {
  const kind = o.kind ?? "service";
  return {
    target: kind === "service" ? { kind, name: "db", node: "node-b" } : { kind, name: "node-b", node: "node-b" },
    onset: ONSET,
    now: ONSET + 30_000,
    evidence: o.evidence ?? [],
    series: o.series ?? null,
    limits: o.limits ?? {},
    windows: DEFAULT_ATTRIBUTION_WINDOWS,
    formatClock: (ts) => formatClock(ts),
  };
}

const ev = (kind: Evidence["kind"], detail: string, at: number, strength = 0.9): Evidence => ({
  source: kind.startsWith("node") ? "node" : kind.startsWith("process") ? "process" : "probe",
  kind,
  detail,
  strength,
  at,
});

/** Healthy background for db and node-b: flat-ish CPU, RSS, fds, node memory and a half-full disk. */
function background(seed: number): SeriesSpec[] {
  return [
    { name: "service_cpu_usage_ratio", labels: db, value: noisy(0.1, 0.2, seed) },
    { name: "service_memory_rss_bytes", labels: db, value: noisy(200 * MB, 0.01, seed + 1) },
    { name: "service_open_fds", labels: db, value: noisy(60, 0.03, seed + 2) },
    { name: "node_cpu_usage_ratio", labels: { node: "node-b" }, value: noisy(0.3, 0.1, seed + 3) },
    { name: "node_memory_used_ratio", labels: { node: "node-b" }, value: noisy(0.5, 0.01, seed + 4) },
    { name: "node_memory_total_bytes", labels: { node: "node-b" }, value: () => 8 * GB },
    { name: "node_filesystem_used_ratio", labels: { node: "node-b", mountpoint: "/" }, value: noisy(0.5, 0.001, seed + 5) },
  ];
}

function replace(specs: SeriesSpec[], name: string, value: SeriesSpec["value"]): SeriesSpec[] {
  return specs.map((s) => (s.name === name ? { ...s, value } : s));
}

test("RSS climbing into its declared limit: memory exhausted, with the level, the rate and when it began", () => {
  const leakFrom = ONSET - 12 * 60_000;
  // 200 MB → 98% of 1 GB over 12 minutes: about 1.14 MB/s.
  const perMs = (0.98 * GB - 200 * MB) / (12 * 60_000);
  const series = storeWith(
    replace(background(1), "service_memory_rss_bytes", (t) => 200 * MB + Math.max(0, t - leakFrom) * perMs),
    FROM,
    ONSET,
  );
  const a = attributeCause(context({ series, limits: { memoryBytes: GB }, evidence: [ev("probe-timeout", "timed out after 500ms", ONSET)] }));
  assert.equal(a.cause, "memory");
  assert.match(a.phrase, /^memory exhausted \(RSS 98(\.\d)?% of limit, rising 1\.1 MB\/s since 14:0\d:\d\d\)$/);
  assert.ok(a.confidence > 0.8);
  assert.ok(a.evidence.some((line) => line.startsWith("RSS: peak")));
});

test("an OOM kill after a leak is a memory fault, not a crash; the exit stays in the evidence", () => {
  const perMs = (0.97 * 8 * GB - 200 * MB) / (20 * 60_000);
  const series = storeWith(
    replace(background(2), "service_memory_rss_bytes", (t) => (t >= ONSET ? null : 200 * MB + Math.max(0, t - (ONSET - 20 * 60_000)) * perMs)),
    FROM,
    ONSET + 30_000,
  );
  const a = attributeCause(context({ series, evidence: [ev("process-exited", "process exited (killed by SIGKILL)", ONSET)] }));
  assert.equal(a.cause, "memory");
  assert.match(a.phrase, /RSS 9\d(\.\d)?% of node memory/);
  assert.ok(a.evidence.some((line) => line.includes("killed by SIGKILL")));
});

test("a service two minutes old that leaks to its limit and is OOM-killed: memory, judged against its own short history", () => {
  // Started at ONSET - 2 min (no point before the 5-minute lead window), 50 MB for 110 s,
  // then 15 MB/s to 97% of its 160 MB limit, then SIGKILLed: the game day's memory fault.
  const start = ONSET - 120_000;
  const leakFrom = ONSET - 7000;
  const rss = (t: number) => (t < start || t >= ONSET ? null : t < leakFrom ? 50 * MB + ((t / 1000) % 3) * 0.05 * MB : 50 * MB + ((t - leakFrom) / 1000) * 15 * MB);
  const series = storeWith(replace(background(4), "service_memory_rss_bytes", rss), FROM, ONSET + 2000, 500);
  const a = attributeCause(context({ series, limits: { memoryBytes: 160 * MB }, evidence: [ev("process-exited", "process exited (killed by SIGKILL)", ONSET)] }));
  assert.equal(a.cause, "memory", a.phrase);
  assert.match(a.phrase, /^memory exhausted \(RSS 9\d(\.\d)?% of limit/);
  assert.ok(a.evidence.some((line) => line.includes("killed by SIGKILL")));
});

test("a service seconds old that climbs to its limit and is killed: memory, with no history at all", () => {
  const start = ONSET - 8000;
  const rss = (t: number) => (t < start || t >= ONSET ? null : 40 * MB + ((t - start) / 1000) * 15 * MB);
  const series = storeWith(replace(background(7), "service_memory_rss_bytes", rss), FROM, ONSET + 2000, 500);
  const a = attributeCause(context({ series, limits: { memoryBytes: 160 * MB }, evidence: [ev("process-exited", "process exited (killed by SIGKILL)", ONSET)] }));
  assert.equal(a.cause, "memory", a.phrase);
});

test("killed between two samples: the climb is projected to the exit, so the last sample's phase does not turn an OOM kill into a crash", () => {
  // 16 MB/s from 50 MB, killed at 160 MB of its 170 MB limit 500 ms after the last sample
  // (152 MB, 89%): the agent's 500 ms collector missed the last stretch.
  const start = ONSET - 6875;
  const rss = (t: number) => (t < start || t >= ONSET ? null : 50 * MB + ((t - start) / 1000) * 16 * MB);
  const series = storeWith(replace(background(8), "service_memory_rss_bytes", rss), FROM, ONSET + 2000, 500);
  const a = attributeCause(context({ series, limits: { memoryBytes: 170 * MB }, evidence: [ev("process-exited", "process exited (killed by SIGKILL)", ONSET)] }));
  assert.equal(a.cause, "memory", a.phrase);
  assert.match(a.phrase, /RSS 94(\.\d)?% of limit/);
});

test("a young series growing as young processes do, far from its limit, is no cause: the crash decides", () => {
  // db two minutes old: 46 MB, then 175 KB/s for the last 40 s, to 53 MB (33% of its limit).
  const start = ONSET - 120_000;
  const rss = (t: number) => (t < start || t >= ONSET ? null : 46 * MB + (Math.max(0, t - (ONSET - 40_000)) / 1000) * 0.175 * MB + ((t / 1000) % 3) * 0.02 * MB);
  const series = storeWith(replace(background(5), "service_memory_rss_bytes", rss), FROM, ONSET + 2000, 500);
  const a = attributeCause(context({ series, limits: { memoryBytes: 160 * MB }, evidence: [ev("process-exited", "process exited (killed by SIGKILL)", ONSET)] }));
  assert.equal(a.cause, "crash", a.phrase);
});

test("a SIGKILL on a node whose CPU is saturated is a crash: CPU makes a process slow, not dead", () => {
  // node-b's CPU at 100% for the last minutes (other work on the machine), db killed.
  const busy = (t: number) => (t >= ONSET - 3 * 60_000 ? 1 : 0.12);
  const series = storeWith(replace(background(6), "node_cpu_usage_ratio", busy), FROM, ONSET + 2000);
  const a = attributeCause(context({ series, evidence: [ev("process-exited", "process exited (killed by SIGKILL)", ONSET)] }));
  assert.equal(a.cause, "crash", a.phrase);
  // The same saturation with probes timing out on a live process: the CPU explains that.
  const slow = attributeCause(context({ series, evidence: [ev("probe-timeout", "timed out after 400ms", ONSET)] }));
  assert.equal(slow.cause, "cpu", slow.phrase);
});

test("a level that is high but usual for the series is no cause: the process exit decides", () => {
  // The disk has sat at 96% and the node's memory at 93% for the whole hour.
  let specs = replace(background(3), "node_filesystem_used_ratio", noisy(0.96, 0.0005, 30));
  specs = replace(specs, "node_memory_used_ratio", noisy(0.93, 0.002, 31));
  const a = attributeCause(context({ series: storeWith(specs, FROM, ONSET + 30_000), evidence: [ev("process-exited", "process exited (exit code 1)", ONSET)] }));
  assert.equal(a.cause, "crash");
  assert.equal(a.phrase, "process crashed (process exited (exit code 1) at 14:12:00)");
  const disk = a.findings.find((f) => f.cause === "disk");
  assert.ok(!disk || disk.score < 0.3, `disk scored ${disk?.score}`);
});

test("the process' own evidence: a crash loop, a stopped process, timeouts from a live one", () => {
  const loop = attributeCause(
    context({
      evidence: [0, 4000, 11_000].flatMap((d) => [ev("process-exited", "process exited (exit code 2)", ONSET + d), ev("process-started", "process started", ONSET + d + 1000, 0.3)]),
    }),
  );
  assert.equal(loop.cause, "restarting");
  assert.match(loop.phrase, /^crash loop \(3 exits in 11 s since 14:12:00/);

  const twice = attributeCause(context({ evidence: [ev("process-exited", "process exited (exit code 2)", ONSET), ev("process-exited", "process exited (exit code 2)", ONSET + 5000)] }));
  assert.equal(twice.cause, "restarting", "a second exit within a minute of the first: the restart did not help");

  const stopped = attributeCause(context({ evidence: [ev("probe-timeout", "timed out after 500ms", ONSET), ev("process-stopped", "process stopped (pid 7, state T)", ONSET + 500)] }));
  assert.equal(stopped.cause, "hang");
  assert.equal(stopped.confidence, 0.9);

  const timeouts = attributeCause(context({ evidence: [ev("probe-timeout", "timed out after 500ms", ONSET, 0.65)] }));
  assert.equal(timeouts.cause, "hang");
  assert.ok(timeouts.confidence < 0.5, "timeouts alone are a weak sign of a hang");
});

test("CPU pegged at one core from well before the onset: cpu; fds at the open-files limit: fds", () => {
  const cpu = attributeCause(
    context({
      series: storeWith(replace(background(4), "service_cpu_usage_ratio", (t) => (t >= ONSET - 60_000 ? 0.99 : 0.1)), FROM, ONSET + 30_000),
      evidence: [ev("probe-timeout", "timed out after 500ms", ONSET, 0.65)],
    }),
  );
  assert.equal(cpu.cause, "cpu");
  assert.match(cpu.phrase, /^CPU saturated \(process at 99% of a core, usually 10(\.\d)?%, since 14:11:00\)$/);

  const fdsFrom = ONSET - 6 * 60_000;
  const fds = attributeCause(
    context({
      series: storeWith(replace(background(5), "service_open_fds", (t) => Math.min(1024, 60 + Math.max(0, t - fdsFrom) * (964 / 360_000))), FROM, ONSET + 30_000),
      limits: { fds: 1024 },
      evidence: [ev("probe-error", "accept EMFILE", ONSET, 0.7)],
    }),
  );
  assert.equal(fds.cause, "fds");
  assert.match(fds.phrase, /^file descriptors exhausted \(1024 open of 1024/);
});

test("a node confirmed down is decisive; without evidence or abnormal series the cause is unknown", () => {
  const down = attributeCause(context({ kind: "node", evidence: [ev("node-down", "node node-b is down: 2 of 2 peers could not reach it", ONSET, 0.95)] }));
  assert.equal(down.cause, "node-down");
  assert.equal(down.phrase, "node down (node node-b is down: 2 of 2 peers could not reach it)");

  const nothing = attributeCause(context({ series: storeWith(background(6), FROM, ONSET + 30_000) }));
  assert.equal(nothing.cause, "unknown");
  assert.equal(nothing.confidence, 0);
  assert.match(nothing.phrase, /^cause unknown/);
});

test("without a series reader only process and node evidence can name a cause", () => {
  assert.equal(attributeCause(context({ series: null, evidence: [ev("process-exited", "process exited (exit code 1)", ONSET)] })).cause, "crash");
  assert.equal(attributeCause(context({ series: null })).cause, "unknown");
});
