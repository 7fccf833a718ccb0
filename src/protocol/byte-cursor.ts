// Reading and writing the binary frames of the agent protocol: unsigned LEB128 varints (up to
// 2^53 − 1, so every value is an exact JavaScript number), signed ones as sign and magnitude
// (bit 0 of the first byte the sign, then the magnitude's bits: like zigzag for small values,
// but exact for every magnitude up to 2^53 − 1, which zigzag's 2|n| − 1 is not), little-endian float64, UTF-8 strings with a varint byte length. A reader that runs out of
// bytes or meets a malformed value throws FrameError naming what it was reading and where.

/** Bad input in a binary frame; the message says what and at which byte. */
export class FrameError extends Error {}

/** A varint takes at most 8 bytes: 8 × 7 = 56 bits hold every safe integer. */
const MAX_VARINT_BYTES = 8;
const utf8 = new TextDecoder("utf-8", { fatal: true });

export class ByteReader {
  offset: number;

  constructor(
    readonly bytes: Buffer,
    offset = 0,
  ) {
    this.offset = offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  u8(what: string): number {
    if (this.offset >= this.bytes.length) throw this.truncated(what);
    return this.bytes[this.offset++]!;
  }

  /** An unsigned varint ≤ 2^53 − 1. */
  varint(what: string): number {
    const bytes = this.bytes;
    const start = this.offset;
    // The common case, one byte, without the loop.
    if (start < bytes.length && bytes[start]! < 0x80) {
      this.offset = start + 1;
      return bytes[start]!;
    }
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (start + i >= bytes.length) throw this.truncated(what, start);
      const b = bytes[start + i]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.offset = start + i + 1;
        if (value > Number.MAX_SAFE_INTEGER) throw new FrameError(`${what} at byte ${start}: varint above 2^53 − 1`);
        return value;
      }
      scale *= 128;
    }
    throw new FrameError(`${what} at byte ${start}: varint longer than ${MAX_VARINT_BYTES} bytes`);
  }

  /** A signed varint (sign and magnitude, see the header), magnitude ≤ 2^53 − 1. */
  signedVarint(what: string): number {
    const start = this.offset;
    const first = this.u8(what);
    let magnitude = (first >> 1) & 0x3f;
    const sign = first & 1 ? -1 : 1;
    if (first < 0x80) return sign * magnitude;
    let scale = 64;
    for (let i = 1; i < MAX_VARINT_BYTES; i++) {
      if (this.offset >= this.bytes.length) throw this.truncated(what, start);
      const b = this.bytes[this.offset++]!;
      magnitude += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (magnitude > Number.MAX_SAFE_INTEGER) throw new FrameError(`${what} at byte ${start}: varint above 2^53 − 1`);
        return sign * magnitude;
      }
      scale *= 128;
    }
    throw new FrameError(`${what} at byte ${start}: varint longer than ${MAX_VARINT_BYTES} bytes`);
  }

  /** A varint that must be below `limit`, e.g. a count that the remaining bytes can hold. */
  varintBelow(what: string, limit: number, why: string): number {
    const start = this.offset;
    const value = this.varint(what);
    if (value >= limit) throw new FrameError(`${what} at byte ${start}: ${value} ${why}`);
    return value;
  }

  string(what: string): string {
    const length = this.varint(`${what} length`);
    if (length > this.remaining) throw this.truncated(what);
    const start = this.offset;
    this.offset += length;
    try {
      return utf8.decode(this.bytes.subarray(start, this.offset));
    } catch {
      throw new FrameError(`${what} at byte ${start}: not valid UTF-8`);
    }
  }

  /** `count` little-endian float64s as a new array. */
  float64s(what: string, count: number): Float64Array {
    const length = count * 8;
    if (length > this.remaining) throw this.truncated(what);
    const out = new Float64Array(count);
    if (LITTLE_ENDIAN) {
      new Uint8Array(out.buffer).set(this.bytes.subarray(this.offset, this.offset + length));
    } else {
      for (let i = 0; i < count; i++) out[i] = this.bytes.readDoubleLE(this.offset + i * 8);
    }
    this.offset += length;
    return out;
  }

  private truncated(what: string, at = this.offset): FrameError {
    return new FrameError(`${what} at byte ${at}: the frame ends (${this.bytes.length} bytes)`);
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** A growing buffer written front to back. */
export class ByteWriter {
  private buffer: Buffer;
  length = 0;

  constructor(initialBytes = 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  u8(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  /** An unsigned integer ≤ 2^53 − 1 as a varint. */
  varint(value: number): void {
    if (!(Number.isSafeInteger(value) && value >= 0)) throw new RangeError(`varint: expected an integer in [0, 2^53 − 1], got ${value}`);
    this.reserve(MAX_VARINT_BYTES);
    const buffer = this.buffer;
    while (value >= 0x80) {
      buffer[this.length++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    buffer[this.length++] = value;
  }

  /** A signed integer, |value| ≤ 2^53 − 1 (sign and magnitude, see the header). */
  signedVarint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`signed varint: expected an integer in [−(2^53 − 1), 2^53 − 1], got ${value}`);
    this.reserve(MAX_VARINT_BYTES);
    const buffer = this.buffer;
    let magnitude = Math.abs(value);
    const first = (magnitude % 64) * 2 + (value < 0 ? 1 : 0);
    magnitude = Math.floor(magnitude / 64);
    if (magnitude === 0) {
      buffer[this.length++] = first;
      return;
    }
    buffer[this.length++] = first | 0x80;
    while (magnitude >= 0x80) {
      buffer[this.length++] = (magnitude % 128) | 0x80;
      magnitude = Math.floor(magnitude / 128);
    }
    buffer[this.length++] = magnitude;
  }

  string(value: string): void {
    const bytes = Buffer.byteLength(value);
    this.varint(bytes);
    this.reserve(bytes);
    this.length += this.buffer.write(value, this.length, "utf8");
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  float64s(values: Float64Array): void {
    this.reserve(values.length * 8);
    for (let i = 0; i < values.length; i++) this.buffer.writeDoubleLE(values[i]!, this.length + i * 8);
    this.length += values.length * 8;
  }

  /** The bytes written so far (a copy: the writer may be reused). */
  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
