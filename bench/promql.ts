// Benchmark of the PromQL engine (npm run bench -- promql): rate() over 1,000 counters × 1 h
// at 15 s, and a sum by over it, as instant and range (1 h, 15 s step) queries; queries/s and
// latency in process and over HTTP, and the same queries against a Prometheus 2.x holding
// the same samples (backfilled with promtool) when `prometheus` and `promtool` are installed.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Fastify from "fastify";
import { CompressedSeriesStore } from "../src/tsdb/compressed-store.js";
import { PromqlEngine } from "../src/promql/engine.js";
import { registerPromqlRoutes } from "../src/server/http/promql-routes.js";
import { systemClock } from "../src/util/clock.js";
import type { Sample } from "../src/protocol/messages.js";
import { toOpenMetrics } from "../test/promql/synthetic-data.js";

const USAGE = `usage: npm run bench -- promql [--series N] [--queries N] [--no-prometheus]
  --series N       counters (50 per node label; default 1000)
  --queries N      timed runs of each query (default 30)
  --no-prometheus  skip the comparison with Prometheus`;

const { values: flags } = (() => {
  try {
    return parseArgs({ options: { series: { type: "string" }, queries: { type: "string" }, "no-prometheus": { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
})();
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
const SERIES = Number(flags.series ?? 1000);
const QUERIES = Number(flags.queries ?? 30);
if (!(SERIES >= 1) || !(QUERIES >= 1)) {
  console.error(USAGE);
  process.exit(2);
}

const STEP = 15_000;
const POINTS = 241;
const end = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
const start = end - (POINTS - 1) * STEP;
const samples: Sample[] = [];
for (let s = 0; s < SERIES; s++) {
  let v = s * 1000;
  for (let i = 0; i < POINTS; i++) {
    v += 1 + ((i * 31 + s * 17) % 23);
    samples.push({ name: "bench_requests_total", labels: { node: `node-${Math.floor(s / 50)}`, series: String(s) }, ts: start + i * STEP + ((i * 13 + s) % 40), value: v });
  }
}
const QUERIES_TIMED: { name: string; query: string; range: boolean }[] = [
  { name: "instant rate(x[5m])", query: "rate(bench_requests_total[5m])", range: false },
  { name: "instant sum by (node) (rate)", query: "sum by (node) (rate(bench_requests_total[5m]))", range: false },
  { name: "range 1h/15s rate(x[5m])", query: "rate(bench_requests_total[5m])", range: true },
  { name: "range 1h/15s sum by (node) (rate)", query: "sum by (node) (rate(bench_requests_total[5m]))", range: true },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function time(run: () => Promise<unknown> | unknown): Promise<{ qps: number; p50: number; p95: number }> {
  await run(); // warm-up
  const ms: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < QUERIES; i++) {
    const s = performance.now();
    await run();
    ms.push(performance.now() - s);
  }
  const total = performance.now() - t0;
  ms.sort((a, b) => a - b);
  return { qps: (QUERIES * 1000) / total, p50: percentile(ms, 0.5), p95: percentile(ms, 0.95) };
}

function httpQuery(base: string, q: { query: string; range: boolean }) {
  const params: Record<string, string> = q.range
    ? { query: q.query, start: String((start + 300_000) / 1000), end: String(end / 1000), step: "15" }
    : { query: q.query, time: String(end / 1000) };
  return async () => {
    const res = await fetch(`${base}/api/v1/${q.range ? "query_range" : "query"}?${new URLSearchParams(params)}`);
    const body = (await res.json()) as { status: string; error?: string };
    if (body.status !== "success") throw new Error(`${base}: ${body.error}`);
    return body;
  };
}

const fmt = (r: { qps: number; p50: number; p95: number }) => `${r.qps.toFixed(1).padStart(7)} q/s  p50 ${r.p50.toFixed(1).padStart(7)} ms  p95 ${r.p95.toFixed(1).padStart(7)} ms`;

const dir = mkdtempSync(join(tmpdir(), "vigil-bench-promql-"));
let prometheus: ReturnType<typeof spawn> | undefined;
try {
  console.log(`promql bench: ${SERIES} counters × ${POINTS} points (1 h at 15 s), ${QUERIES} runs per query; ${cpus()[0]?.model ?? "?"} ×${cpus().length}, load ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  const store = CompressedSeriesStore.open({ path: join(dir, "tsdb.db"), clock: systemClock });
  store.append(samples);
  const engine = new PromqlEngine({ source: store, now: () => Date.now() });
  const http = Fastify();
  registerPromqlRoutes(http, { store, clock: systemClock });
  await http.listen({ host: "127.0.0.1", port: 0 });
  const address = http.server.address();
  const vigilURL = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

  let promURL: string | undefined;
  const haveProm = !flags["no-prometheus"] && ["prometheus", "promtool"].every((b) => spawnSync(b, ["--version"], { stdio: "ignore" }).error === undefined);
  if (haveProm) {
    writeFileSync(join(dir, "data.om"), toOpenMetrics(samples));
    const blocks = spawnSync("promtool", ["tsdb", "create-blocks-from", "openmetrics", join(dir, "data.om"), join(dir, "prom")], { encoding: "utf8" });
    if (blocks.status !== 0) throw new Error(`promtool failed: ${blocks.stderr}`);
    writeFileSync(join(dir, "prometheus.yml"), "scrape_configs: []\n");
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    prometheus = spawn("prometheus", [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "prom")}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
    promURL = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await httpQuery(promURL, { query: "count(bench_requests_total)", range: false })()
        .then((b) => JSON.stringify(b).includes(`"${SERIES}"`))
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error("Prometheus did not come up within 60 s");
      await new Promise((r) => setTimeout(r, 500));
    }
  } else {
    console.log("(no prometheus/promtool, or --no-prometheus: Vigil only)");
  }

  for (const q of QUERIES_TIMED) {
    const inProcess = await time(() =>
      q.range ? engine.range(q.query, start + 300_000, end, STEP) : engine.instant(q.query, end),
    );
    const overHttp = await time(httpQuery(vigilURL, q));
    console.log(`${q.name}`);
    console.log(`  vigil engine      ${fmt(inProcess)}`);
    console.log(`  vigil HTTP        ${fmt(overHttp)}`);
    if (promURL !== undefined) {
      const prom = await time(httpQuery(promURL, q));
      console.log(`  prometheus HTTP   ${fmt(prom)}   (Vigil/Prometheus p50 latency: ${(overHttp.p50 / prom.p50).toFixed(2)}×)`);
    }
  }
  await http.close();
  await store.close();
} finally {
  prometheus?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
