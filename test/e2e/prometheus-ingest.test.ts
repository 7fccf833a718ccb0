// Vigil among real Prometheus parts: the Debian prometheus-node-exporter scraped by Vigil
// (its series arrive, values as the exporter served them), and a real Prometheus scraping
// the same exporter and remote-writing to Vigil's /api/v1/write (the series arrive with
// the very timestamps and values Prometheus' own query API returns).
// Each part skips with a loud notice when its program is missing, unless
// VIGIL_REQUIRE_NODE_EXPORTER=1 / VIGIL_REQUIRE_PROMETHEUS=1 (as .ci/run sets them).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.js";
import { startServer, type VigilServer } from "../../src/server/server.js";
import { silentLogger } from "../../src/util/logger.js";
import { freePort, tempDir, waitFor } from "./harness.js";

const NODE_EXPORTER = process.env.VIGIL_NODE_EXPORTER_BIN ?? "prometheus-node-exporter";
const PROMETHEUS = process.env.VIGIL_PROMETHEUS_BIN ?? "prometheus";
const has = (bin: string) => spawnSync(bin, ["--version"], { stdio: "ignore" }).error === undefined;
const exporterInstalled = has(NODE_EXPORTER);
const prometheusInstalled = has(PROMETHEUS);
const exporterRequired = process.env.VIGIL_REQUIRE_NODE_EXPORTER === "1";
const prometheusRequired = process.env.VIGIL_REQUIRE_PROMETHEUS === "1";
const skipExporter = !exporterInstalled && !exporterRequired;
const skipPrometheus = skipExporter || (!prometheusInstalled && !prometheusRequired);

function notice(what: string, bin: string, pkg: string, variable: string): void {
  console.warn(
    [
      "",
      "************************************************************************",
      `* SKIPPED: ${what}: no \`${bin}\` binary on PATH.`,
      `* Install it (Debian: apt-get install ${pkg}); ${variable}=1`,
      "* makes this a failure.",
      "************************************************************************",
      "",
    ].join("\n"),
  );
}
if (skipExporter) notice("the node_exporter scrape and remote-write e2e tests", NODE_EXPORTER, "prometheus-node-exporter", "VIGIL_REQUIRE_NODE_EXPORTER");
else if (skipPrometheus) notice("the Prometheus remote-write e2e test", PROMETHEUS, "prometheus", "VIGIL_REQUIRE_PROMETHEUS");

interface Child {
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function run(bin: string, args: string[]): Child {
  const proc = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (d) => (out = (out + d).slice(-20_000)));
  proc.stderr!.on("data", (d) => (out = (out + d).slice(-20_000)));
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  return {
    proc,
    output: () => out,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      await exited;
    },
  };
}

let dir: ReturnType<typeof tempDir>;
let exporter: Child | undefined;
let exporterAddress: string;
let prometheus: Child | undefined;
let server: VigilServer | undefined;

before(async () => {
  if (skipExporter) return;
  if (!exporterInstalled) throw new Error(`VIGIL_REQUIRE_NODE_EXPORTER=1 but no \`${NODE_EXPORTER}\` binary was found (Debian: apt-get install prometheus-node-exporter)`);
  dir = tempDir("vigil-e2e-prom-ingest-");
  exporterAddress = `127.0.0.1:${await freePort()}`;
  // Only a few collectors: enough series of every kind, and a quick page on a loaded machine.
  exporter = run(NODE_EXPORTER, [
    `--web.listen-address=${exporterAddress}`,
    "--collector.disable-defaults",
    "--collector.cpu",
    "--collector.meminfo",
    "--collector.loadavg",
    "--collector.netdev",
    "--collector.stat",
  ]);
  await waitFor(async () => (await fetch(`http://${exporterAddress}/metrics`).catch(() => null))?.ok, 30_000, "node_exporter to serve");
  const config = parseConfig(`
server: { staleAfter: 1m }
scrape:
  - { job: vigil-node, interval: 1s, targets: ["${exporterAddress}"] }
`);
  server = await startServer({ config, listen: "127.0.0.1:0", dataDir: join(dir.path, "vigil"), logger: silentLogger() });
});

after(async () => {
  await prometheus?.stop();
  await server?.close();
  await exporter?.stop();
  dir?.remove();
});

test("Vigil scrapes the Debian node_exporter: its CPU, memory and load series arrive with job and instance", { skip: skipExporter }, async () => {
  const s = server!;
  const recent = (name: string, match: Record<string, string>) => s.store.latest(name, match, Date.now() - 60_000);
  const cpu = await waitFor(() => recent("node_cpu_seconds_total", { job: "vigil-node", mode: "idle" })[0], 60_000, "node_cpu_seconds_total");
  assert.equal(cpu.labels["instance"], exporterAddress);
  assert.ok(cpu.value > 0);
  assert.ok(recent("node_memory_MemTotal_bytes", { job: "vigil-node" })[0]!.value > 1e6);
  assert.equal(recent("node_load1", { job: "vigil-node" }).length, 1);
  // The exporter's own summary and histogram series are kept as Prometheus keeps them.
  assert.ok(recent("go_gc_duration_seconds", { job: "vigil-node", quantile: "0.5" }).length === 1);
  assert.ok(recent("go_gc_duration_seconds_count", { job: "vigil-node" }).length === 1);
  assert.equal(recent("up", { job: "vigil-node" })[0]!.value, 1);
  // A counter only grows between scrapes.
  const later = await waitFor(() => recent("node_cpu_seconds_total", { job: "vigil-node", mode: "idle", cpu: cpu.labels["cpu"]! }).find((x) => x.ts > cpu.ts), 30_000, "a later scrape");
  assert.ok(later.value >= cpu.value);
});

test("a real Prometheus remote-writes the exporter's series to Vigil with the timestamps and values of its own TSDB", { skip: skipPrometheus }, async () => {
  if (!prometheusInstalled) throw new Error(`VIGIL_REQUIRE_PROMETHEUS=1 but no \`${PROMETHEUS}\` binary was found (Debian: apt-get install prometheus)`);
  const s = server!;
  const configFile = join(dir.path, "prometheus.yml");
  writeFileSync(
    configFile,
    `
global: { scrape_interval: 1s, scrape_timeout: 1s }
scrape_configs:
  - job_name: prom-node
    static_configs: [{ targets: ["${exporterAddress}"] }]
remote_write:
  - url: ${s.url}/api/v1/write
    queue_config: { batch_send_deadline: 1s, max_samples_per_send: 2000, min_backoff: 100ms }
`,
  );
  const port = await freePort();
  const promURL = `http://127.0.0.1:${port}`;
  prometheus = run(PROMETHEUS, [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir.path, "prometheus-data")}`, `--web.listen-address=127.0.0.1:${port}`]);
  const promQuery = async (query: string, time: number) => {
    const r = await fetch(`${promURL}/api/v1/query?query=${encodeURIComponent(query)}&time=${time / 1000}`);
    const body = await r.json();
    if (body.status !== "success") throw new Error(`Prometheus query ${query}: ${JSON.stringify(body)}`);
    return body.data.result as { metric: Record<string, string>; values: [number, string][] }[];
  };
  try {
    // Wait until Vigil holds several scrapes' worth of Prometheus' samples.
    await waitFor(() => (s.store.range("node_cpu_seconds_total", { job: "prom-node", mode: "idle" }, 0, Date.now())[0]?.points.length ?? 0) >= 5 || undefined, 90_000, "remote-written node_cpu_seconds_total in Vigil");
    const vigilSeries = s.store.range("node_cpu_seconds_total", { job: "prom-node" }, 0, Date.now());
    const newestInVigil = Math.min(...vigilSeries.map((x) => x.points.at(-1)!.ts));
    // Prometheus' raw samples over the same window: the range selector returns them untouched.
    const fromPrometheus = await promQuery(`node_cpu_seconds_total{job="prom-node"}[2m]`, newestInVigil);
    assert.ok(fromPrometheus.length >= 2, `Prometheus has ${fromPrometheus.length} cpu series`);
    assert.equal(vigilSeries.length, fromPrometheus.length, "the same series");
    let compared = 0;
    for (const p of fromPrometheus) {
      const { __name__, ...labels } = p.metric;
      const v = vigilSeries.find((x) => Object.keys(labels).length === Object.keys(x.labels).length && Object.entries(labels).every(([k, val]) => x.labels[k] === val));
      assert.ok(v, `series ${JSON.stringify(p.metric)} in Vigil`);
      assert.equal(__name__, "node_cpu_seconds_total");
      const vigilPoints = new Map(v.points.map((pt) => [pt.ts, pt.value]));
      for (const [seconds, value] of p.values) {
        const ts = Math.round(seconds * 1000);
        if (ts < v.points[0]!.ts) continue; // written before Vigil's first batch arrived
        assert.equal(vigilPoints.get(ts), Number(value), `${JSON.stringify(labels)} at ${ts}`);
        compared++;
      }
    }
    assert.ok(compared >= 10, `compared ${compared} samples`);
    // Prometheus' own series about its scrapes arrive too.
    assert.equal(s.store.latest("up", { job: "prom-node" }, Date.now() - 60_000)[0]?.value, 1);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- prometheus output ---\n${prometheus.output().slice(-4000)}`);
  }
});
