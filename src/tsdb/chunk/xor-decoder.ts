// Decodes a chunk written by XorChunkAppender into typed arrays. Raw columns are written as
// bits through a Uint32Array view, so every float64 pattern comes back exactly, signaling
// NaNs included; scaled columns are computed as k / 10^d, the same division the appender checked.
import { BitReader } from "./bit-reader.js";
import { readBucketed, readSigned64 } from "./bucket-coding.js";
import { RAW_VALUES, TS_DOD_BUCKETS, readHeader } from "./chunk-format.js";
import { POWERS_OF_TEN } from "./decimal-scale.js";

const TWO_POW_32 = 2 ** 32;
const scratch = new Float64Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** Output arrays for decoding; grown by decodeChunk when a chunk has more samples. */
export interface DecodeTarget {
  ts: Float64Array;
  values: Float64Array[];
  /** Uint32Array views of `values` (lo, hi per sample). */
  valueBits: Uint32Array[];
}

export function allocateDecodeTarget(columns: number, capacity: number): DecodeTarget {
  const target: DecodeTarget = { ts: new Float64Array(capacity), values: [], valueBits: [] };
  for (let c = 0; c < columns; c++) {
    const values = new Float64Array(capacity);
    target.values.push(values);
    target.valueBits.push(new Uint32Array(values.buffer));
  }
  return target;
}

function ensureCapacity(target: DecodeTarget, columns: number, count: number): void {
  if (target.ts.length < count) target.ts = new Float64Array(count);
  for (let c = 0; c < columns; c++) {
    if (c < target.values.length && target.values[c]!.length >= count) continue;
    const values = new Float64Array(Math.max(count, target.ts.length));
    target.values[c] = values;
    target.valueBits[c] = new Uint32Array(values.buffer);
  }
}

/** Decodes every sample of `bytes` into `target`; returns the sample count. Throws on a corrupt chunk. */
export function decodeChunk(bytes: Uint8Array, target: DecodeTarget): number {
  const { columns, count, scales, streamOffset } = readHeader(bytes);
  ensureCapacity(target, columns, count);
  if (count === 0) return 0;
  const r = new BitReader(bytes, streamOffset * 8);
  const ts = target.ts;
  const previousHi = new Uint32Array(columns);
  const previousLo = new Uint32Array(columns);
  const leading = new Int32Array(columns);
  const trailing = new Int32Array(columns);
  const previousScaled = new Float64Array(columns);

  let t = readSigned64(r);
  ts[0] = t;
  for (let c = 0; c < columns; c++) {
    const hi = r.readBits(32);
    const lo = r.readBits(32);
    const scale = scales[c]!;
    if (scale === RAW_VALUES) {
      previousHi[c] = hi;
      previousLo[c] = lo;
      target.valueBits[c]![0] = lo;
      target.valueBits[c]![1] = hi;
    } else {
      scratchBits[0] = lo;
      scratchBits[1] = hi;
      previousScaled[c] = scratch[0]!;
      target.values[c]![0] = scratch[0]! / POWERS_OF_TEN[scale]!;
    }
  }
  let delta = 0;
  for (let i = 1; i < count; i++) {
    delta += readBucketed(r, TS_DOD_BUCKETS);
    if (delta <= 0) throw new RangeError(`corrupt chunk: timestamp ${i} does not increase`);
    t += delta;
    ts[i] = t;

    for (let c = 0; c < columns; c++) {
      const scale = scales[c]!;
      const scaled = scale !== RAW_VALUES;
      if (r.readBit() === 0) {
        if (scaled) {
          target.values[c]![i] = target.values[c]![i - 1]!;
        } else {
          target.valueBits[c]![2 * i] = previousLo[c]!;
          target.valueBits[c]![2 * i + 1] = previousHi[c]!;
        }
        continue;
      }
      const reuseWindow = r.readBit() === 0;
      const negative = scaled && r.readBit() === 1;
      let shift: number;
      let length: number;
      if (reuseWindow) {
        shift = trailing[c]!;
        length = 64 - leading[c]! - shift;
      } else {
        const lead = r.readBits(scaled ? 6 : 5);
        length = r.readBits(6) || 64;
        shift = 64 - lead - length;
        if (shift < 0) throw new RangeError(`corrupt chunk: value window ${lead}+${length} exceeds 64 bits`);
        leading[c] = lead;
        trailing[c] = shift;
      }
      let high = 0;
      let low: number;
      if (length > 32) {
        high = r.readBits(length - 32);
        low = r.readBits(32);
      } else {
        low = r.readBits(length);
      }
      let xorHi: number;
      let xorLo: number;
      if (shift === 0) {
        xorHi = high;
        xorLo = low;
      } else if (shift < 32) {
        xorHi = (high << shift) | (low >>> (32 - shift));
        xorLo = low << shift;
      } else {
        xorHi = low << (shift - 32);
        xorLo = 0;
      }
      if (scaled) {
        const magnitude = (xorHi >>> 0) * TWO_POW_32 + (xorLo >>> 0);
        const k = previousScaled[c]! + (negative ? -magnitude : magnitude);
        previousScaled[c] = k;
        target.values[c]![i] = k / POWERS_OF_TEN[scale]!;
        continue;
      }
      const hi = (previousHi[c]! ^ xorHi) >>> 0;
      const lo = (previousLo[c]! ^ xorLo) >>> 0;
      previousHi[c] = hi;
      previousLo[c] = lo;
      target.valueBits[c]![2 * i] = lo;
      target.valueBits[c]![2 * i + 1] = hi;
    }
  }
  return count;
}
