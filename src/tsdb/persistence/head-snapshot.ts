// What a checkpoint writes for a series at every change besides its closed chunks: the raw
// head chunk, the open downsampling buckets and the last sample (ts, and value as bits), as
// one blob (the store writes one level, raw; the format allows more):
//   u8 version (1) | u8 levels L | u8 buckets B | f64 lastTs | u32 lo, u32 hi of lastValue
//   | B × 5 f64 bucket state | L × (u32 length | head chunk bytes)
// All numbers little-endian.
import { BUCKET_STATE_SIZE } from "../downsample/rollup-bucket.js";

const VERSION = 1;
const FIXED_BYTES = 3 + 8 + 8;

export interface HeadSnapshot {
  lastTs: number;
  lastValue: number;
  /** B × BUCKET_STATE_SIZE numbers. */
  buckets: Float64Array;
  /** Per level, the head chunk's bytes; empty when the head has no sample. */
  heads: Uint8Array[];
}

const valueScratch = new Float64Array(1);
const valueBits = new Uint32Array(valueScratch.buffer);

export function encodeHeadSnapshot(snapshot: HeadSnapshot): Uint8Array {
  const bucketCount = snapshot.buckets.length / BUCKET_STATE_SIZE;
  let size = FIXED_BYTES + snapshot.buckets.length * 8;
  for (const head of snapshot.heads) size += 4 + head.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = VERSION;
  out[1] = snapshot.heads.length;
  out[2] = bucketCount;
  view.setFloat64(3, snapshot.lastTs, true);
  valueScratch[0] = snapshot.lastValue;
  view.setUint32(11, valueBits[0]!, true);
  view.setUint32(15, valueBits[1]!, true);
  let offset = FIXED_BYTES;
  for (const x of snapshot.buckets) {
    view.setFloat64(offset, x, true);
    offset += 8;
  }
  for (const head of snapshot.heads) {
    view.setUint32(offset, head.length, true);
    out.set(head, offset + 4);
    offset += 4 + head.length;
  }
  return out;
}

/** Throws a RangeError naming the problem when the blob is not a snapshot. */
export function decodeHeadSnapshot(bytes: Uint8Array): HeadSnapshot {
  if (bytes.length < FIXED_BYTES || bytes[0] !== VERSION) throw new RangeError(`not a head snapshot (version ${bytes[0]}, ${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const levels = bytes[1]!;
  const bucketCount = bytes[2]!;
  valueBits[0] = view.getUint32(11, true);
  valueBits[1] = view.getUint32(15, true);
  const snapshot: HeadSnapshot = {
    lastTs: view.getFloat64(3, true),
    lastValue: valueScratch[0]!,
    buckets: new Float64Array(bucketCount * BUCKET_STATE_SIZE),
    heads: [],
  };
  let offset = FIXED_BYTES;
  if (offset + snapshot.buckets.length * 8 > bytes.length) throw new RangeError("head snapshot truncated in its buckets");
  for (let i = 0; i < snapshot.buckets.length; i++, offset += 8) snapshot.buckets[i] = view.getFloat64(offset, true);
  for (let level = 0; level < levels; level++) {
    if (offset + 4 > bytes.length) throw new RangeError(`head snapshot truncated at level ${level}`);
    const length = view.getUint32(offset, true);
    if (offset + 4 + length > bytes.length) throw new RangeError(`head snapshot truncated in level ${level}'s chunk`);
    snapshot.heads.push(bytes.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return snapshot;
}
