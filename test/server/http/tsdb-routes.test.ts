import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import Fastify, { type FastifyInstance } from "fastify";
import { registerTsdbRoutes } from "../../../src/server/http/tsdb-routes.js";
import { CompressedSeriesStore } from "../../../src/tsdb/compressed-store.js";
import { ManualClock } from "../../../src/util/clock.js";

const MINUTE = 60_000;
const T0 = Math.floor(1_700_000_000_000 / 3_600_000) * 3_600_000;

let http: FastifyInstance;
let store: CompressedSeriesStore;
let clock: ManualClock;
let base: string;

before(async () => {
  clock = new ManualClock(T0 + 10 * MINUTE);
  store = CompressedSeriesStore.open({ path: ":memory:", clock, retentionMs: 30 * MINUTE });
  store.append([
    { name: "up", labels: { node: "a", service: "api" }, ts: T0, value: 1 },
    { name: "up", labels: { node: "b", service: "api" }, ts: T0, value: 0 },
    { name: "up", labels: { node: "a", service: "db" }, ts: T0, value: 1 },
    { name: "node_load1", labels: { node: "a" }, ts: T0, value: 0.5 },
    { name: "node_load1", labels: { node: "a" }, ts: T0 + 1000, value: 0.75 },
    { name: "node_load1", labels: { node: "a" }, ts: T0 + 2000, value: Number.NaN },
    { name: "node_load1", labels: { node: "a" }, ts: T0 + 3000, value: Infinity },
    { name: "fs_free", labels: { node: "a", mountpoint: "/mnt/my disk" }, ts: T0, value: 42 },
  ]);
  http = Fastify();
  registerTsdbRoutes(http, { store, clock, maxPoints: 1000 });
  base = await http.listen({ host: "127.0.0.1", port: 0 });
});

after(async () => {
  await http.close();
  await store.close();
});

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path);
  return { status: res.status, body: await res.json() };
}

const q = (params: Record<string, string | string[]>) => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of Array.isArray(v) ? v : [v]) search.append(k, one);
  return search.toString();
};

test("GET /api/v1/tsdb/series lists the series a selector matches, sorted, several match parameters united", async () => {
  assert.deepEqual((await get(`/api/v1/tsdb/series?${q({ match: 'up{node="a"}' })}`)).body, {
    series: [
      { name: "up", labels: { node: "a", service: "api" } },
      { name: "up", labels: { node: "a", service: "db" } },
    ],
  });
  const united = await get(`/api/v1/tsdb/series?${q({ match: ['up{node!="a"}', "node_load1"], "match[]": 'fs_free{mountpoint=~"/mnt/.*"}' })}`);
  assert.deepEqual(united.body.series.map((s: { name: string }) => s.name), ["fs_free", "node_load1", "up"]);
  const byLabelOnly = await get(`/api/v1/tsdb/series?${q({ match: '{service=~"a.*"}' })}`);
  assert.equal(byLabelOnly.body.series.length, 2);
  const byNameRegex = await get(`/api/v1/tsdb/series?${q({ match: '{__name__=~"node_.*|fs_.*"}' })}`);
  assert.deepEqual(byNameRegex.body.series.map((s: { name: string }) => s.name), ["fs_free", "node_load1"]);
});

test("GET /api/v1/tsdb/series refuses a missing or broken selector with 400 and the reason", async () => {
  const missing = await get("/api/v1/tsdb/series");
  assert.equal(missing.status, 400);
  assert.match(missing.body.error, /match: expected at least one selector/);
  const broken = await get(`/api/v1/tsdb/series?${q({ match: 'up{node="a"' })}`);
  assert.equal(broken.status, 400);
  assert.match(broken.body.error, /expected "}" at the end/);
  const badRegex = await get(`/api/v1/tsdb/series?${q({ match: 'up{node=~"("}' })}`);
  assert.equal(badRegex.status, 400);
  assert.match(badRegex.body.error, /invalid matcher node=~"\("/);
});

test("GET /api/v1/tsdb/query_range keeps its parameters (metric, match=name=value, from, to) and its answer's shape", async () => {
  const res = await get(`/api/v1/tsdb/query_range?${q({ metric: "node_load1", match: "node=a", from: String(T0), to: String(T0 + 1000) })}`);
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { series: [{ name: "node_load1", labels: { node: "a" }, points: [[T0, 0.5], [T0 + 1000, 0.75]] }] });
  // A value with a space is still taken literally, as before matchers.
  const literal = await get(`/api/v1/tsdb/query_range?${q({ metric: "fs_free", match: "mountpoint=/mnt/my disk", from: String(T0), to: String(T0) })}`);
  assert.deepEqual(literal.body.series[0].points, [[T0, 42]]);
});

test("query_range takes matchers and selectors, writes non-finite values as strings, and steps", async () => {
  const ne = await get(`/api/v1/tsdb/query_range?${q({ metric: "up", match: ['node!=a'], from: String(T0), to: String(T0) })}`);
  assert.deepEqual(ne.body.series.map((s: { labels: { node: string } }) => s.labels.node), ["b"]);
  const selector = await get(`/api/v1/tsdb/query_range?${q({ metric: 'up{service="db"}', from: String(T0), to: String(T0) })}`);
  assert.deepEqual(selector.body.series, [{ name: "up", labels: { node: "a", service: "db" }, points: [[T0, 1]] }]);
  const odd = await get(`/api/v1/tsdb/query_range?${q({ metric: "node_load1", from: String(T0 + 2000), to: String(T0 + 3000) })}`);
  assert.deepEqual(odd.body.series[0].points, [[T0 + 2000, "NaN"], [T0 + 3000, "+Inf"]]);
  const stepped = await get(`/api/v1/tsdb/query_range?${q({ metric: "node_load1", from: String(T0), to: String(T0 + 4000), step: "2s" })}`);
  assert.deepEqual(stepped.body.series[0].points, [[T0, 0.5], [T0 + 2000, "NaN"], [T0 + 4000, "+Inf"]]);
  const steppedMs = await get(`/api/v1/tsdb/query_range?${q({ metric: "node_load1", from: String(T0), to: String(T0 + 4000), step: "2000" })}`);
  assert.deepEqual(steppedMs.body, stepped.body);
});

test("query_range without from/to reads the last hour on the clock; old ranges read downsampled buckets by aggregate", async () => {
  const recent = await get(`/api/v1/tsdb/query_range?${q({ metric: "node_load1" })}`);
  assert.equal(recent.body.series[0].points.length, 4);
  clock.set(T0 + 40 * MINUTE); // raw retention (30 min) has passed every sample: the minute bucket answers
  {
    const avg = await get(`/api/v1/tsdb/query_range?${q({ metric: "node_load1", from: String(T0), to: String(T0 + MINUTE) })}`);
    assert.deepEqual(avg.body.series[0].points, [[T0, "+Inf"]]);
    const count = await get(`/api/v1/tsdb/query_range?${q({ metric: "node_load1", from: String(T0), to: String(T0 + MINUTE), aggregate: "count" })}`);
    assert.deepEqual(count.body.series[0].points, [[T0, 3]], "NaN is not counted");
    const min = await get(`/api/v1/tsdb/query_range?${q({ metric: "node_load1", from: String(T0), to: String(T0 + MINUTE), aggregate: "min" })}`);
    assert.deepEqual(min.body.series[0].points, [[T0, 0.5]]);
  }
});

test("query_range answers bad queries with 400 and a message that names the problem", async () => {
  const cases: [Record<string, string | string[]>, RegExp][] = [
    [{ from: "0", to: "1" }, /metric/],
    [{ metric: "node load", from: "0", to: "1" }, /invalid selector "node load"/],
    [{ metric: '{node="a"}', from: "0", to: "1" }, /metric: expected a metric name/],
    [{ metric: "up", from: "yesterday", to: "1" }, /from/],
    [{ metric: "up", from: "10", to: "5" }, /from \(10\) is after to \(5\)/],
    [{ metric: "up", match: "node", from: "0", to: "1" }, /invalid matcher "node"/],
    [{ metric: "up", step: "soon", from: "0", to: "1" }, /step: expected a positive number of ms or a duration/],
    [{ metric: "up", step: "1ms", from: "0", to: String(T0) }, /more than 11000 points/],
    [{ metric: "up", aggregate: "median", from: "0", to: "1" }, /aggregate/],
  ];
  for (const [params, message] of cases) {
    const res = await get(`/api/v1/tsdb/query_range?${q(params)}`);
    assert.equal(res.status, 400, JSON.stringify(params));
    assert.match(res.body.error, message, JSON.stringify(params));
  }
});

test("query_range refuses to return more than maxPoints", async () => {
  const now = clock.now();
  store.append(Array.from({ length: 1001 }, (_, i) => ({ name: "many", labels: {}, ts: now - 5000 + i, value: i })));
  const res = await get(`/api/v1/tsdb/query_range?${q({ metric: "many", from: String(now - 5000), to: String(now) })}`);
  assert.equal(res.status, 400);
  assert.match(res.body.error, /more than 1000 points; narrow the range or set a step/);
  const stepped = await get(`/api/v1/tsdb/query_range?${q({ metric: "many", from: String(now - 5000), to: String(now), step: "10" })}`);
  assert.equal(stepped.status, 200);
  assert.equal(stepped.body.series[0].points.length, 101);
});
