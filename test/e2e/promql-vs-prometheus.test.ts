// PromQL against a real Prometheus: the same synthetic samples go into Vigil's series store
// (appended directly) and into a Prometheus 2.x (backfilled with `promtool tsdb
// create-blocks-from openmetrics`); a table of expressions — every function and operator
// Vigil supports — is evaluated by both through the HTTP API at the same instants and the
// answers compared series by series, value by value (relative tolerance 1e-9). Then
// `promtool query instant` / `query range` run against Vigil's API.
// Skipped with a loud notice when `prometheus` / `promtool` are missing, unless VIGIL_REQUIRE_PROMETHEUS=1.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { CompressedSeriesStore } from "../../src/tsdb/compressed-store.js";
import { registerPromqlRoutes } from "../../src/server/http/promql-routes.js";
import { systemClock } from "../../src/util/clock.js";
import { freePort, tempDir, waitFor } from "./harness.js";
import { syntheticData, toOpenMetrics } from "../promql/synthetic-data.js";

const PROMETHEUS = process.env.VIGIL_PROMETHEUS_BIN ?? "prometheus";
const PROMTOOL = process.env.VIGIL_PROMTOOL_BIN ?? "promtool";
const installed = [PROMETHEUS, PROMTOOL].every((bin) => spawnSync(bin, ["--version"], { stdio: "ignore" }).error === undefined);
const required = process.env.VIGIL_REQUIRE_PROMETHEUS === "1";
const skip = !installed && !required;
if (skip) {
  console.warn(
    [
      "",
      "************************************************************************",
      `* SKIPPED: the PromQL comparison test: no \`${PROMETHEUS}\` or \`${PROMTOOL}\` on PATH.`,
      "* Install them (Debian: apt-get install prometheus) to compare Vigil's",
      "* PromQL with Prometheus'; VIGIL_REQUIRE_PROMETHEUS=1 makes this a failure.",
      "************************************************************************",
      "",
    ].join("\n"),
  );
}

const EXPRESSIONS = [
  // selectors, the four matchers, offset
  "http_requests_total",
  'http_requests_total{instance="a"}',
  'http_requests_total{instance!="a"}',
  'http_requests_total{instance=~"a|b"}',
  'http_requests_total{instance!~"a|b", method="get"}',
  '{__name__=~"http_requests_total|node_temp_celsius", instance="b"}',
  'http_requests_total{instance=~"[[:alpha:]]"}',
  "http_requests_total offset 5m",
  "node_temp_celsius offset 90s",
  // range functions
  "rate(http_requests_total[5m])",
  "rate(http_requests_total[1m])",
  "irate(http_requests_total[5m])",
  "increase(http_requests_total[10m])",
  "delta(node_temp_celsius[10m])",
  "idelta(node_temp_celsius[5m])",
  "deriv(node_temp_celsius[10m])",
  "predict_linear(node_temp_celsius[10m], 3600)",
  "predict_linear(http_requests_total[5m] offset 2m, 600)",
  "avg_over_time(node_temp_celsius[10m])",
  "min_over_time(node_temp_celsius[10m])",
  "max_over_time(node_temp_celsius[10m])",
  "sum_over_time(node_temp_celsius[10m])",
  "count_over_time(node_temp_celsius[10m])",
  "last_over_time(node_temp_celsius[10m])",
  "quantile_over_time(0.9, node_temp_celsius[10m])",
  "stddev_over_time(node_temp_celsius[10m])",
  "changes(node_temp_celsius[10m])",
  "resets(http_requests_total[1h])",
  "histogram_quantile(0.9, rate(request_duration_seconds_bucket[5m]))",
  "histogram_quantile(0.5, sum by (le) (rate(request_duration_seconds_bucket[5m])))",
  "histogram_quantile(0.99, request_duration_seconds_bucket)",
  // instant functions
  "abs(node_temp_celsius - 40)",
  "clamp(node_temp_celsius, 38.5, 40.5)",
  "clamp_min(node_temp_celsius, 40)",
  "clamp_max(node_temp_celsius, 40)",
  "round(node_temp_celsius)",
  "round(node_temp_celsius, 0.5)",
  'absent(nonexistent_metric{job="x", instance=~"a"})',
  "absent(http_requests_total)",
  "time()",
  "vector(1)",
  "scalar(sum(node_temp_celsius))",
  "scalar(node_temp_celsius)",
  // aggregations
  "sum(http_requests_total)",
  "sum by (instance) (rate(http_requests_total[5m]))",
  "avg without (method) (rate(http_requests_total[5m]))",
  "min(node_temp_celsius)",
  "max by (job) (rate(http_requests_total[5m]))",
  "count by (instance) (http_requests_total)",
  "topk(2, node_temp_celsius)",
  "bottomk(2, rate(http_requests_total[5m]))",
  "topk by (instance) (1, http_requests_total)",
  "quantile(0.75, node_temp_celsius)",
  "stddev(node_temp_celsius)",
  "stdvar(rate(http_requests_total[5m]))",
  'count_values("value", round(node_temp_celsius))',
  "group by (instance) (http_requests_total)",
  // arithmetic, precedence, associativity
  "node_temp_celsius + 1",
  "2 * node_temp_celsius",
  "node_temp_celsius - node_temp_celsius offset 5m",
  "node_temp_celsius / 3",
  "node_temp_celsius % 7",
  "node_temp_celsius ^ 2",
  "2 ^ 3 ^ 2",
  "-2 ^ 2",
  "-node_temp_celsius",
  "1 + 2 * 3 - 4 / 2 % 3",
  "10 - 3 - 2",
  // comparisons and bool
  "node_temp_celsius > 40",
  "node_temp_celsius > bool 40",
  "40 < node_temp_celsius",
  "node_temp_celsius == bool node_temp_celsius",
  "node_temp_celsius != node_temp_celsius offset 1m",
  "1 < bool 2",
  // vector matching
  "http_requests_total / on(instance) group_left(team) instance_info",
  "instance_info * on(instance) group_right(team) http_requests_total",
  'rate(http_requests_total{method="get"}[5m]) / ignoring(method) rate(http_requests_total{method="post"}[5m])',
  'rate(http_requests_total{method="get"}[5m]) + on(instance, job) rate(http_requests_total{method="post"}[5m])',
  "sum by (instance) (http_requests_total) > on(instance) group_left node_temp_celsius * 10",
  // set operators
  'http_requests_total and http_requests_total{instance="a"}',
  'node_temp_celsius{instance="a"} or node_temp_celsius',
  "http_requests_total unless on(instance) (node_temp_celsius > 40)",
  "node_temp_celsius > 40 or node_temp_celsius < 39",
];

const RANGE_EXPRESSIONS = [
  "rate(http_requests_total[5m])",
  "sum by (instance) (increase(http_requests_total[2m]))",
  "histogram_quantile(0.9, rate(request_duration_seconds_bucket[5m]))",
  "node_temp_celsius > bool 40",
  "time()",
];

let dir: ReturnType<typeof tempDir>;
let store: CompressedSeriesStore;
let vigilHttp: FastifyInstance;
let vigilURL: string;
let promURL: string;
let prometheus: ChildProcess | undefined;
let promOutput = "";
let data: ReturnType<typeof syntheticData>;

before(async () => {
  if (skip) return;
  if (!installed) throw new Error(`VIGIL_REQUIRE_PROMETHEUS=1 but \`${PROMETHEUS}\` or \`${PROMTOOL}\` was not found on PATH (Debian: apt-get install prometheus)`);
  dir = tempDir("vigil-e2e-promql-");
  // One hour at 15 s, ending five minutes ago (within both stores' retention, not in the future).
  data = syntheticData(Math.floor(Date.now() / 1000) * 1000 - 300_000, 241);

  store = CompressedSeriesStore.open({ path: join(dir.path, "tsdb.db"), clock: systemClock });
  const appended = store.append(data.samples);
  assert.equal(appended.rejected, 0);
  vigilHttp = Fastify();
  registerPromqlRoutes(vigilHttp, { store, clock: systemClock });
  const vigilPort = await freePort();
  await vigilHttp.listen({ host: "127.0.0.1", port: vigilPort });
  vigilURL = `http://127.0.0.1:${vigilPort}`;

  const openMetrics = join(dir.path, "data.om");
  writeFileSync(openMetrics, toOpenMetrics(data.samples));
  const blocks = spawnSync(PROMTOOL, ["tsdb", "create-blocks-from", "openmetrics", openMetrics, join(dir.path, "prometheus-data")], { encoding: "utf8" });
  assert.equal(blocks.status, 0, `promtool create-blocks-from failed:\n${blocks.stdout}\n${blocks.stderr}`);
  const configFile = join(dir.path, "prometheus.yml");
  writeFileSync(configFile, "global:\n  scrape_interval: 1h\nscrape_configs: []\n");
  const promPort = await freePort();
  promURL = `http://127.0.0.1:${promPort}`;
  prometheus = spawn(PROMETHEUS, [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir.path, "prometheus-data")}`, `--web.listen-address=127.0.0.1:${promPort}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  prometheus.stdout!.on("data", (d) => (promOutput += d));
  prometheus.stderr!.on("data", (d) => (promOutput += d));
  const t = (data.end - 60_000) / 1000;
  await waitFor(
    async () => {
      const r = await fetch(`${promURL}/api/v1/query?query=${encodeURIComponent("count(http_requests_total)")}&time=${t}`).catch(() => null);
      const body = r?.ok ? ((await r.json()) as { data: { result: { value: [number, string] }[] } }) : null;
      return body?.data.result[0]?.value[1] === "6";
    },
    60_000,
    "Prometheus to serve the backfilled blocks",
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n--- prometheus output ---\n${promOutput}`);
  });
});

after(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus!.once("exit", r));
    prometheus.kill("SIGTERM");
    await exited;
  }
  await vigilHttp?.close();
  await store?.close();
  dir?.remove();
});

interface ApiAnswer {
  status: string;
  data: { resultType: string; result: unknown };
  error?: string;
}

async function get(base: string, path: string, params: Record<string, string>): Promise<ApiAnswer> {
  const res = await fetch(`${base}${path}?${new URLSearchParams(params)}`);
  return (await res.json()) as ApiAnswer;
}

/** label set → values, for comparing answers whatever their order. */
function byLabels(answer: ApiAnswer): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const { resultType, result } = answer.data;
  if (resultType === "scalar" || resultType === "string") return new Map([["", [(result as [number, string])[1]]]]);
  for (const r of result as { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[]) {
    const key = JSON.stringify(Object.entries(r.metric).sort(([a], [b]) => (a < b ? -1 : 1)));
    out.set(key, r.value ? [String(r.value[0]), r.value[1]] : r.values!.flatMap(([t, v]) => [String(t), v]));
  }
  return out;
}

function close(a: string, b: string): boolean {
  if (a === b) return true;
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return false;
  return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y)) || Math.abs(x - y) < 1e-12;
}

function compare(expr: string, at: string, vigil: ApiAnswer, prom: ApiAnswer): string[] {
  const problems: string[] = [];
  if (vigil.status !== "success") return [`${expr} @ ${at}: Vigil failed: ${vigil.error}`];
  if (vigil.data.resultType !== prom.data.resultType) return [`${expr} @ ${at}: result type ${vigil.data.resultType}, Prometheus ${prom.data.resultType}`];
  const v = byLabels(vigil);
  const p = byLabels(prom);
  for (const [key, values] of p) {
    const mine = v.get(key);
    if (mine === undefined) problems.push(`${expr} @ ${at}: missing series ${key} (Prometheus: ${values.join(" ")})`);
    else if (mine.length !== values.length || mine.some((x, i) => !close(x, values[i]!))) {
      problems.push(`${expr} @ ${at}: ${key}: Vigil ${mine.join(" ")}, Prometheus ${values.join(" ")}`);
    }
  }
  for (const key of v.keys()) if (!p.has(key)) problems.push(`${expr} @ ${at}: extra series ${key}`);
  return problems;
}

test("every expression of the table gives Prometheus' answer at three instants", { skip }, async () => {
  const instants = [data.end - 60_000, data.start + 1_200_000, data.end - 1_777_000].map((t) => String(Math.round(t) / 1000));
  const problems: string[] = [];
  let nonEmpty = 0;
  for (const expr of EXPRESSIONS) {
    for (const time of instants) {
      const prom = await get(promURL, "/api/v1/query", { query: expr, time });
      assert.equal(prom.status, "success", `Prometheus refused ${expr}: ${prom.error}`);
      const vigil = await get(vigilURL, "/api/v1/query", { query: expr, time });
      problems.push(...compare(expr, time, vigil, prom));
      if (byLabels(prom).size > 0) nonEmpty++;
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(nonEmpty >= EXPRESSIONS.length * 3 - 6, `only ${nonEmpty} answers had data: the table must test values, not empty results`);
});

test("range queries give Prometheus' answer at every step", { skip }, async () => {
  const params = { start: String((data.start + 600_000) / 1000), end: String((data.end - 10_000) / 1000), step: "97" };
  const problems: string[] = [];
  for (const expr of RANGE_EXPRESSIONS) {
    const prom = await get(promURL, "/api/v1/query_range", { query: expr, ...params });
    const vigil = await get(vigilURL, "/api/v1/query_range", { query: expr, ...params });
    problems.push(...compare(expr, "range", vigil, prom));
  }
  assert.deepEqual(problems, []);
});

test("errors come back in Prometheus' shape: parse errors 400 bad_data, many-to-many 422 execution", { skip }, async () => {
  const bad = await fetch(`${vigilURL}/api/v1/query?query=${encodeURIComponent("sum(rate(x[5m])")}`);
  assert.equal(bad.status, 400);
  const badBody = (await bad.json()) as { status: string; errorType: string; error: string };
  assert.equal(badBody.status, "error");
  assert.equal(badBody.errorType, "bad_data");
  assert.match(badBody.error, /parse error at char 16/);
  const manyToMany = await fetch(`${vigilURL}/api/v1/query?${new URLSearchParams({ query: "http_requests_total + on(instance) http_requests_total", time: String((data.end - 60_000) / 1000) })}`);
  assert.equal(manyToMany.status, 422);
  assert.equal(((await manyToMany.json()) as { errorType: string }).errorType, "execution");
});

/** Runs a program without blocking the event loop (Vigil's HTTP server runs in this process). */
function run(bin: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

test("promtool query instant and query range succeed against Vigil", { skip }, async () => {
  const instant = await run(PROMTOOL, ["query", "instant", "--time", String((data.end - 60_000) / 1000), vigilURL, 'sum by (instance) (rate(http_requests_total[5m]))']);
  assert.equal(instant.status, 0, `promtool query instant failed:\n${instant.stdout}\n${instant.stderr}`);
  assert.match(instant.stdout, /\{instance="a"\} => [0-9.]+ @\[/);
  const range = await run(
    PROMTOOL,
    ["query", "range", "--start", String(data.start / 1000 + 600), "--end", String(data.end / 1000), "--step", "60s", vigilURL, "node_temp_celsius"],
  );
  assert.equal(range.status, 0, `promtool query range failed:\n${range.stdout}\n${range.stderr}`);
  assert.match(range.stdout, /node_temp_celsius\{instance="b"\} =>/);
  const series = await run(PROMTOOL, ["query", "series", "--match", 'http_requests_total{instance="c"}', vigilURL]);
  assert.equal(series.status, 0, `promtool query series failed:\n${series.stdout}\n${series.stderr}`);
  assert.match(series.stdout, /method="post"/);
  const values = await run(PROMTOOL, ["query", "labels", vigilURL, "instance"]);
  assert.equal(values.status, 0, `promtool query labels failed:\n${values.stdout}\n${values.stderr}`);
  assert.deepEqual(values.stdout.trim().split("\n"), ["a", "b", "c"]);
});
