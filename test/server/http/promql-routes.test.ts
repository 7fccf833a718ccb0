// Prometheus' query API over a real store and a real HTTP server: response shapes, GET and
// form POST, series / labels / label values, and errors with Prometheus' types and codes.
// (The values themselves are compared with a real Prometheus in test/e2e/promql-vs-prometheus.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import Fastify, { type FastifyInstance } from "fastify";
import { registerPromqlRoutes } from "../../../src/server/http/promql-routes.js";
import { CompressedSeriesStore } from "../../../src/tsdb/compressed-store.js";
import { ManualClock } from "../../../src/util/clock.js";

const T0 = 1_700_000_000_000;
let http: FastifyInstance;
let store: CompressedSeriesStore;
let base: string;

before(async () => {
  const clock = new ManualClock(T0 + 60_000);
  store = CompressedSeriesStore.open({ path: ":memory:", clock });
  const samples = [];
  for (let i = 0; i <= 4; i++) {
    samples.push({ name: "up", labels: { job: "api", instance: "a" }, ts: T0 + i * 15_000, value: 1 });
    samples.push({ name: "up", labels: { job: "db", instance: "b" }, ts: T0 + i * 15_000, value: 0 });
    samples.push({ name: "req_total", labels: { job: "api" }, ts: T0 + i * 15_000, value: i * 30 });
  }
  store.append(samples);
  http = Fastify();
  registerPromqlRoutes(http, { store, clock });
  base = await http.listen({ host: "127.0.0.1", port: 0 });
});

after(async () => {
  await http.close();
  await store.close();
});

async function get(path: string, params: Record<string, string | string[]>): Promise<{ status: number; body: any }> {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of Array.isArray(v) ? v : [v]) search.append(k, one);
  const res = await fetch(`${base}${path}?${search}`);
  return { status: res.status, body: await res.json() };
}

test("instant queries answer in Prometheus' shape, by GET or form POST; time defaults to now", async () => {
  const res = await get("/api/v1/query", { query: "up == 1", time: String((T0 + 60_000) / 1000) });
  assert.deepEqual(res.body, {
    status: "success",
    data: { resultType: "vector", result: [{ metric: { __name__: "up", job: "api", instance: "a" }, value: [(T0 + 60_000) / 1000, "1"] }] },
  });
  const posted = await fetch(`${base}/api/v1/query`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ query: "sum(up)" }).toString(),
  });
  assert.deepEqual(await posted.json(), { status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [(T0 + 60_000) / 1000, "1"] }] } });
  const scalar = await get("/api/v1/query", { query: "1 / 0", time: "2023-11-14T22:13:20Z" });
  assert.deepEqual(scalar.body.data, { resultType: "scalar", result: [T0 / 1000, "+Inf"] });
});

test("range queries step from start to end; a range vector is refused", async () => {
  const res = await get("/api/v1/query_range", { query: "rate(req_total[1m])", start: String((T0 + 30_000) / 1000), end: String((T0 + 60_000) / 1000), step: "15s" });
  assert.equal(res.body.data.resultType, "matrix");
  assert.deepEqual(res.body.data.result[0].metric, { job: "api" });
  assert.deepEqual(res.body.data.result[0].values.map((v: [number, string]) => v[0]), [(T0 + 30_000) / 1000, (T0 + 45_000) / 1000, (T0 + 60_000) / 1000]);
  const matrix = await get("/api/v1/query_range", { query: "up[1m]", start: "1", end: "2", step: "1" });
  assert.equal(matrix.status, 400);
  assert.equal(matrix.body.errorType, "bad_data");
  const tooMany = await get("/api/v1/query_range", { query: "up", start: "0", end: "20000", step: "1" });
  assert.equal(tooMany.status, 400);
  assert.match(tooMany.body.error, /11,000 points/);
});

test("series, labels and label values", async () => {
  const series = await get("/api/v1/series", { "match[]": ['up{job=~"a.*"}', "req_total"] });
  assert.deepEqual(series.body.data.sort((a: any, b: any) => (a.__name__ < b.__name__ ? -1 : 1)), [
    { __name__: "req_total", job: "api" },
    { __name__: "up", job: "api", instance: "a" },
  ]);
  assert.deepEqual((await get("/api/v1/labels", {})).body.data, ["__name__", "instance", "job"]);
  assert.deepEqual((await get("/api/v1/label/job/values", {})).body.data, ["api", "db"]);
  assert.deepEqual((await get("/api/v1/label/__name__/values", { "match[]": '{job="db"}' })).body.data, ["up"]);
  const missing = await get("/api/v1/series", {});
  assert.equal(missing.status, 400);
  assert.match(missing.body.error, /no match\[\] parameter/);
});

test("bad input: 400 bad_data naming the parameter or the position; evaluation failures 422", async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{}, /invalid parameter "query": missing/],
    [{ query: "up{", time: "1" }, /parse error at char 4/],
    [{ query: "up", time: "yesterday" }, /invalid parameter "time": cannot parse "yesterday"/],
    [{ query: "up", timeout: "soon" }, /invalid parameter "timeout"/],
  ];
  for (const [params, expected] of cases) {
    const res = await get("/api/v1/query", params);
    assert.equal(res.status, 400, JSON.stringify(params));
    assert.equal(res.body.status, "error");
    assert.equal(res.body.errorType, "bad_data");
    assert.match(res.body.error, expected);
  }
  const dup = await get("/api/v1/query", { query: "up + on(job) group_left up", time: String((T0 + 60_000) / 1000) });
  assert.equal(dup.status, 200);
  const many = await get("/api/v1/query", { query: "sum(up) + on() up", time: String((T0 + 60_000) / 1000) });
  assert.equal(many.status, 422);
  assert.equal(many.body.errorType, "execution");
});
