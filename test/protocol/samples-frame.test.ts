// The binary samples frame (src/protocol/samples-frame.ts): what an agent encodes decodes to
// the same samples; every malformed frame — truncated, padded, random bytes, one part broken —
// is refused with an error naming the part and the byte, never a throw; and a connection's
// series table cache hands back the same series only for a byte-identical table.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { PROTOCOL_VERSION, sampleSchema, type Sample } from "../../src/protocol/messages.js";
import { samplesOfColumns, type SeriesKey } from "../../src/protocol/sample-columns.js";
import {
  SAMPLES_FRAME_LAYOUT,
  SamplesFrameWriter,
  SeriesTableCache,
  decodeSamplesFrame,
  encodeSamplesFrame,
  encodeSeriesTable,
  type DecodedSamplesFrame,
} from "../../src/protocol/samples-frame.js";

const RUNS = 2000;

/** What the JSON schema accepts as a sample: the binary form must carry exactly these. */
const sampleArb: fc.Arbitrary<Sample> = fc.record({
  name: fc.oneof(fc.constantFrom("node_load1", "cpu", "m"), fc.string({ minLength: 1, maxLength: 20, unit: "grapheme" })),
  labels: fc.dictionary(fc.oneof(fc.constantFrom("node", "cpu", "__proto__", "constructor"), fc.string({ maxLength: 12, unit: "grapheme" })), fc.string({ maxLength: 12, unit: "grapheme" }), { maxKeys: 4 }),
  ts: fc.oneof(fc.integer({ min: 0, max: 2_000_000_000_000 }), fc.constantFrom(0, Number.MAX_SAFE_INTEGER)),
  value: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1.5, Number.MAX_VALUE, -Number.MIN_VALUE)),
});

/** The decoder's answer, checked for shape: a short error or a message. */
function decode(frame: Buffer, cache?: SeriesTableCache): DecodedSamplesFrame {
  const result = decodeSamplesFrame(frame, cache);
  if (!result.ok) {
    assert.match(result.error, /^invalid samples frame: /);
    assert.ok(result.error.length < 500, `a short error: ${result.error.slice(0, 600)}`);
  }
  return result;
}

function decoded(frame: Buffer, cache?: SeriesTableCache) {
  const result = decode(frame, cache);
  if (!result.ok) assert.fail(result.error);
  return result.message;
}

/** Labels compared as JSON.parse would build them: own properties, "__proto__" included. */
const plain = (samples: Sample[]) => samples.map((s) => ({ ...s, labels: Object.entries(s.labels) }));

test("round trip: any samples the JSON schema accepts come back equal, in order, with seq and v", () => {
  fc.assert(
    fc.property(fc.array(sampleArb, { maxLength: 40 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (samples, seq) => {
      for (const s of samples) assert.ok(sampleSchema.safeParse(s).success, "the generator makes only valid samples");
      const m = decoded(encodeSamplesFrame(seq, samples));
      assert.equal(m.type, "samples");
      assert.equal(m.v, PROTOCOL_VERSION);
      assert.equal(m.seq, seq);
      const back = samplesOfColumns(m.columns);
      assert.deepEqual(plain(back), plain(samples));
      // -0 stays -0 (Object.is), bit for bit.
      back.forEach((s, i) => assert.ok(Object.is(s.value, samples[i]!.value)));
    }),
    { numRuns: RUNS },
  );
});

test("a collection (K series at one ts) shares its series table and costs about 11 bytes a sample", () => {
  const samples: Sample[] = Array.from({ length: 500 }, (_, i) => ({ name: `metric_${i % 8}`, labels: { node: "node-a", device: `d-${i}` }, ts: 1_700_000_000_123, value: i / 7 }));
  const frame = encodeSamplesFrame(9, samples);
  const table = encodeSeriesTable(samples);
  assert.ok(frame.includes(table), "the frame carries the table as encodeSeriesTable writes it");
  const perSample = (frame.length - table.length) / samples.length;
  assert.ok(perSample < 11, `${perSample} bytes a sample besides the table`);
  const m = decoded(frame);
  assert.equal(m.columns.series.length, 500);
  assert.deepEqual(samplesOfColumns(m.columns), samples);
});

test("the same series twice in a frame are one table entry", () => {
  const s = (ts: number, value: number): Sample => ({ name: "m", labels: { node: "a" }, ts, value });
  const m = decoded(encodeSamplesFrame(1, [s(10, 1), s(20, 2), s(5, 3)]));
  assert.equal(m.columns.series.length, 1);
  assert.deepEqual([...m.columns.seriesOf], [0, 0, 0]);
  assert.deepEqual([...m.columns.ts], [10, 20, 5], "timestamps may go back within a frame (signed deltas)");
});

test("the series table cache: the same table bytes give the same series objects; another table is decoded", () => {
  const cache = new SeriesTableCache();
  const series: SeriesKey[] = [
    { name: "m", labels: { node: "a" } },
    { name: "n", labels: { node: "a", cpu: "0" } },
  ];
  const table = encodeSeriesTable(series);
  const writer = new SamplesFrameWriter();
  const first = decoded(writer.frame(1, table, [0, 1], [100, 100], new Float64Array([1, 2])), cache);
  const second = decoded(writer.frame(2, table, [1, 0], [200, 200], new Float64Array([3, 4])), cache);
  assert.equal(second.columns.series, first.columns.series, "the cached series, not a new decode");
  assert.deepEqual(samplesOfColumns(second.columns), [
    { name: "n", labels: { node: "a", cpu: "0" }, ts: 200, value: 3 },
    { name: "m", labels: { node: "a" }, ts: 200, value: 4 },
  ]);
  const other = decoded(writer.frame(3, encodeSeriesTable([{ name: "m", labels: { node: "b" } }]), [0], [300], new Float64Array([5])), cache);
  assert.notEqual(other.columns.series, first.columns.series);
  assert.deepEqual(other.columns.series, [{ name: "m", labels: { node: "b" } }]);
  // A frame decoded without the cache is the same message.
  assert.deepEqual(decoded(writer.frame(2, table, [1, 0], [200, 200], new Float64Array([3, 4]))), second);
});

/** A valid frame of two series and two samples, for breaking one part at a time. */
function validFrame(): Buffer {
  return new SamplesFrameWriter().frame(
    7,
    encodeSeriesTable([
      { name: "m", labels: { node: "a" } },
      { name: "n", labels: {} },
    ]),
    [0, 1],
    [1000, 1000],
    new Float64Array([1.5, 2.5]),
  );
}

/** Builds a frame by hand: header fields and raw parts, so that each can be wrong. */
function frameOf(parts: { magic?: number[]; layout?: number; v?: number; seq?: number[]; table: number[]; tableLength?: number[]; samples: number[] }): Buffer {
  const table = Buffer.from(parts.table);
  return Buffer.from([
    ...(parts.magic ?? [0x56, 0x53]),
    parts.layout ?? SAMPLES_FRAME_LAYOUT,
    parts.v ?? PROTOCOL_VERSION,
    ...(parts.seq ?? [7]),
    ...(parts.tableLength ?? [table.length]),
    ...table,
    ...parts.samples,
  ]);
}
const f64 = (x: number) => [...new Uint8Array(new Float64Array([x]).buffer)];
/** Strings "m", "node", "a"; series 0 = m{node="a"}. */
const TABLE = [3, 1, 0x6d, 4, 0x6e, 0x6f, 0x64, 0x65, 1, 0x61, 1, 0, 1, 1, 2];
/** One sample of series 0 at ts 1000 (+1000: 1000 % 64 = 40 → 80 | 0x80 = 0xd0, then 1000 / 64 = 15) with value 1.5. */
const ONE_SAMPLE = [1, 0, 0xd0, 0x0f, ...f64(1.5)];

test("a hand-built frame decodes as documented (the layout in the module header)", () => {
  const m = decoded(frameOf({ table: TABLE, samples: ONE_SAMPLE }));
  assert.deepEqual(samplesOfColumns(m.columns), [{ name: "m", labels: { node: "a" }, ts: 1000, value: 1.5 }]);
  assert.equal(m.seq, 7);
});

test("each malformed part is refused with an error naming it and its byte", () => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ["not a samples frame", Buffer.from('{"type":"samples"}'), /magic at byte 0: expected "VS"/],
    ["empty", Buffer.alloc(0), /magic at byte 0: the frame ends/],
    ["unknown layout", frameOf({ layout: 2, table: TABLE, samples: ONE_SAMPLE }), /layout at byte 2: expected 1, got 2/],
    ["wrong protocol version", frameOf({ v: 9, table: TABLE, samples: ONE_SAMPLE }), /v at byte 3: expected protocol version v: 1, got 9/],
    ["seq 0", frameOf({ seq: [0], table: TABLE, samples: ONE_SAMPLE }), /seq at byte 4: expected a positive integer, got 0/],
    ["seq varint too long", frameOf({ seq: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1], table: TABLE, samples: ONE_SAMPLE }), /seq at byte 4: varint longer than 8 bytes/],
    ["seq above 2^53", frameOf({ seq: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], table: TABLE, samples: ONE_SAMPLE }), /seq at byte 4: varint above 2\^53/],
    ["table longer than the frame", frameOf({ tableLength: [100], table: TABLE, samples: [] }), /series table length at byte 5: 100 is more than the rest of the frame/],
    ["string index out of range", frameOf({ table: [3, 1, 0x6d, 4, 0x6e, 0x6f, 0x64, 0x65, 1, 0x61, 1, 5, 0], samples: [0] }), /series\[0\]\.name at byte \d+: 5 is not one of the 3 strings of the table/],
    ["empty metric name", frameOf({ table: [1, 0, 1, 0, 0], samples: [0] }), /series\[0\]\.name at byte \d+: expected a metric name, got an empty string/],
    ["a label twice", frameOf({ table: [3, 1, 0x6d, 4, 0x6e, 0x6f, 0x64, 0x65, 1, 0x61, 1, 0, 2, 1, 2, 1, 0], samples: [0] }), /series\[0\]\.labels at byte \d+: label "node" appears twice/],
    ["invalid UTF-8", frameOf({ table: [1, 2, 0xc3, 0x28, 1, 0, 0], samples: [0] }), /strings\[0\] at byte \d+: not valid UTF-8/],
    ["table with bytes left over", frameOf({ table: [...TABLE, 0], samples: ONE_SAMPLE }), /series table: 1 bytes after its last series/],
    ["series index out of range", frameOf({ table: TABLE, samples: [1, 4, 0xd0, 0x0f, ...f64(1.5)] }), /samples\[0\]\.series at byte \d+: 4 is not one of the 1 series of the table/],
    ["negative ts", frameOf({ table: TABLE, samples: [1, 0, 0x03, ...f64(1.5)] }), /samples\[0\]\.ts at byte \d+: expected an integer ms timestamp ≥ 0, got -1/],
    ["NaN value", frameOf({ table: TABLE, samples: [1, 0, 0xd0, 0x0f, ...f64(Number.NaN)] }), /samples\[0\]\.value at byte \d+: expected a finite number, got NaN/],
    ["infinite value", frameOf({ table: TABLE, samples: [1, 0, 0xd0, 0x0f, ...f64(-Infinity)] }), /samples\[0\]\.value at byte \d+: expected a finite number, got -Infinity/],
    ["more samples than bytes", frameOf({ table: TABLE, samples: [0xff, 0xff, 0x7f, 0] }), /sample count at byte \d+: 2097151 samples cannot fit in the rest of the frame/],
    ["values cut short", frameOf({ table: TABLE, samples: ONE_SAMPLE.slice(0, -1) }), /values at byte \d+: the frame ends|sample count/],
    ["bytes after the values", frameOf({ table: TABLE, samples: [...ONE_SAMPLE, 0] }), /1 bytes after the last value/],
  ];
  for (const [what, frame, error] of cases) {
    const result = decode(frame);
    assert.equal(result.ok, false, `${what}: refused`);
    if (!result.ok) assert.match(result.error, error, what);
  }
});

test("fuzz: random bytes, truncations and single-byte changes never throw and never pass a bad sample", () => {
  const valid = validFrame();
  const check = (frame: Buffer) => {
    const result = decode(frame);
    if (!result.ok) return;
    // Whatever decodes is samples the JSON schema would accept too.
    for (const s of samplesOfColumns(result.message.columns)) assert.ok(sampleSchema.safeParse(s).success, JSON.stringify(s));
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => check(Buffer.from(bytes))), { numRuns: RUNS });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => check(Buffer.concat([valid.subarray(0, 4), Buffer.from(bytes)]))), { numRuns: RUNS });
  for (let cut = 0; cut < valid.length; cut++) assert.equal(decode(valid.subarray(0, cut)).ok, false, `cut at ${cut}`);
  fc.assert(
    fc.property(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), (at, byte) => {
      const changed = Buffer.from(valid);
      changed[at] = byte;
      check(changed);
    }),
    { numRuns: RUNS },
  );
});
