// Benchmark of Prometheus ingest (npm run bench -- scrape): samples/s stored by scraping N
// local targets that each serve a real node_exporter page (test/fixtures), and by the
// remote_write receiver (decode + append of snappy WriteRequests), each per CPU-second of
// this process (one core: Node runs the scrape path on one thread). The targets are served
// by a child process, so their cost is not counted. With `prometheus` installed, Prometheus
// scrapes the same targets for the same time and its samples appended per CPU-second give
// the ratio.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/config/load.js";
import type { Sample } from "../src/protocol/messages.js";
import { decodeRemoteWriteBody } from "../src/remote-write/remote-write-body.js";
import { parseExposition } from "../src/scrape/exposition/parse-exposition.js";
import { ScrapeManager } from "../src/scrape/scrape-manager.js";
import { CompressedSeriesStore } from "../src/tsdb/compressed-store.js";
import { systemClock } from "../src/util/clock.js";
import { silentLogger } from "../src/util/logger.js";
import { compressedWriteRequest, type SeriesToWrite } from "../test/remote-write/encode-write-request.js";
import { Flags, runBench } from "./support/flags.js";

const USAGE = `usage: npm run bench -- scrape [--targets N] [--interval DURATION] [--duration DURATION] [--batch N] [--no-prometheus]
  --targets N          local targets, each serving a node_exporter page (default 50)
  --interval DURATION  scrape interval (default 1s)
  --duration DURATION  how long each of Vigil and Prometheus scrapes (default 20s)
  --batch N            samples per remote-write request (default 2000, Prometheus' max_samples_per_send)
  --no-prometheus      skip the comparison with Prometheus`;

interface Settings {
  targets: number;
  intervalMs: number;
  durationMs: number;
  batch: number;
  prometheus: boolean;
}

const PAGE_FILE = join(process.cwd(), "test/fixtures/node-exporter-1.5.txt");

/** A child process serving the page on N ports; resolves with their addresses. */
async function startTargets(n: number): Promise<{ addresses: string[]; stop(): void }> {
  const script = `
    const http = require("node:http");
    const page = require("node:fs").readFileSync(${JSON.stringify(PAGE_FILE)});
    const ports = [];
    let pending = ${n};
    for (let i = 0; i < ${n}; i++) {
      const s = http.createServer((q, r) => { r.writeHead(200, { "content-type": "text/plain; version=0.0.4" }); r.end(page); });
      s.listen(0, "127.0.0.1", () => { ports.push(s.address().port); if (--pending === 0) console.log(JSON.stringify(ports)); });
    }`;
  const child: ChildProcess = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const ports: number[] = await new Promise((resolve) => child.stdout!.once("data", (d) => resolve(JSON.parse(String(d)))));
  return { addresses: ports.map((p) => `127.0.0.1:${p}`), stop: () => child.kill() };
}

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

async function benchScrape(s: Settings, addresses: string[], dir: string): Promise<{ samples: number; wallS: number; cpuS: number; failed: number }> {
  const store = CompressedSeriesStore.open({ path: join(dir, "scrape-tsdb.db"), clock: systemClock });
  const config = parseConfig(`scrape: [{ job: bench, interval: ${s.intervalMs}ms, targets: ${JSON.stringify(addresses)} }]`);
  let samples = 0;
  let failed = 0;
  const manager = new ScrapeManager({
    jobs: config.scrape,
    clock: systemClock,
    logger: silentLogger(),
    append: (batch) => (samples += store.append(batch).accepted),
    onScraped: (o) => (failed += o.error === null ? 0 : 1),
  });
  // Warm-up: one interval, not counted.
  manager.start();
  await new Promise((r) => setTimeout(r, s.intervalMs + 200));
  const startSamples = samples;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, s.durationMs));
  const cpuS = cpuSeconds(process.cpuUsage(cpu0));
  const wallS = (performance.now() - t0) / 1000;
  const counted = samples - startSamples;
  manager.stop();
  await store.close();
  return { samples: counted, wallS, cpuS, failed };
}

function benchRemoteWrite(s: Settings, dir: string): { samples: number; cpuS: number; requests: number; bytesPerSample: number } {
  // The page's series of 40 hosts as a Prometheus would send them: batches of `batch` samples, 15 s apart per series.
  const page = parseExposition(readFileSync(PAGE_FILE, "utf8"), "prometheus-text").samples;
  const start = Date.now() - 3_600_000;
  const requests: Buffer[] = [];
  let t = 0;
  let instance = 0;
  while (requests.length < 100) {
    const series: SeriesToWrite[] = [];
    let n = 0;
    while (n < s.batch) {
      for (const p of page) {
        if (n >= s.batch) break;
        series.push({ labels: { __name__: p.name, ...p.labels, job: "node", instance: `host-${instance}:9100` }, samples: [{ ts: start + t * 15_000, value: p.value + t }] });
        n++;
      }
      // 40 hosts' series, as a Prometheus scraping 40 node_exporters sends them.
      instance = (instance + 1) % 40;
      if (instance === 0) t++;
    }
    requests.push(compressedWriteRequest(series));
  }
  const store = CompressedSeriesStore.open({ path: join(dir, "rw-tsdb.db"), clock: systemClock });
  const cpu0 = process.cpuUsage();
  let samples = 0;
  for (const body of requests) {
    const decoded: Sample[] = decodeRemoteWriteBody(body, { contentType: "application/x-protobuf", contentEncoding: "snappy", version: "0.1.0" }).samples;
    samples += store.append(decoded).accepted;
  }
  const cpuS = cpuSeconds(process.cpuUsage(cpu0));
  void store.close();
  const bytes = requests.reduce((a, b) => a + b.length, 0);
  return { samples, cpuS, requests: requests.length, bytesPerSample: bytes / (requests.length * s.batch) };
}

/** Prometheus scraping the same targets: samples appended per CPU-second of its process. */
async function benchPrometheus(s: Settings, addresses: string[], dir: string): Promise<{ samples: number; cpuS: number; version: string } | null> {
  if (spawnSync("prometheus", ["--version"], { stdio: "ignore" }).error !== undefined) return null;
  const version = /version (\S+)/.exec(spawnSync("prometheus", ["--version"]).stdout.toString() + spawnSync("prometheus", ["--version"]).stderr.toString())?.[1] ?? "?";
  const configFile = join(dir, "prometheus.yml");
  writeFileSync(configFile, `global: { scrape_interval: ${s.intervalMs / 1000}s, scrape_timeout: ${s.intervalMs / 1000}s }\nscrape_configs:\n  - job_name: bench\n    static_configs: [{ targets: ${JSON.stringify(addresses)} }]\n`);
  const port = 19_000 + Math.floor(Math.random() * 1000);
  const proc = spawn("prometheus", [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, "prom-data")}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
  // Read from its own /metrics (it does not scrape itself here).
  const appended = async () => {
    const page = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return parseExposition(page, "prometheus-text").samples.filter((x) => x.name === "prometheus_tsdb_head_samples_appended_total").reduce((a, x) => a + x.value, 0);
  };
  const cpuOf = () => {
    const fields = readFileSync(`/proc/${proc.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  };
  try {
    for (let i = 0; i < 100; i++) {
      if ((await appended().catch(() => 0)) > 0) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    await new Promise((r) => setTimeout(r, s.intervalMs * 2)); // every target scraped at least once
    const a0 = await appended();
    const c0 = cpuOf();
    await new Promise((r) => setTimeout(r, s.durationMs));
    return { samples: (await appended()) - a0, cpuS: cpuOf() - c0, version };
  } finally {
    proc.kill("SIGTERM");
    await new Promise((r) => proc.once("exit", r));
  }
}

async function run(s: Settings): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "vigil-bench-scrape-"));
  const targets = await startTargets(s.targets);
  const pageSamples = parseExposition(readFileSync(PAGE_FILE, "utf8"), "prometheus-text").samples.length;
  try {
    console.log(`scrape benchmark: ${s.targets} targets × ${pageSamples} samples (node_exporter 1.5 page, ${readFileSync(PAGE_FILE).length} bytes), interval ${s.intervalMs} ms, ${s.durationMs / 1000} s`);
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}, node ${process.version}`);
    const v = await benchScrape(s, targets.addresses, dir);
    const offered = (s.targets * (pageSamples + 3) * 1000) / s.intervalMs;
    console.log(
      `vigil scrape:      ${(v.samples / v.wallS).toFixed(0)} samples/s stored (offered ${offered.toFixed(0)}/s), ${v.cpuS.toFixed(2)} CPU-s in ${v.wallS.toFixed(1)} s → ${(v.samples / v.cpuS).toFixed(0)} samples per CPU-second${v.failed ? `, ${v.failed} failed scrapes` : ""}`,
    );
    const rw = benchRemoteWrite(s, dir);
    console.log(
      `vigil remote_write: ${rw.samples} samples in ${rw.requests} requests of ${s.batch} (${rw.bytesPerSample.toFixed(1)} compressed bytes/sample), decode + append ${rw.cpuS.toFixed(2)} CPU-s → ${(rw.samples / rw.cpuS).toFixed(0)} samples per CPU-second (HTTP not included)`,
    );
    if (s.prometheus) {
      const p = await benchPrometheus(s, targets.addresses, dir);
      if (p === null) console.log("prometheus: not installed; no comparison");
      else {
        const perCpu = p.samples / p.cpuS;
        console.log(`prometheus ${p.version} scrape: ${(p.samples / (s.durationMs / 1000)).toFixed(0)} samples/s appended, ${p.cpuS.toFixed(2)} CPU-s (all its threads) → ${perCpu.toFixed(0)} samples per CPU-second`);
        console.log(`ratio vigil / prometheus, samples per CPU-second of scraping: ${(v.samples / v.cpuS / perCpu).toFixed(2)}`);
      }
    }
    return 0;
  } finally {
    targets.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench(
  "scrape",
  USAGE,
  (argv) => {
    const f = Flags.parse(argv, { targets: "string", interval: "string", duration: "string", batch: "string", "no-prometheus": "boolean" });
    return {
      targets: f.wholeNumber("targets", 50),
      intervalMs: f.duration("interval", 1000, 100, "1s"),
      durationMs: f.duration("duration", 20_000, 2000, "20s"),
      batch: f.wholeNumber("batch", 2000),
      prometheus: !f.boolean("no-prometheus"),
    };
  },
  run,
);
