// Queries across replicas, end to end in this process: three replicas, each a real HTTP
// server with its own series store (a file in a temp dir) holding the series of its own
// nodes — one node moved from the first to the second mid-range — answer PromQL and tsdb
// queries on the first for the whole cluster, exactly as one store holding everything does.
// A replica that is down or does not answer leaves the answer to the others, with a warning;
// one that refuses the query as too big fails it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { installErrorHandler } from "../../../src/server/http/error-handler.js";
import { registerPromqlRoutes } from "../../../src/server/http/promql-routes.js";
import { registerReplicaSeriesRoute } from "../../../src/server/http/replica-series-route.js";
import { registerTsdbRoutes } from "../../../src/server/http/tsdb-routes.js";
import { SeriesFanout, type ReplicaPeer } from "../../../src/server/replicas/series-fanout.js";
import { CompressedSeriesStore } from "../../../src/tsdb/compressed-store.js";
import type { Sample } from "../../../src/protocol/messages.js";
import { ManualClock } from "../../../src/util/clock.js";
import { silentLogger } from "../../../src/util/logger.js";
import { tempDir } from "../../agent/process-helpers.js";
import { freePort } from "../../fixtures/ports.js";

const T0 = 1_700_000_000_000;
const STEP = 15_000;
const KEY = "c3".repeat(32);
const clock = new ManualClock(T0 + 600_000);

interface TestReplica {
  name: string;
  url: string;
  store: CompressedSeriesStore;
  app: FastifyInstance;
  /** The replicas it asks (mutable: tests add dead ones). */
  peers: ReplicaPeer[];
}

let dir: { path: string; remove(): void };
const replicas: TestReplica[] = [];
/** One store holding every series, the way a single server would: the reference answers. */
let whole: TestReplica;

/** Samples i = from … to (15 s apart) of req_total (rising `rate` per second) and node_load1 = `load`. */
function node(name: string, rate: number, load: number | null, from = 0, to = 40): Sample[] {
  const out: Sample[] = [];
  for (let i = from; i <= to; i++) {
    out.push({ name: "req_total", labels: { node: name, job: "api" }, ts: T0 + i * STEP, value: (i * STEP * rate) / 1000 });
    if (load !== null) out.push({ name: "node_load1", labels: { node: name }, ts: T0 + i * STEP, value: load });
  }
  return out;
}

async function startReplica(name: string, samples: Sample[], o: { fanout: boolean } = { fanout: true }): Promise<TestReplica> {
  const store = CompressedSeriesStore.open({ path: join(dir.path, `${name}.db`), clock });
  store.append(samples);
  const app = Fastify();
  installErrorHandler(app, silentLogger());
  const replica = { name, url: "", store, app, peers: [] as ReplicaPeer[] };
  const fanout = o.fanout ? new SeriesFanout({ local: store, peers: () => replica.peers, key: () => KEY }) : undefined;
  registerReplicaSeriesRoute(app, { store, key: () => KEY });
  registerPromqlRoutes(app, { store, clock, ...(fanout && { fanout }) });
  registerTsdbRoutes(app, { store, clock, ...(fanout && { fanout }) });
  replica.url = await app.listen({ host: "127.0.0.1", port: 0 });
  return replica;
}

before(async () => {
  dir = tempDir("query-fanout");
  // "moved" sent to r1 until sample 20, then to r2 (sample 20 reached both).
  const r1 = [...node("a", 1, 1), ...node("moved", 2, null, 0, 20)];
  const r2 = [...node("b", 3, 2), ...node("moved", 2, null, 20, 40)];
  const r3 = node("c", 4, 3);
  replicas.push(await startReplica("r1", r1), await startReplica("r2", r2), await startReplica("r3", r3));
  for (const r of replicas) r.peers = replicas.filter((p) => p !== r).map((p) => ({ name: p.name, url: p.url }));
  whole = await startReplica("whole", [...node("a", 1, 1), ...node("moved", 2, null), ...node("b", 3, 2), ...r3], { fanout: false });
});

after(async () => {
  for (const r of [...replicas, whole]) {
    await r.app.close();
    await r.store.close();
  }
  dir.remove();
});

async function get(base: string, path: string, params: Record<string, string | number>): Promise<{ status: number; body: any }> {
  const search = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  const res = await fetch(`${base}${path}?${search}`, { signal: AbortSignal.timeout(30_000) });
  return { status: res.status, body: await res.json() };
}

/** Result series in a stable order, whatever order the stores held them in. */
function sorted(body: any): any {
  const key = (x: any) => JSON.stringify(x.metric ?? x.labels ?? x);
  const data = body.data ?? body;
  if (Array.isArray(data?.result)) return { ...body, data: { ...data, result: [...data.result].sort((a, b) => key(a).localeCompare(key(b))) } };
  if (Array.isArray(body.series)) return { ...body, series: [...body.series].sort((a: any, b: any) => key(a).localeCompare(key(b))) };
  if (Array.isArray(body.data)) return { ...body, data: [...body.data].sort((a: any, b: any) => key(a).localeCompare(key(b))) };
  return body;
}

const r1 = () => replicas[0]!;
const at = (seconds: number) => (T0 + seconds * 1000) / 1000;

describe("a query on one replica answers for the whole cluster", () => {
  it("PromQL instant queries: sum, rate over a series that moved between replicas mid-window, counts", async () => {
    for (const query of ["sum(node_load1)", "sum(rate(req_total[1m]))", 'rate(req_total{node="moved"}[1m])', "count(req_total)", "node_load1", "sum by (node) (increase(req_total[5m]))"]) {
      // At 330 s the 1-minute window holds samples 18 … 22: three from r1, three from r2 (one in both).
      const cluster = await get(r1().url, "/api/v1/query", { query, time: at(330) });
      const single = await get(whole.url, "/api/v1/query", { query, time: at(330) });
      assert.equal(cluster.status, 200, `${query}: ${JSON.stringify(cluster.body)}`);
      assert.deepEqual(sorted(cluster.body), sorted(single.body), query);
      assert.equal(cluster.body.warnings, undefined, "every replica answered");
    }
    const sum = await get(r1().url, "/api/v1/query", { query: "sum(rate(req_total[1m]))", time: at(330) });
    assert.equal(Number(sum.body.data.result[0].value[1]), 1 + 3 + 4 + 2, "every node's rate, the moved one once");
  });

  it("PromQL range queries step through the whole cluster's series", async () => {
    const params = { query: "sum by (node) (rate(req_total[1m]))", start: at(60), end: at(590), step: 15 };
    const cluster = await get(r1().url, "/api/v1/query_range", params);
    assert.equal(cluster.status, 200, JSON.stringify(cluster.body));
    assert.deepEqual(sorted(cluster.body), sorted((await get(whole.url, "/api/v1/query_range", params)).body));
    assert.deepEqual(cluster.body.data.result.map((s: any) => s.metric.node).sort(), ["a", "b", "c", "moved"]);
    const moved = cluster.body.data.result.find((s: any) => s.metric.node === "moved");
    assert.equal(moved.values.length, Math.floor((590 - 60) / 15) + 1, "no gap where the node moved");
    // Asked of another replica, the same answer.
    assert.deepEqual(sorted((await get(replicas[2]!.url, "/api/v1/query_range", params)).body), sorted(cluster.body));
  });

  it("PromQL series, labels and label values list every replica's series", async () => {
    const series = await get(r1().url, "/api/v1/series", { "match[]": "req_total" });
    assert.deepEqual(sorted(series.body), sorted((await get(whole.url, "/api/v1/series", { "match[]": "req_total" })).body));
    assert.equal(series.body.data.length, 4);
    const values = await get(r1().url, "/api/v1/label/node/values", {});
    assert.deepEqual(values.body, { status: "success", data: ["a", "b", "c", "moved"] });
    const ranged = await get(r1().url, "/api/v1/series", { "match[]": 'node_load1{node!="a"}', start: at(0), end: at(600) });
    assert.deepEqual(ranged.body.data.map((l: any) => l.node).sort(), ["b", "c"]);
    const labels = await get(r1().url, "/api/v1/labels", { "match[]": "node_load1" });
    assert.deepEqual(labels.body.data, ["__name__", "node"]);
  });

  it("tsdb query_range and series: the union, a moved series whole, with and without a step", async () => {
    const raw = await get(r1().url, "/api/v1/tsdb/query_range", { metric: "req_total", from: T0, to: T0 + 600_000 });
    assert.equal(raw.status, 200, JSON.stringify(raw.body));
    assert.deepEqual(sorted(raw.body), sorted((await get(whole.url, "/api/v1/tsdb/query_range", { metric: "req_total", from: T0, to: T0 + 600_000 })).body));
    const moved = raw.body.series.find((s: any) => s.labels.node === "moved");
    assert.equal(moved.points.length, 41, "samples 0 … 40, the one both replicas hold once");
    const params = { metric: "req_total", match: 'node=~"moved|c"', from: T0 + 60_000, to: T0 + 600_000, step: "1m" };
    const stepped = await get(r1().url, "/api/v1/tsdb/query_range", params);
    assert.deepEqual(sorted(stepped.body), sorted((await get(whole.url, "/api/v1/tsdb/query_range", params)).body));
    assert.deepEqual(stepped.body.series.map((s: any) => s.points.length), [10, 10]);
    const listed = await get(r1().url, "/api/v1/tsdb/series", { match: '{node=~"b|c|moved"}' });
    assert.deepEqual(listed.body, (await get(whole.url, "/api/v1/tsdb/series", { match: '{node=~"b|c|moved"}' })).body);
  });
});

describe("a replica that does not answer", () => {
  let hanging: Server;
  const held: Socket[] = [];
  let lonely: TestReplica;

  before(async () => {
    // Accepts connections and never answers.
    hanging = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    lonely = await startReplica("r1-again", [...node("a", 1, 1)]);
  });
  after(async () => {
    for (const s of held) s.destroy();
    await new Promise((resolve) => hanging.close(resolve));
    await lonely.app.close();
    await lonely.store.close();
  });

  it("is left out: the answer comes from the others and a warning names it, its URL and why", async () => {
    const deadPort = await freePort();
    const hangingPort = (hanging.address() as { port: number }).port;
    lonely.peers = [
      { name: "r2", url: replicas[1]!.url },
      { name: "r8", url: `http://127.0.0.1:${deadPort}` },
      { name: "r9", url: `http://127.0.0.1:${hangingPort}` },
    ];
    const started = Date.now();
    const res = await get(lonely.url, "/api/v1/query", { query: "sum(node_load1)", time: at(330) });
    const tookMs = Date.now() - started;
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data.result[0].value[1], "3", "a (1) here and b (2) from r2");
    assert.equal(res.body.warnings.length, 2, JSON.stringify(res.body.warnings));
    assert.match(res.body.warnings[0], new RegExp(`^replica r8 \\(http://127\\.0\\.0\\.1:${deadPort}\\) did not answer: .*ECONNREFUSED`));
    assert.match(res.body.warnings[1], new RegExp(`^replica r9 \\(http://127\\.0\\.0\\.1:${hangingPort}\\) did not answer: no answer within 2000 ms`));
    assert.ok(tookMs < 15_000, `the answer took ${tookMs} ms`);

    const range = await get(lonely.url, "/api/v1/tsdb/query_range", { metric: "node_load1", from: T0, to: T0 + 600_000 });
    assert.equal(range.status, 200);
    assert.deepEqual(range.body.series.map((s: any) => s.labels.node).sort(), ["a", "b"]);
    assert.equal(range.body.warnings.length, 2);
    const values = await get(lonely.url, "/api/v1/label/node/values", {});
    assert.deepEqual(values.body.data, ["a", "b", "moved"]);
    assert.equal(values.body.warnings.length, 2);
  });

  it("a replica refusing the cluster key is a warning too", async () => {
    const stranger = Fastify();
    registerReplicaSeriesRoute(stranger, { store: lonely.store, key: () => "d4".repeat(32) });
    const url = await stranger.listen({ host: "127.0.0.1", port: 0 });
    try {
      lonely.peers = [{ name: "other-cluster", url }];
      const res = await get(lonely.url, "/api/v1/query", { query: "node_load1", time: at(330) });
      assert.equal(res.status, 200);
      assert.match(res.body.warnings[0], /^replica other-cluster .* did not answer: it answered 401: .*x-vigil-replica-key header is not this cluster's key/);
    } finally {
      await stranger.close();
    }
  });

  it("a replica that refuses because the query is too big fails the query (asking again would not help)", async () => {
    const tiny = Fastify();
    registerReplicaSeriesRoute(tiny, { store: replicas[1]!.store, key: () => KEY, maxPoints: 10 });
    const url = await tiny.listen({ host: "127.0.0.1", port: 0 });
    try {
      lonely.peers = [{ name: "tiny", url }];
      const promql = await get(lonely.url, "/api/v1/query", { query: "sum(node_load1)", time: at(330) });
      assert.equal(promql.status, 422);
      assert.equal(promql.body.errorType, "execution");
      assert.match(promql.body.error, /^replica tiny \(http:.*\) refused the query: the selectors match more than 10 points in \[\d+, \d+\] on this replica: narrow/);
      const tsdb = await get(lonely.url, "/api/v1/tsdb/query_range", { metric: "node_load1", from: T0, to: T0 + 600_000 });
      assert.equal(tsdb.status, 400);
      assert.match(tsdb.body.error, /^invalid query: replica tiny .* refused the query/);
    } finally {
      await tiny.close();
    }
  });

  it("without other replicas the answer is the local store's, exactly as on a single server", async () => {
    lonely.peers = [];
    const single = await startReplica("single", [...node("a", 1, 1)], { fanout: false });
    try {
      for (const [path, params] of [
        ["/api/v1/query", { query: "sum(rate(req_total[1m]))", time: at(330) }],
        ["/api/v1/query_range", { query: "node_load1", start: at(0), end: at(600), step: 60 }],
        ["/api/v1/series", { "match[]": "req_total" }],
        ["/api/v1/tsdb/query_range", { metric: "req_total", from: T0, to: T0 + 600_000, step: "1m" }],
        ["/api/v1/tsdb/series", { match: "req_total" }],
      ] as const) {
        assert.deepEqual((await get(lonely.url, path, params)).body, (await get(single.url, path, params)).body, path);
      }
    } finally {
      await single.app.close();
      await single.store.close();
    }
  });
});
