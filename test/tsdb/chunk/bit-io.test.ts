import { test } from "node:test";
import assert from "node:assert/strict";
import { BitWriter } from "../../../src/tsdb/chunk/bit-writer.js";
import { BitReader } from "../../../src/tsdb/chunk/bit-reader.js";
import { seededRandom } from "../seeded-random.js";

test("bits read back in the order and widths they were written, across byte boundaries and growth", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const random = seededRandom(seed);
    const writer = new BitWriter(1);
    const written: [number, number][] = [];
    for (let i = 0; i < 5000; i++) {
      const width = random.int(0, 32);
      const value = width === 32 ? random.uint32() : random.uint32() % 2 ** width;
      if (width === 1 && random.next() < 0.5) writer.writeBit(value);
      else writer.writeBits(value, width);
      written.push([value, width]);
    }
    const reader = new BitReader(writer.view(), 0, writer.bitLength);
    for (const [value, width] of written) assert.equal(reader.readBits(width), value, `seed ${seed}`);
    assert.equal(reader.bitPosition, writer.bitLength);
  }
});

test("the first bit written is the top bit of the first byte", () => {
  const writer = new BitWriter();
  writer.writeBit(1);
  writer.writeBits(0b01, 2);
  writer.writeBits(0xabc, 12);
  assert.deepEqual([...writer.view()], [0b1011_0101, 0b0111_1000]);
  assert.equal(writer.bitLength, 15);
});

test("reading past the end is an error, not zeros", () => {
  const writer = new BitWriter();
  writer.writeBits(5, 3);
  const reader = new BitReader(writer.view(), 0, writer.bitLength);
  assert.equal(reader.readBits(3), 5);
  assert.throws(() => reader.readBit(), /truncated/);
  assert.throws(() => new BitReader(new Uint8Array(2)).readBits(17), /truncated/);
});

test("reset forgets the bits and the writer can be reused", () => {
  const writer = new BitWriter(2);
  writer.writeBits(0xffffffff, 32);
  writer.reset();
  writer.writeBits(1, 2);
  assert.equal(writer.bitLength, 2);
  assert.deepEqual([...writer.view()], [0b0100_0000]);
});
