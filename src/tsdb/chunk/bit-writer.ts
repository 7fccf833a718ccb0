// An append-only bit stream over a growable byte buffer: bits are written most significant
// first, so the stream reads in the order it was written (bit 0 is the top bit of byte 0).

const MIN_CAPACITY = 16;

export class BitWriter {
  private buffer: Uint8Array;
  /** Bits written so far; every bit at or after this position is still zero. */
  private bitPosition = 0;

  constructor(initialCapacityBytes = 64) {
    this.buffer = new Uint8Array(Math.max(MIN_CAPACITY, initialCapacityBytes));
  }

  /** Bits written so far. */
  get bitLength(): number {
    return this.bitPosition;
  }

  /** Bytes holding the bits written so far (the last one possibly partial). */
  get byteLength(): number {
    return (this.bitPosition + 7) >>> 3;
  }

  /** Bytes allocated, for memory accounting. */
  get capacity(): number {
    return this.buffer.length;
  }

  writeBit(bit: number): void {
    const byteIndex = this.bitPosition >>> 3;
    if (byteIndex >= this.buffer.length) this.grow();
    if (bit !== 0) this.buffer[byteIndex]! |= 0x80 >>> (this.bitPosition & 7);
    this.bitPosition++;
  }

  /** Writes the low `count` bits of `value` (0 ≤ count ≤ 32), most significant first. */
  writeBits(value: number, count: number): void {
    let position = this.bitPosition;
    // Grow once for the whole write: at most 5 bytes are touched.
    if ((position + count + 7) >>> 3 > this.buffer.length) this.grow();
    const buffer = this.buffer;
    while (count > 0) {
      const byteIndex = position >>> 3;
      const free = 8 - (position & 7);
      if (count <= free) {
        buffer[byteIndex]! |= (value & ((1 << count) - 1)) << (free - count);
        position += count;
        break;
      }
      count -= free;
      buffer[byteIndex]! |= (value >>> count) & ((1 << free) - 1);
      position += free;
    }
    this.bitPosition = position;
  }

  /** The bytes written so far, without copying: valid until the next write. */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.byteLength);
  }

  /** Forgets everything written, keeping the allocation. */
  reset(): void {
    this.buffer.fill(0, 0, this.byteLength);
    this.bitPosition = 0;
  }

  private grow(): void {
    const bigger = new Uint8Array(this.buffer.length * 2);
    bigger.set(this.buffer);
    this.buffer = bigger;
  }
}
