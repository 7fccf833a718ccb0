import { test } from "node:test";
import assert from "node:assert/strict";
import { XorChunkAppender } from "../../../src/tsdb/chunk/xor-appender.js";
import { allocateDecodeTarget, decodeChunk } from "../../../src/tsdb/chunk/xor-decoder.js";
import { RAW_VALUES, readHeader } from "../../../src/tsdb/chunk/chunk-format.js";
import { seededRandom, type SeededRandom } from "../seeded-random.js";

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const fromBits = (hi: number, lo: number): number => {
  u32[1] = hi;
  u32[0] = lo;
  return f64[0]!;
};
const hex = (hi: number, lo: number) => `0x${hi.toString(16).padStart(8, "0")}${lo.toString(16).padStart(8, "0")}`;

/** Bit patterns that break naive float codecs, as [hi, lo]. */
const SPECIAL_BITS: [number, number][] = [
  [0x00000000, 0x00000000], // +0
  [0x80000000, 0x00000000], // -0
  [0x7ff00000, 0x00000000], // +Inf
  [0xfff00000, 0x00000000], // -Inf
  [0x7ff80000, 0x00000000], // the canonical quiet NaN
  [0x7ff80000, 0xdeadbeef], // quiet NaN with a payload
  [0xfff80000, 0x00000001], // negative quiet NaN with a payload
  [0x7ff00000, 0x00000001], // signaling NaN (a JS number cannot carry it)
  [0x7ff7ffff, 0xffffffff], // signaling NaN, all payload bits
  [0xffffffff, 0xffffffff], // all ones: a negative NaN
  [0x00000000, 0x00000001], // smallest subnormal
  [0x800fffff, 0xffffffff], // largest negative subnormal
  [0x00100000, 0x00000000], // smallest normal
  [0x7fefffff, 0xffffffff], // largest finite
  [0x3ff00000, 0x00000001], // 1 + ε
];

type ValueKind = (random: SeededRandom, previous: [number, number]) => [number, number];

const valueKinds: Record<string, ValueKind> = {
  anyBits: (random) => [random.uint32(), random.uint32()],
  special: (random) => random.pick(SPECIAL_BITS),
  repeat: (_random, previous) => previous,
  nearbyBits: (random, [hi, lo]) => [hi, (lo ^ (random.uint32() >>> random.int(0, 31))) >>> 0],
  fewDecimals: (random) => bitsOf(Number((random.next() * 10 ** random.int(0, 6)).toFixed(random.int(0, 4)))),
  negativeDecimal: (random) => bitsOf(-Number((random.next() * 100).toFixed(2))),
  integer: (random) => bitsOf(random.int(-(2 ** 31), 2 ** 31)),
  hugeOrTiny: (random) => bitsOf((random.next() < 0.5 ? 1 : -1) * random.next() * 10 ** random.int(-320, 308)),
  fullPrecision: (random) => bitsOf(random.next()),
};

function bitsOf(x: number): [number, number] {
  f64[0] = x;
  return [u32[1]!, u32[0]!];
}

type Rows = { ts: number[]; bits: Uint32Array };

/** A random chunk's rows: timestamps with regular, jittered, irregular and huge steps; values of mixed kinds. */
function randomRows(random: SeededRandom, columns: number): Rows {
  const count = random.int(1, random.next() < 0.2 ? 3000 : 400);
  const ts: number[] = [];
  const bits = new Uint32Array(2 * columns * count);
  const maxStart = random.next() < 0.1 ? Number.MAX_SAFE_INTEGER - count * 2 ** 20 : 2 ** 41;
  let t = random.int(0, Math.floor(maxStart / 2 ** 20)) * 2 ** 20 + random.int(0, 2 ** 20 - 1);
  const interval = random.pick([1, 10, 1000, 15_000, 60_000]);
  const kinds = Array.from({ length: columns }, () => random.pick(Object.keys(valueKinds)));
  const previous: [number, number][] = Array.from({ length: columns }, () => [0, 0]);
  for (let i = 0; i < count; i++) {
    ts.push(t);
    for (let c = 0; c < columns; c++) {
      const kind = random.next() < 0.1 ? random.pick(Object.keys(valueKinds)) : kinds[c]!;
      const [hi, lo] = valueKinds[kind]!(random, previous[c]!);
      previous[c] = [hi, lo];
      bits[2 * (i * columns + c)] = lo;
      bits[2 * (i * columns + c) + 1] = hi;
    }
    const step = random.next();
    if (step < 0.6) t += interval;
    else if (step < 0.85) t += Math.max(1, interval + random.int(-50, 50));
    else if (step < 0.97) t += random.int(1, 10_000_000);
    else t += random.int(1, 2 ** 20) * (random.next() < 0.5 ? 1 : 2 ** 20);
    if (t > Number.MAX_SAFE_INTEGER) break;
  }
  return { ts, bits: bits.subarray(0, 2 * columns * ts.length) };
}

function assertRoundTrip(bytes: Uint8Array, rows: Rows, columns: number, context: string): void {
  const target = allocateDecodeTarget(columns, 0);
  const count = decodeChunk(bytes, target);
  assert.equal(count, rows.ts.length, `${context}: sample count`);
  for (let i = 0; i < count; i++) {
    assert.equal(target.ts[i], rows.ts[i], `${context}: ts of sample ${i}`);
    for (let c = 0; c < columns; c++) {
      const wantLo = rows.bits[2 * (i * columns + c)]!;
      const wantHi = rows.bits[2 * (i * columns + c) + 1]!;
      const gotLo = target.valueBits[c]![2 * i]!;
      const gotHi = target.valueBits[c]![2 * i + 1]!;
      if (gotLo !== wantLo || gotHi !== wantHi) {
        assert.fail(`${context}: sample ${i} column ${c}: wrote ${hex(wantHi, wantLo)}, read ${hex(gotHi, gotLo)}`);
      }
    }
  }
}

test("random chunks round-trip bit-exactly: NaN payloads, signaling NaNs, ±Inf, -0, subnormals, irregular steps", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const random = seededRandom(seed);
    const columns = random.next() < 0.8 ? 1 : random.int(2, 4);
    const rows = randomRows(random, columns);
    const appender = new XorChunkAppender(columns);
    for (let i = 0; i < rows.ts.length; i++) appender.appendRowBits(rows.ts[i]!, rows.bits, 2 * columns * i);
    assert.equal(appender.count, rows.ts.length);
    assert.equal(appender.minTs, rows.ts[0]);
    assert.equal(appender.maxTs, rows.ts.at(-1));
    const bytes = appender.bytes();
    assert.equal(bytes.length, appender.byteLength);
    assertRoundTrip(bytes, rows, columns, `seed ${seed}`);
    // A checkpointed head rebuilt from its bytes decodes the same and encodes what follows the same.
    const restored = XorChunkAppender.fromBytes(bytes);
    assert.deepEqual(restored.bytes(), bytes, `seed ${seed}: fromBytes re-encodes identically`);
    const next = new Array<number>(columns).fill(0.5);
    restored.appendRow(rows.ts.at(-1)! + 1000, next);
    appender.appendRow(rows.ts.at(-1)! + 1000, next);
    assert.deepEqual(restored.bytes(), appender.bytes(), `seed ${seed}: appends after a restore`);
  }
});

test("values given as JS numbers round-trip with the same bits (quiet NaN payloads included)", () => {
  const random = seededRandom(77);
  const values = [
    0, -0, Infinity, -Infinity, Number.NaN, fromBits(0x7ff80000, 0xdeadbeef), fromBits(0xfff80000, 1),
    Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, Number.EPSILON, 2 ** 53, 2 ** 53 + 2,
    0.1, 0.2, 0.30000000000000004, 1e-300, 1e300, 123456.789, -0.001,
  ];
  for (let i = 0; i < 2000; i++) values.push(random.pick(values) * (random.next() < 0.3 ? 1 : random.next()));
  const appender = new XorChunkAppender();
  values.forEach((v, i) => appender.append(1_700_000_000_000 + i * 997 + (i % 7), v));
  const target = allocateDecodeTarget(1, 0);
  decodeChunk(appender.bytes(), target);
  values.forEach((v, i) => {
    const [wantHi, wantLo] = bitsOf(v);
    const [gotHi, gotLo] = bitsOf(target.values[0]![i]!);
    assert.ok(wantHi === gotHi && wantLo === gotLo, `sample ${i}: ${v} came back as ${target.values[0]![i]} (${hex(gotHi, gotLo)})`);
  });
});

test("a chunk widens its decimal scale as values need more digits, and goes raw when none holds them", () => {
  const values = [3, 0.5, 0.25, 0.125, 0.0625, 7.1, 0.1234567, 1 / 3, 42, -0, 2.5];
  const scales: number[] = [];
  const appender = new XorChunkAppender();
  values.forEach((v, i) => {
    appender.append(i * 1000, v);
    scales.push(readHeader(appender.bytes()).scales[0]!);
  });
  assert.deepEqual(scales, [0, 1, 2, 3, 4, 4, 7, RAW_VALUES, RAW_VALUES, RAW_VALUES, RAW_VALUES]);
  const target = allocateDecodeTarget(1, 0);
  decodeChunk(appender.bytes(), target);
  values.forEach((v, i) => assert.ok(Object.is(target.values[0]![i], v), `sample ${i}: ${v} came back as ${target.values[0]![i]}`));
});

test("regular timestamps and repeated values cost about 2 bits a sample; 2-decimal gauges a few bits", () => {
  const constant = new XorChunkAppender();
  for (let i = 0; i < 1000; i++) constant.append(1_700_000_000_000 + i * 1000, 16_777_216);
  assert.ok(constant.byteLength < 1000 * 2 / 8 + 40, `constant series: ${constant.byteLength} bytes for 1000 samples`);

  const random = seededRandom(5);
  const gauge = new XorChunkAppender();
  let level = 0.42;
  for (let i = 0; i < 1000; i++) {
    level = Math.min(1, Math.max(0, level + (random.next() - 0.5) * 0.02));
    gauge.append(1_700_000_000_000 + i * 1000 + random.int(-3, 3), Number(level.toFixed(2)));
  }
  // Raw Gorilla XOR spends ~50 bits on each change of a 2-decimal value; as integers it is a few.
  assert.ok(gauge.byteLength / 1000 < 2, `2-decimal gauge: ${(gauge.byteLength / 1000).toFixed(2)} bytes/sample`);
});

test("bad timestamps are refused with the reason; a truncated or corrupt chunk fails to decode", () => {
  const appender = new XorChunkAppender();
  assert.throws(() => appender.append(-1, 1), /integer ms in \[0, 2\^53\)/);
  assert.throws(() => appender.append(1.5, 1), /integer ms/);
  assert.throws(() => appender.append(Number.NaN, 1), /integer ms/);
  appender.append(1000, 1);
  assert.throws(() => appender.append(1000, 2), /must increase: 1000 after 1000/);
  assert.throws(() => new XorChunkAppender(0), /columns must be an integer in 1\.\.8/);
  for (let i = 1; i < 50; i++) appender.append(1000 + i * 1000, Math.random());
  const bytes = appender.bytes();
  const target = allocateDecodeTarget(1, 0);
  assert.throws(() => decodeChunk(bytes.subarray(0, bytes.length - 20), target), /truncated/);
  const wrongVersion = bytes.slice();
  wrongVersion[0] = 9;
  assert.throws(() => decodeChunk(wrongVersion, target), /unknown chunk format version 9/);
});
