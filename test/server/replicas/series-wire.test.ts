// The replica series wire format: columns as base64 of float64 bytes, so every value —
// staleness markers, other NaN payloads, ±Inf, -0 — arrives with the bits it left with.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeColumn, encodeColumn } from "../../../src/server/replicas/series-wire.js";
import { decodeAnswer } from "../../../src/server/replicas/peer-series-client.js";
import { STALE_NAN_HIGH, STALE_NAN_LOW } from "../../../src/promql/selection.js";

function bits(values: Float64Array): number[] {
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length * 2));
}

test("a column round-trips bit for bit: staleness marker, another NaN payload, ±Inf, -0, tiny and huge numbers", () => {
  const words = new Uint32Array([
    STALE_NAN_LOW, STALE_NAN_HIGH, // Prometheus' staleness marker
    0x00000001, 0x7ff80000, // a quiet NaN with a payload
    0, 0x7ff00000, // +Inf
    0, 0xfff00000, // -Inf
    0, 0x80000000, // -0
    1, 0, // the smallest subnormal
  ]);
  const column = new Float64Array(words.buffer);
  const mixed = Float64Array.from([...column, 1.5, -2.25e300, 1_700_000_000_123]);
  // Copy the bits in, not through numbers.
  new Uint32Array(mixed.buffer).set(words);
  const text = encodeColumn(mixed);
  assert.match(text, /^[A-Za-z0-9+/]+=*$/);
  const back = decodeColumn(text, "values");
  assert.deepEqual(bits(back), bits(mixed));
  assert.deepEqual(bits(back).slice(0, 2), [STALE_NAN_LOW, STALE_NAN_HIGH]);
  assert.equal(back[6], 1.5);
  assert.equal(back[8], 1_700_000_000_123);
});

test("a view into a larger buffer encodes only its own values; an empty column is the empty string", () => {
  const whole = Float64Array.from([1, 2, 3, 4]);
  assert.deepEqual([...decodeColumn(encodeColumn(whole.subarray(1, 3)), "ts")], [2, 3]);
  assert.equal(encodeColumn(new Float64Array(0)), "");
  assert.equal(decodeColumn("", "ts").length, 0);
});

test("text that is not a column is refused, naming it", () => {
  assert.throws(() => decodeColumn("not base64!", "series[0].ts"), /series\[0\]\.ts: not base64/);
  assert.throws(() => decodeColumn(Buffer.from([1, 2, 3, 4]).toString("base64"), "series[1].values"), /series\[1\]\.values: 4 bytes is not a whole number of float64 values/);
});

test("an answer whose columns disagree or go back in time is refused", () => {
  const ts = encodeColumn(Float64Array.from([1, 2]));
  const one = encodeColumn(Float64Array.from([1]));
  const back = encodeColumn(Float64Array.from([2, 1]));
  assert.deepEqual(
    decodeAnswer(JSON.stringify({ series: [{ name: "up", labels: { a: "b" }, ts, values: ts }] })).map((s) => ({ ...s, ts: [...s.ts], values: [...s.values] })),
    [{ name: "up", labels: { a: "b" }, ts: [1, 2], values: [1, 2] }],
  );
  assert.throws(() => decodeAnswer(JSON.stringify({ series: [{ name: "up", labels: {}, ts, values: one }] })), /series\[0\] \(up\): 2 timestamps but 1 values/);
  assert.throws(() => decodeAnswer(JSON.stringify({ series: [{ name: "up", labels: {}, ts: back, values: ts }] })), /timestamps not in ascending order/);
  assert.throws(() => decodeAnswer("<html>"), /not JSON/);
  assert.throws(() => decodeAnswer(JSON.stringify({ series: [{ name: 1 }] })), /not a series list: series\.0\.name/);
});
