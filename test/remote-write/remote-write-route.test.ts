// POST /api/v1/write on a real fastify with the real series store (SQLite in a temp dir):
// a WriteRequest's samples are stored with their labels and values; a bad body — not
// snappy, not protobuf, no __name__, native histograms, remote-write 2.0 — gets a 4xx
// naming the problem and stores nothing; samples the store refuses are answered with 400.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import snappy from "snappyjs";
import { registerRemoteWriteRoute } from "../../src/server/http/remote-write-route.js";
import { CompressedSeriesStore } from "../../src/tsdb/compressed-store.js";
import { ManualClock } from "../../src/util/clock.js";
import { compressedWriteRequest, encodeWriteRequest, ProtobufWriter } from "./encode-write-request.js";

const NOW = Date.parse("2025-06-07T21:00:00Z");
let dir: string;
let store: CompressedSeriesStore;
let http: FastifyInstance;
let base: string;
const statuses: number[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "vigil-remote-write-"));
  store = CompressedSeriesStore.open({ path: join(dir, "tsdb.db"), clock: new ManualClock(NOW) });
  http = Fastify();
  registerRemoteWriteRoute(http, { ingest: (samples) => store.append(samples), onRequest: (status) => statuses.push(status) });
  base = await http.listen({ host: "127.0.0.1", port: 0 });
});

after(async () => {
  await http.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const HEADERS = { "content-type": "application/x-protobuf", "content-encoding": "snappy", "x-prometheus-remote-write-version": "0.1.0" };

async function post(body: Uint8Array, headers: Record<string, string> = HEADERS): Promise<{ status: number; text: string }> {
  const r = await fetch(`${base}/api/v1/write`, { method: "POST", body: Buffer.from(body), headers });
  return { status: r.status, text: await r.text() };
}

describe("POST /api/v1/write", () => {
  it("stores every sample of a WriteRequest under its name and labels, bit for bit, and answers 204", async () => {
    const body = compressedWriteRequest([
      { labels: { __name__: "rw_cpu_seconds_total", cpu: "0", mode: "idle", instance: "a:9100", job: "node" }, samples: [{ ts: NOW - 2000, value: 1234.56 }, { ts: NOW - 1000, value: 1235.5 }] },
      { labels: { __name__: "rw_special", kind: "values" }, samples: [{ ts: NOW - 3000, value: NaN }, { ts: NOW - 2000, value: Infinity }, { ts: NOW - 1000, value: -0.125e-300 }] },
    ]);
    const r = await post(body);
    assert.equal(r.status, 204, r.text);
    const cpu = store.range("rw_cpu_seconds_total", { cpu: "0" }, 0, NOW);
    assert.deepEqual(cpu, [{ name: "rw_cpu_seconds_total", labels: { cpu: "0", mode: "idle", instance: "a:9100", job: "node" }, points: [{ ts: NOW - 2000, value: 1234.56 }, { ts: NOW - 1000, value: 1235.5 }] }]);
    const special = store.range("rw_special", {}, 0, NOW)[0]!.points.map((p) => p.value);
    assert.ok(Number.isNaN(special[0]));
    assert.deepEqual(special.slice(1), [Infinity, -0.125e-300]);
  });

  it("drops Prometheus staleness markers and ignores metadata, exemplars and unknown fields", async () => {
    const stale = new Uint8Array(8);
    new DataView(stale.buffer).setUint32(0, 0x00000002, true);
    new DataView(stale.buffer).setUint32(4, 0x7ff00000, true);
    const series = [{ labels: { __name__: "rw_stale" }, samples: [{ ts: NOW - 2000, value: 5 }, { ts: NOW - 1000, value: 0 }], rawValues: [encodeDouble(5), stale] }];
    const withMetadata = encodeWriteRequest(series, (w) => w.bytes(3, new ProtobufWriter().varint(8).varint(1).string(2, "rw_stale").done()).bytes(15, new Uint8Array([1, 2, 3])));
    const r = await post(snappy.compress(Buffer.from(withMetadata)));
    assert.equal(r.status, 204, r.text);
    assert.deepEqual(store.range("rw_stale", {}, 0, NOW)[0]!.points, [{ ts: NOW - 2000, value: 5 }]);
  });

  it("refuses a bad body with a 4xx naming the problem, storing nothing of it", async () => {
    const before = store.stats().samples;
    const cases: [Uint8Array, Record<string, string>, number, RegExp][] = [
      [Buffer.from("definitely not snappy"), HEADERS, 400, /not snappy-compressed \(block format\)/],
      [snappy.compress(Buffer.from([0x0a, 0x05, 0x0a, 0x03])), HEADERS, 400, /not a protobuf WriteRequest: at byte 1: length 5 runs past the end of its message/],
      [snappy.compress(Buffer.from([0x0b])), HEADERS, 400, /not a protobuf WriteRequest: at byte 1: unsupported wire type 3/],
      [
        compressedWriteRequest([
          { labels: { __name__: "rw_good" }, samples: [{ ts: NOW, value: 1 }] },
          { labels: { job: "x" }, samples: [{ ts: NOW, value: 1 }] },
        ]),
        HEADERS,
        400,
        /timeseries\[1\] has no __name__ label \(labels \{"job":"x"\}\)/,
      ],
      [compressedWriteRequest([{ labels: { __name__: "rw_dup", a: "1" }, samples: [] }]).subarray(0, 0), HEADERS, 400, /empty body/],
      [compressedWriteRequest([{ labels: { __name__: "rw_x" }, samples: [{ ts: NOW, value: 1 }] }]), { ...HEADERS, "content-type": "application/x-protobuf;proto=io.prometheus.write.v2.Request" }, 415, /remote-write 2\.0/],
      [compressedWriteRequest([{ labels: { __name__: "rw_x" }, samples: [{ ts: NOW, value: 1 }] }]), { ...HEADERS, "content-encoding": "gzip" }, 415, /Content-Encoding "gzip" is not supported; expected snappy/],
      [compressedWriteRequest([{ labels: { __name__: "rw_x" }, samples: [{ ts: NOW, value: 1 }] }]), { ...HEADERS, "content-type": "application/json" }, 415, /expected application\/x-protobuf/],
    ];
    for (const [body, headers, status, message] of cases) {
      const r = await post(body, headers);
      assert.equal(r.status, status, `${message}: ${r.text}`);
      assert.match(r.text, message);
    }
    // timeseries { labels; histograms = 4 { count_int = 1: 3 } }
    const series = new ProtobufWriter().bytes(1, new ProtobufWriter().string(1, "__name__").string(2, "rw_hist").done()).bytes(4, new ProtobufWriter().tag(1, 0).varint(3).done()).done();
    const r = await post(snappy.compress(Buffer.from(new ProtobufWriter().bytes(1, series).done())));
    assert.equal(r.status, 400);
    assert.match(r.text, /timeseries\[0\] \(rw_hist\) carries native histograms/);
    assert.equal(store.stats().samples, before, "nothing of a refused request is stored");
    assert.deepEqual(store.find("rw_good"), []);
  });

  it("accepts a request without the version header or content type (lenient), and answers 400 for samples the store refuses", async () => {
    const first = await post(compressedWriteRequest([{ labels: { __name__: "rw_order" }, samples: [{ ts: NOW - 1000, value: 1 }] }]), {});
    assert.equal(first.status, 204, first.text);
    const again = await post(compressedWriteRequest([{ labels: { __name__: "rw_order" }, samples: [{ ts: NOW - 5000, value: 0 }, { ts: NOW - 500, value: 2 }] }]));
    assert.equal(again.status, 400);
    assert.match(again.text, /1 of 2 samples were not stored: out of order, duplicate/);
    assert.deepEqual(store.range("rw_order", {}, 0, NOW)[0]!.points.map((p) => p.value), [1, 2]);
    assert.ok(statuses.includes(415) && statuses.includes(204));
  });
});

function encodeDouble(value: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, value, true);
  return b;
}
