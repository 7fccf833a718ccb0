// The layout of a compressed chunk (Gorilla, Pelkonen et al., VLDB 2015, adapted to ms
// timestamps, decimal values and several value columns): the header and the bucket widths
// shared by the appender and the decoder.
//
//   byte 0        format version (1)
//   byte 1        columns c (1 for raw samples; 4 for downsampled min, max, sum, count)
//   bytes 2..3    sample count n, big-endian
//   bytes 4..4+c  per column: RAW_VALUES (0xff), or a decimal scale d (0..MAX_DECIMALS):
//                 the column stores the integer k = v·10^d, and v = k / 10^d exactly
//   then bits:
//   sample 0      ts as 64-bit two's complement, then each column's value (the double v,
//                 or the double k) as 64 bits
//   sample i ≥ 1  ts delta-of-delta D = (t_i − t_{i−1}) − (t_{i−1} − t_{i−2}), the delta
//                 before sample 1 taken as 0, bucketed (bucket-coding.ts) in TS_DOD_BUCKETS:
//                   '0' D = 0 | '10' + 4 bits | '110' + 7 | '1110' + 12 | '11110' + 20 | '11111' + 64
//                 then each column:
//                 raw: X = v_i XOR v_{i−1} as 64-bit patterns (Gorilla)
//                   '0'                   X = 0
//                   '10' + bits           X's meaningful bits fit the previous window
//                                         (leading zeros ≥ the previous, trailing ≥ the previous)
//                   '11' + 5 bits leading zeros (at most 31) + 6 bits length (64 as 0) + bits
//                 scaled: D = k_i − k_{i−1}, as a sign and the 64-bit magnitude |D|, with
//                 the same windows as the XOR (so multiples of 4096 keep their zero tail):
//                   '0'                   D = 0
//                   '10' + sign + bits    |D|'s meaningful bits fit the previous window
//                   '11' + sign + 6 bits leading zeros + 6 bits length + bits
//
// Gorilla's timestamp buckets (7, 9, 12, 32 bits) are for seconds. Node's 1 s setInterval,
// which stamps the agent's samples, gives delta-of-deltas of −5..+5 ms (measured; zero about
// a third of the time), so the first bucket is 4 bits: 1 or 6 bits per timestamp; a missed
// tick (±1000) takes the 12-bit bucket.
//
// Values: a decimal's XOR with its neighbour spends ~50 bits (0.23 and 0.24 share no binary
// tail), and an increasing counter's XOR window moves with every carry; as integer deltas
// both are small (VictoriaMetrics also stores decimals as integers). Values that are not
// short decimals (full-precision ratios, NaN, ±Inf, -0) keep Gorilla's XOR, bit-exact.

import { bucketTable } from "./bucket-coding.js";

export const FORMAT_VERSION = 1;
export const HEADER_FIXED_BYTES = 4;
export const RAW_VALUES = 0xff;
/** Largest decimal scale tried (9 fractional digits). */
export const MAX_DECIMALS = 9;
/** The sample count is 16 bits. */
export const MAX_CHUNK_SAMPLES = 0xffff;
export const MAX_COLUMNS = 8;

/** Payload widths of the timestamp delta-of-delta buckets. */
export const TS_DOD_BUCKETS = bucketTable([4, 7, 12, 20]);

/** Timestamps are integer ms in [0, 2^53): then every delta and delta-of-delta is exact in a double. */
export function isValidTimestamp(ts: number): boolean {
  return Number.isSafeInteger(ts) && ts >= 0;
}

export interface ChunkHeader {
  columns: number;
  count: number;
  /** Per column: RAW_VALUES or a decimal scale. */
  scales: Uint8Array;
  /** Where the bit stream starts, in bytes. */
  streamOffset: number;
}

export function headerBytes(columns: number): number {
  return HEADER_FIXED_BYTES + columns;
}

export function readHeader(bytes: Uint8Array): ChunkHeader {
  if (bytes.length < HEADER_FIXED_BYTES + 1) throw new RangeError(`chunk too short: ${bytes.length} bytes`);
  if (bytes[0] !== FORMAT_VERSION) throw new RangeError(`unknown chunk format version ${bytes[0]}`);
  const columns = bytes[1]!;
  if (columns < 1 || columns > MAX_COLUMNS) throw new RangeError(`chunk has ${columns} columns, expected 1..${MAX_COLUMNS}`);
  const streamOffset = headerBytes(columns);
  if (bytes.length < streamOffset) throw new RangeError(`chunk too short for its ${columns} column header`);
  const scales = bytes.slice(HEADER_FIXED_BYTES, streamOffset);
  for (const scale of scales) {
    if (scale !== RAW_VALUES && scale > MAX_DECIMALS) throw new RangeError(`chunk column scale ${scale} is invalid`);
  }
  return { columns, count: (bytes[2]! << 8) | bytes[3]!, scales, streamOffset };
}
