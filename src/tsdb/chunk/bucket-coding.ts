// Signed integers in prefix-coded width buckets, as Gorilla stores timestamp delta-of-deltas:
// '0' is zero; k ones and a zero select the k-th width's bits of two's complement; one more
// one than there are widths escapes to 64 bits. Small values, the common case, cost a few bits.
import type { BitReader } from "./bit-reader.js";
import type { BitWriter } from "./bit-writer.js";

const TWO_POW_32 = 2 ** 32;

/** A bucket layout with its bounds precomputed (the hot loops avoid Math.pow). */
export interface BucketTable {
  readonly widths: readonly number[];
  /** 2^(width − 1): bucket k holds [−half, half). */
  readonly halves: readonly number[];
  /** The control code of bucket k: k + 1 ones and a zero, k + 2 bits. */
  readonly controls: readonly number[];
  readonly escape: number;
  readonly escapeBits: number;
}

export function bucketTable(widths: readonly number[]): BucketTable {
  if (widths.some((w) => !Number.isInteger(w) || w < 1 || w > 32)) throw new RangeError(`bucket widths must be 1..32 bits, got ${widths}`);
  return {
    widths,
    halves: widths.map((w) => 2 ** (w - 1)),
    controls: widths.map((_, k) => (1 << (k + 2)) - 2),
    escape: (1 << (widths.length + 1)) - 1,
    escapeBits: widths.length + 1,
  };
}

/** Writes an integer with |x| ≤ 2^53 in the first bucket that holds it. */
export function writeBucketed(w: BitWriter, x: number, table: BucketTable): void {
  if (x === 0) {
    w.writeBit(0);
    return;
  }
  const { widths, halves, controls } = table;
  for (let k = 0; k < widths.length; k++) {
    const half = halves[k]!;
    if (x >= -half && x < half) {
      const width = widths[k]!;
      // Two's complement: x fits an int32 here and only its low `width` bits are written.
      const payload = x & (2 * half - 1);
      if (k + 2 + width <= 32) {
        w.writeBits(((controls[k]! << width) | payload) >>> 0, k + 2 + width);
      } else {
        w.writeBits(controls[k]!, k + 2);
        w.writeBits(payload, width);
      }
      return;
    }
  }
  w.writeBits(table.escape, table.escapeBits);
  writeSigned64(w, x);
}

export function readBucketed(r: BitReader, table: BucketTable): number {
  const widths = table.widths;
  let ones = 0;
  while (ones <= widths.length && r.readBit() === 1) ones++;
  if (ones === 0) return 0;
  if (ones > widths.length) return readSigned64(r);
  const value = r.readBits(widths[ones - 1]!);
  const half = table.halves[ones - 1]!;
  return value >= half ? value - 2 * half : value;
}

/** Writes an integer with |x| ≤ 2^53 as 64-bit two's complement. */
export function writeSigned64(w: BitWriter, x: number): void {
  const hi = Math.floor(x / TWO_POW_32);
  w.writeBits(hi, 32);
  w.writeBits(x - hi * TWO_POW_32, 32);
}

export function readSigned64(r: BitReader): number {
  const hi = r.readBits(32) | 0;
  return hi * TWO_POW_32 + r.readBits(32);
}
