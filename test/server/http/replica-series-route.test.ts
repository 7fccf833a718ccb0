// POST /api/v1/replica/series over a real store and a real socket: the cluster key (401
// naming the header, 503 on a server that is no replica), bodies refused naming the field,
// the answer's columns bit for bit (a staleness marker included), listings without points,
// and the bounds (422).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import Fastify, { type FastifyInstance } from "fastify";
import { REPLICA_KEY_HEADER } from "../../../src/replicas/cluster-key.js";
import { installErrorHandler } from "../../../src/server/http/error-handler.js";
import { registerReplicaSeriesRoute } from "../../../src/server/http/replica-series-route.js";
import { decodeAnswer } from "../../../src/server/replicas/peer-series-client.js";
import { STALE_NAN_HIGH, STALE_NAN_LOW } from "../../../src/promql/selection.js";
import { CompressedSeriesStore } from "../../../src/tsdb/compressed-store.js";
import { ManualClock } from "../../../src/util/clock.js";
import { silentLogger } from "../../../src/util/logger.js";

const T0 = 1_700_000_000_000;
const KEY = "a1".repeat(32);

let store: CompressedSeriesStore;
let http: FastifyInstance;
let notReplica: FastifyInstance;
let base: string;
let notReplicaBase: string;

before(async () => {
  store = CompressedSeriesStore.open({ path: ":memory:", clock: new ManualClock(T0 + 60_000) });
  const values = new Float64Array([1, 0.5, 0, 0.25]);
  // The last sample of node_load1{node="a"} is a staleness marker, written as its bits.
  new Uint32Array(values.buffer).set([STALE_NAN_LOW, STALE_NAN_HIGH], 2 * 2);
  store.appendColumns({
    series: [
      { name: "node_load1", labels: { node: "a" } },
      { name: "node_load1", labels: { node: "b" } },
    ],
    seriesOf: new Uint32Array([0, 1, 0, 1]),
    ts: new Float64Array([T0, T0, T0 + 15_000, T0 + 15_000]),
    values,
  });
  store.append([{ name: "node_memory_free", labels: { node: "a" }, ts: T0, value: 42 }]);
  for (let i = 0; i < 30; i++) store.append([{ name: "many", labels: { i: String(i) }, ts: T0, value: i }]);
  const listen = async (key: string | null) => {
    const app = Fastify();
    installErrorHandler(app, silentLogger());
    registerReplicaSeriesRoute(app, { store, key: () => key, maxSeries: 20, maxPoints: 25 });
    return { app, url: await app.listen({ host: "127.0.0.1", port: 0 }) };
  };
  ({ app: http, url: base } = await listen(KEY));
  ({ app: notReplica, url: notReplicaBase } = await listen(null));
});

after(async () => {
  await http.close();
  await notReplica.close();
  await store.close();
});

async function post(body: unknown, headers: Record<string, string> = { [REPLICA_KEY_HEADER]: KEY }, at = base): Promise<{ status: number; text: string; json: any }> {
  const res = await fetch(`${at}/api/v1/replica/series`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) };
}

const request = { selectors: ['node_load1{node=~"a|b"}'], from: T0, to: T0 + 60_000 };

describe("the cluster key", () => {
  it("a missing, wrong or repeated key is refused with 401 naming the header; a server that is no replica answers 503", async () => {
    const missing = await post(request, {});
    assert.equal(missing.status, 401);
    assert.match(missing.json.error, /x-vigil-replica-key header is missing/);
    const wrong = await post(request, { [REPLICA_KEY_HEADER]: "b2".repeat(32) });
    assert.equal(wrong.status, 401);
    assert.match(wrong.json.error, /x-vigil-replica-key header is not this cluster's key/);
    const short = await post(request, { [REPLICA_KEY_HEADER]: KEY.slice(2) });
    assert.equal(short.status, 401);
    const none = await post(request, { [REPLICA_KEY_HEADER]: KEY }, notReplicaBase);
    assert.equal(none.status, 503);
    assert.match(none.json.error, /not a replica of a cluster/);
  });
});

describe("the answer", () => {
  it("every matching series with its points in [from, to], values bit for bit (the staleness marker too)", async () => {
    const res = await post(request);
    assert.equal(res.status, 200);
    const series = decodeAnswer(res.text).sort((x, y) => x.labels.node!.localeCompare(y.labels.node!));
    assert.deepEqual(series.map((s) => ({ name: s.name, labels: s.labels, ts: [...s.ts] })), [
      { name: "node_load1", labels: { node: "a" }, ts: [T0, T0 + 15_000] },
      { name: "node_load1", labels: { node: "b" }, ts: [T0, T0 + 15_000] },
    ]);
    assert.equal(series[0]!.values[0], 1);
    assert.deepEqual([...new Uint32Array(series[0]!.values.buffer, 8, 2)], [STALE_NAN_LOW, STALE_NAN_HIGH], "the marker's own NaN");
    assert.deepEqual([...series[1]!.values], [0.5, 0.25]);
  });

  it("the range bounds the points; a series matched by several selectors comes once; __name__ regexes and label-only selectors work", async () => {
    const narrow = decodeAnswer((await post({ selectors: ['node_load1{node="a"}', "node_load1"], from: T0 + 1, to: T0 + 15_000 })).text);
    assert.deepEqual(narrow.map((s) => [s.labels.node, s.ts.length]).sort(), [["a", 1], ["b", 1]]);
    const byName = decodeAnswer((await post({ selectors: ['{__name__=~"node_.*", node="a"}'], from: T0, to: T0 })).text);
    assert.deepEqual(byName.map((s) => s.name).sort(), ["node_load1", "node_memory_free"]);
    assert.deepEqual((await post({ selectors: ["absent_metric"], from: T0, to: T0 })).json, { series: [] });
  });

  it("with points: false only which series match, with data in the range or anywhere without one", async () => {
    const all = await post({ selectors: ['{__name__=~"node_.*"}'], points: false });
    assert.equal(all.status, 200);
    assert.deepEqual(
      all.json.series.map((s: { name: string; labels: { node: string } }) => `${s.name}/${s.labels.node}`).sort(),
      ["node_load1/a", "node_load1/b", "node_memory_free/a"],
    );
    assert.ok(all.json.series.every((s: { ts: string; values: string }) => s.ts === "" && s.values === ""));
    const later = await post({ selectors: ['{__name__=~"node_.*"}'], points: false, from: T0 + 1, to: T0 + 60_000 });
    assert.deepEqual(later.json.series.map((s: { name: string }) => s.name).sort(), ["node_load1", "node_load1"]);
  });
});

describe("bad requests", () => {
  it("a body that is not a request is refused with 400 naming the field", async () => {
    const cases: [unknown, RegExp][] = [
      [{ from: T0, to: T0 }, /^invalid replica series request: selectors: expected a list of PromQL selectors/],
      [{ selectors: [], from: T0, to: T0 }, /selectors: expected at least one selector/],
      [{ selectors: Array.from({ length: 101 }, () => "up"), from: T0, to: T0 }, /selectors: expected at most 100 selectors/],
      [{ selectors: ["rate(up[5m])"], from: T0, to: T0 }, /selectors\[0\]: expected a vector selector such as node_load1\{node="a"\} \(no offset or @\)/],
      [{ selectors: ["up", "up offset 5m"], from: T0, to: T0 }, /selectors\[1\]: expected a vector selector/],
      [{ selectors: ['up{job="'], from: T0, to: T0 }, /selectors\[0\]: parse error at char 8: unterminated quoted string/],
      [{ selectors: ["up"], to: T0 }, /from: expected both from and to, or neither/],
      [{ selectors: ["up"] }, /from: required with points/],
      [{ selectors: ["up"], from: T0 + 1, to: T0 }, /to: expected to ≥ from/],
      [{ selectors: ["up"], from: "yesterday", to: T0 }, /from: expected ms since the epoch/],
      [{ selectors: ["up"], from: 1.5, to: T0 }, /from: expected a whole number of ms/],
      [{ selectors: ["up"], from: T0, to: T0, aggregate: "median" }, /aggregate: /],
      [{ selectors: ["up"], from: T0, to: T0, extra: 1 }, /extra|unrecognized/i],
    ];
    for (const [body, message] of cases) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.json.error, message, JSON.stringify(body));
    }
    const notJson = await post("{", { [REPLICA_KEY_HEADER]: KEY });
    assert.equal(notJson.status, 400);
    assert.match(notJson.json.error, /invalid JSON body/);
  });

  it("an answer beyond the bounds is refused with 422 saying which bound and how to narrow the query", async () => {
    const series = await post({ selectors: ["many"], points: false });
    assert.equal(series.status, 422);
    assert.match(series.json.error, /the selectors match more than 20 series on this replica: narrow the selectors or the time range/);
    const points = await post({ selectors: ['many{i=~"1.*"}', "node_load1", "node_memory_free"], from: T0, to: T0 + 60_000 });
    assert.equal(points.status, 200, "11 + 4 + 1 points are within 25");
    const tooMany = await post({ selectors: ["many"], from: T0, to: T0 + 60_000 });
    assert.equal(tooMany.status, 422);
    assert.match(tooMany.json.error, /more than 2\d (points|series) in \[\d+, \d+\] on this replica/);
  });
});
