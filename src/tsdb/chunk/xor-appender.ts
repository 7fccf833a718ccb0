// Appends rows (a timestamp and one value per column) to a compressed chunk in the layout of
// chunk-format.ts. Each column starts in the smallest decimal scale that holds its first
// value; a later value that needs more digits re-encodes the chunk once in a larger scale
// (or raw, Gorilla's XOR), so a chunk has one scale per column and stays exact.
import { BitWriter } from "./bit-writer.js";
import { writeBucketed, writeSigned64 } from "./bucket-coding.js";
import {
  FORMAT_VERSION,
  HEADER_FIXED_BYTES,
  MAX_CHUNK_SAMPLES,
  MAX_COLUMNS,
  RAW_VALUES,
  TS_DOD_BUCKETS,
  headerBytes,
  isValidTimestamp,
  readHeader,
} from "./chunk-format.js";
import { scaleDecimal, smallestScale } from "./decimal-scale.js";
import { allocateDecodeTarget, decodeChunk, type DecodeTarget } from "./xor-decoder.js";

const NO_WINDOW = -1;
const MIN_MAGNITUDE_TAIL = 4;
const TWO_POW_32 = 2 ** 32;

// The row being appended, as doubles and as their bits (lo, hi per column), and what is
// stored for it (its bits, or k = v·10^d in a scaled column). Shared by every appender:
// appends are synchronous, and a re-encode saves and restores the row it interrupts.
const row = new Float64Array(MAX_COLUMNS);
const rowBits = new Uint32Array(row.buffer);
const coded = new Float64Array(MAX_COLUMNS);
const codedBits = new Uint32Array(coded.buffer);

/** Number of trailing zero bits of a non-zero 32-bit value. */
function trailingZeros(x: number): number {
  return 31 - Math.clz32(x & -x);
}

export class XorChunkAppender {
  readonly columns: number;
  private readonly writer: BitWriter;
  private sampleCount = 0;
  private firstTs = 0;
  private lastTs = 0;
  private lastDelta = 0;
  /** Per column: RAW_VALUES or the decimal scale. */
  private readonly scales: number[];
  // Per column encoder state: the previous value's bits (raw) or k (scaled), and the
  // previous window (of the XOR, or of the delta's magnitude).
  private readonly previousHi: number[];
  private readonly previousLo: number[];
  private readonly previousScaled: number[];
  private readonly leading: number[];
  private readonly trailing: number[];
  /** While re-encoding: the scales the first row must not go below. */
  private scaleFloors: readonly number[] | null = null;

  /**
   * `decimals: false` stores every value raw (plain Gorilla XOR), for comparison; reading
   * does not depend on it.
   */
  constructor(columns = 1, initialCapacityBytes = 32, private readonly decimals = true) {
    if (!Number.isInteger(columns) || columns < 1 || columns > MAX_COLUMNS) {
      throw new RangeError(`XorChunkAppender: columns must be an integer in 1..${MAX_COLUMNS}, got ${columns}`);
    }
    this.columns = columns;
    this.writer = new BitWriter(initialCapacityBytes);
    this.scales = new Array<number>(columns).fill(RAW_VALUES);
    this.previousHi = new Array<number>(columns).fill(0);
    this.previousLo = new Array<number>(columns).fill(0);
    this.previousScaled = new Array<number>(columns).fill(0);
    this.leading = new Array<number>(columns).fill(NO_WINDOW);
    this.trailing = new Array<number>(columns).fill(0);
  }

  /** Rebuilds an appender from a chunk's bytes (a checkpointed head), exactly. */
  static fromBytes(bytes: Uint8Array, initialCapacityBytes = 32): XorChunkAppender {
    const appender = new XorChunkAppender(readHeader(bytes).columns, Math.max(initialCapacityBytes, bytes.length));
    appender.restore(bytes);
    return appender;
  }

  /** Replaces the content with a chunk's bytes (same column count), exactly. */
  restore(bytes: Uint8Array): void {
    const header = readHeader(bytes);
    if (header.columns !== this.columns) throw new RangeError(`cannot restore a ${header.columns}-column chunk into a ${this.columns}-column one`);
    const target = allocateDecodeTarget(header.columns, header.count);
    const count = decodeChunk(bytes, target);
    this.clear();
    this.appendDecoded(target, count, [...header.scales]);
  }

  get count(): number {
    return this.sampleCount;
  }

  /** The first sample's ts (meaningless while empty). */
  get minTs(): number {
    return this.firstTs;
  }

  /** The last sample's ts (meaningless while empty). */
  get maxTs(): number {
    return this.lastTs;
  }

  /** Size of the encoded chunk, header included. */
  get byteLength(): number {
    return headerBytes(this.columns) + this.writer.byteLength;
  }

  /** Bytes held, for memory accounting: the buffer and about 40 bytes per column of state. */
  get allocatedBytes(): number {
    return this.writer.capacity + 120 + 40 * this.columns;
  }

  /** Appends one sample to a one-column chunk. `ts` must be valid and after the last one. */
  append(ts: number, value: number): void {
    if (this.columns !== 1) throw new RangeError(`append takes one value; this chunk has ${this.columns} columns (use appendRow)`);
    row[0] = value;
    this.commitRow(ts);
  }

  appendRow(ts: number, values: ArrayLike<number>): void {
    for (let c = 0; c < this.columns; c++) row[c] = values[c]!;
    this.commitRow(ts);
  }

  /**
   * Appends a row given as bits: `bits[offset + 2c]` is column c's low word and
   * `bits[offset + 2c + 1]` its high word (a Float64Array's Uint32Array view). Exact for
   * every pattern, signaling NaNs included, which a JS number cannot always carry.
   */
  appendRowBits(ts: number, bits: Uint32Array, offset = 0): void {
    for (let i = 0; i < 2 * this.columns; i++) rowBits[i] = bits[offset + i]!;
    this.commitRow(ts);
  }

  /** The chunk as bytes: a fresh copy, header included. */
  bytes(): Uint8Array {
    const stream = this.writer.view();
    const out = new Uint8Array(headerBytes(this.columns) + stream.length);
    out[0] = FORMAT_VERSION;
    out[1] = this.columns;
    out[2] = this.sampleCount >>> 8;
    out[3] = this.sampleCount & 0xff;
    for (let c = 0; c < this.columns; c++) out[HEADER_FIXED_BYTES + c] = this.scales[c]!;
    out.set(stream, headerBytes(this.columns));
    return out;
  }

  /** Empties the chunk, keeping its buffer for the next one. */
  clear(): void {
    this.writer.reset();
    this.sampleCount = 0;
    this.lastDelta = 0;
    this.leading.fill(NO_WINDOW);
  }

  private commitRow(ts: number): void {
    if (!isValidTimestamp(ts)) throw new RangeError(`chunk timestamp must be an integer ms in [0, 2^53), got ${ts}`);
    const count = this.sampleCount;
    if (count > 0 && ts <= this.lastTs) throw new RangeError(`chunk timestamps must increase: ${ts} after ${this.lastTs}`);
    if (count >= MAX_CHUNK_SAMPLES) throw new RangeError(`chunk is full (${MAX_CHUNK_SAMPLES} samples)`);
    if (count === 0) this.chooseScales();
    else if (!this.codeRow()) this.widenScales();
    this.writeTimestamp(ts);
    for (let c = 0; c < this.columns; c++) this.writeColumn(c);
    this.sampleCount = count + 1;
  }

  /** Scales for the first row: the smallest that holds each value, not below `scaleFloors`. */
  private chooseScales(): void {
    const floors = this.scaleFloors;
    for (let c = 0; c < this.columns; c++) {
      const floor = floors === null ? 0 : floors[c]!;
      const scale = floor === RAW_VALUES || !this.decimals ? -1 : smallestScale(row[c]!, floor);
      this.scales[c] = scale < 0 ? RAW_VALUES : scale;
    }
    this.codeRow();
  }

  /** Fills `coded` for the row in the current scales; false when a value does not fit its scale. */
  private codeRow(): boolean {
    for (let c = 0; c < this.columns; c++) {
      const scale = this.scales[c]!;
      if (scale === RAW_VALUES) {
        codedBits[2 * c] = rowBits[2 * c]!;
        codedBits[2 * c + 1] = rowBits[2 * c + 1]!;
        continue;
      }
      const scaled = scaleDecimal(row[c]!, scale);
      if (Number.isNaN(scaled)) return false;
      coded[c] = scaled;
    }
    return true;
  }

  /**
   * Re-encodes the rows so far with each misfitting column in the smallest scale that holds
   * the new value (or raw), then codes the new row. Scales only grow, at most
   * MAX_DECIMALS + 1 times per column and chunk, so the amortized cost per sample is bounded.
   */
  private widenScales(): void {
    const pending = rowBits.slice(0, 2 * this.columns);
    const floors = this.scales.slice();
    for (let c = 0; c < this.columns; c++) {
      const scale = floors[c]!;
      if (scale === RAW_VALUES || !Number.isNaN(scaleDecimal(row[c]!, scale))) continue;
      const wider = smallestScale(row[c]!, scale + 1);
      floors[c] = wider < 0 ? RAW_VALUES : wider;
    }
    const target = allocateDecodeTarget(this.columns, this.sampleCount);
    const count = decodeChunk(this.bytes(), target);
    this.clear();
    this.appendDecoded(target, count, floors);
    rowBits.set(pending);
    // Every decoded row fits the wider scales (a fit at d is a fit at every d' > d); should
    // the new value still not fit, this recursion widens again, towards raw.
    if (!this.codeRow()) this.widenScales();
  }

  private appendDecoded(target: DecodeTarget, count: number, scaleFloors: readonly number[]): void {
    this.scaleFloors = scaleFloors;
    try {
      for (let i = 0; i < count; i++) {
        for (let c = 0; c < this.columns; c++) {
          rowBits[2 * c] = target.valueBits[c]![2 * i]!;
          rowBits[2 * c + 1] = target.valueBits[c]![2 * i + 1]!;
        }
        this.commitRow(target.ts[i]!);
      }
    } finally {
      this.scaleFloors = null;
    }
  }

  private writeTimestamp(ts: number): void {
    if (this.sampleCount === 0) {
      this.firstTs = ts;
      this.lastTs = ts;
      this.lastDelta = 0;
      writeSigned64(this.writer, ts);
      return;
    }
    const delta = ts - this.lastTs;
    const deltaOfDelta = delta - this.lastDelta;
    this.lastTs = ts;
    this.lastDelta = delta;
    writeBucketed(this.writer, deltaOfDelta, TS_DOD_BUCKETS);
  }

  private writeColumn(c: number): void {
    const w = this.writer;
    const scaled = this.scales[c] !== RAW_VALUES;
    const hi = codedBits[2 * c + 1]!;
    const lo = codedBits[2 * c]!;
    if (this.sampleCount === 0) {
      w.writeBits(hi, 32);
      w.writeBits(lo, 32);
      this.previousHi[c] = hi;
      this.previousLo[c] = lo;
      this.previousScaled[c] = scaled ? coded[c]! : 0;
      return;
    }
    let xorHi: number;
    let xorLo: number;
    let sign = -1;
    if (scaled) {
      const k = coded[c]!;
      const delta = k - this.previousScaled[c]!;
      this.previousScaled[c] = k;
      if (delta === 0) {
        w.writeBit(0);
        return;
      }
      sign = delta < 0 ? 1 : 0;
      const magnitude = Math.abs(delta);
      xorHi = Math.floor(magnitude / TWO_POW_32);
      xorLo = magnitude - xorHi * TWO_POW_32;
    } else {
      xorHi = (hi ^ this.previousHi[c]!) >>> 0;
      xorLo = (lo ^ this.previousLo[c]!) >>> 0;
      this.previousHi[c] = hi;
      this.previousLo[c] = lo;
      if (xorHi === 0 && xorLo === 0) {
        w.writeBit(0);
        return;
      }
    }
    let leading = xorHi !== 0 ? Math.clz32(xorHi) : 32 + Math.clz32(xorLo);
    let trailing = xorLo !== 0 ? trailingZeros(xorLo) : 32 + trailingZeros(xorHi);
    // A XOR of two doubles rarely has over 31 leading zeros (5 bits, as Gorilla); a delta's
    // magnitude always has 12 or more, up to 63 (6 bits). A magnitude's few trailing zeros
    // (1, 2, 4 and 3 differ in them) are not worth a new window: only a long zero tail (a
    // multiple of a page, 4096) is cut off.
    const leadingBits = scaled ? 6 : 5;
    if (leading >= 1 << leadingBits) leading = (1 << leadingBits) - 1;
    if (scaled && trailing < MIN_MAGNITUDE_TAIL) trailing = 0;
    const previousLeading = this.leading[c]!;
    const previousTrailing = this.trailing[c]!;
    if (previousLeading !== NO_WINDOW && leading >= previousLeading && trailing >= previousTrailing) {
      w.writeBits(0b10, 2);
      if (sign >= 0) w.writeBit(sign);
      writeMeaningfulBits(w, xorHi, xorLo, previousTrailing, 64 - previousLeading - previousTrailing);
      return;
    }
    const length = 64 - leading - trailing;
    w.writeBits(0b11, 2);
    if (sign >= 0) w.writeBit(sign);
    w.writeBits(leading, leadingBits);
    w.writeBits(length & 63, 6);
    writeMeaningfulBits(w, xorHi, xorLo, trailing, length);
    this.leading[c] = leading;
    this.trailing[c] = trailing;
  }
}

/** Writes bits [shift, shift + length) of the 64-bit value hi:lo. */
function writeMeaningfulBits(w: BitWriter, hi: number, lo: number, shift: number, length: number): void {
  let high: number;
  let low: number;
  if (shift === 0) {
    high = hi;
    low = lo;
  } else if (shift < 32) {
    low = (lo >>> shift) | (hi << (32 - shift));
    high = hi >>> shift;
  } else {
    low = hi >>> (shift - 32);
    high = 0;
  }
  if (length > 32) {
    w.writeBits(high, length - 32);
    w.writeBits(low, 32);
  } else {
    w.writeBits(low, length);
  }
}
