// A minimal protobuf wire-format reader (varints, 64-bit, length-delimited fields), enough
// for remote-write's small schema; written here rather than taken from a protobuf library
// because the schema is four messages and decoding speed is the receiver's cost.
// Malformed input throws ProtobufError with the byte offset.

export class ProtobufError extends Error {
  constructor(
    readonly offset: number,
    problem: string,
  ) {
    super(`at byte ${offset}: ${problem}`);
    this.name = "ProtobufError";
  }
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

const utf8 = new TextDecoder("utf-8", { fatal: true });

export class ProtobufReader {
  pos: number;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** The next field's tag: number and wire type. */
  tag(): { field: number; wire: number } {
    const at = this.pos;
    const key = this.varint();
    const field = Math.floor(key / 8);
    if (field === 0) throw new ProtobufError(at, "field number 0 is not valid");
    return { field, wire: key % 8 };
  }

  /** An unsigned varint up to 2^53 (exact), as a number. */
  varint(): number {
    const { bytes } = this;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufError(this.pos, "truncated varint");
      const b = bytes[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new ProtobufError(this.pos, "varint longer than 10 bytes");
  }

  /** A varint read as a two's-complement int64 (protobuf `int64`), as a number. */
  int64(): number {
    const start = this.pos;
    const unsigned = this.varint();
    if (unsigned < 2 ** 53) return unsigned;
    // Large or negative: decode exactly with BigInt, then narrow.
    let big = 0n;
    for (let i = this.pos - 1; i >= start; i--) big = (big << 7n) | BigInt(this.bytes[i]! & 0x7f);
    return Number(BigInt.asIntN(64, big));
  }

  /** A little-endian double (a NaN's payload is read with lastDoubleWords()). */
  double(): number {
    if (this.pos + 8 > this.end) throw new ProtobufError(this.pos, "truncated 64-bit field");
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  /** The low and high 32 bits of the 64-bit field just read by double(). */
  lastDoubleWords(): { low: number; high: number } {
    return { low: this.view.getUint32(this.pos - 8, true), high: this.view.getUint32(this.pos - 4, true) };
  }

  /** A length-delimited field's [start, end). */
  bytesRange(): { start: number; end: number } {
    const at = this.pos;
    const length = this.varint();
    const start = this.pos;
    if (start + length > this.end) throw new ProtobufError(at, `length ${length} runs past the end of its message`);
    this.pos = start + length;
    return { start, end: start + length };
  }

  string(): string {
    const { start, end } = this.bytesRange();
    try {
      return utf8.decode(this.bytes.subarray(start, end));
    } catch {
      throw new ProtobufError(start, "a string is not valid UTF-8");
    }
  }

  /** Skips a field of this wire type. */
  skip(wire: number): void {
    const at = this.pos;
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_FIXED64) this.advance(8, at);
    else if (wire === WIRE_BYTES) this.bytesRange();
    else if (wire === WIRE_FIXED32) this.advance(4, at);
    else throw new ProtobufError(at, `unsupported wire type ${wire}`);
  }

  private advance(n: number, at: number): void {
    if (this.pos + n > this.end) throw new ProtobufError(at, "truncated fixed-size field");
    this.pos += n;
  }
}
