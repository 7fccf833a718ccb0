// Reads a bit stream written by BitWriter: most significant bit first. Reading past the
// end is an error (a truncated or corrupt chunk), never a silent zero.

export class BitReader {
  private position: number;
  private readonly endBit: number;

  /** Reads `bytes` from bit `startBit` up to bit `endBit` (default: the end of the bytes). */
  constructor(
    private readonly bytes: Uint8Array,
    startBit = 0,
    endBit = bytes.length * 8,
  ) {
    this.position = startBit;
    this.endBit = endBit;
  }

  get bitPosition(): number {
    return this.position;
  }

  readBit(): number {
    if (this.position >= this.endBit) throw new RangeError("bit stream truncated: read past its end");
    const bit = (this.bytes[this.position >>> 3]! >>> (7 - (this.position & 7))) & 1;
    this.position++;
    return bit;
  }

  /** Reads `count` bits (0 ≤ count ≤ 32) as an unsigned number. */
  readBits(count: number): number {
    let position = this.position;
    if (position + count > this.endBit) throw new RangeError("bit stream truncated: read past its end");
    const bytes = this.bytes;
    let value = 0;
    while (count > 0) {
      const available = 8 - (position & 7);
      const byte = bytes[position >>> 3]!;
      if (count <= available) {
        // `* 2^count + …` rather than `<<`: the result may need all 32 bits unsigned.
        value = value * (1 << count) + ((byte >>> (available - count)) & ((1 << count) - 1));
        position += count;
        break;
      }
      value = value * (1 << available) + (byte & ((1 << available) - 1));
      count -= available;
      position += available;
    }
    this.position = position;
    return value;
  }
}
