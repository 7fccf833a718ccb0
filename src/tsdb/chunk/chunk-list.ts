// The closed chunks of one series at one resolution, oldest first: their time bounds and
// sample counts always in memory (parallel typed arrays, ~30 bytes a chunk), their bytes
// in memory until evicted (then read back from disk), and which are not yet on disk.

const INITIAL_CAPACITY = 4;
// Most series have no closed chunk in their first minutes (and downsampled levels for
// hours): they share these empty arrays until their first chunk.
const NO_TIMES = new Float64Array(0);
const NO_COUNTS = new Int32Array(0);

export class ChunkList {
  private minTs = NO_TIMES;
  private maxTs = NO_TIMES;
  private counts = NO_COUNTS;
  private sizes = NO_COUNTS;
  private data: (Uint8Array | undefined)[] = [];
  private start = 0;
  private end = 0;
  /** The newest `unpersisted` chunks are not on disk yet (chunks are written in order). */
  private unpersistedCount = 0;

  get length(): number {
    return this.end - this.start;
  }

  get unpersisted(): number {
    return this.unpersistedCount;
  }

  /** Samples in all chunks. */
  sampleCount(): number {
    let n = 0;
    for (let i = this.start; i < this.end; i++) n += this.counts[i]!;
    return n;
  }

  /** Oldest sample ts; Infinity when empty. */
  get firstTs(): number {
    return this.end > this.start ? this.minTs[this.start]! : Infinity;
  }

  /** Appends a chunk newer than every chunk held. `bytes` undefined: on disk only (loading). */
  push(minTs: number, maxTs: number, count: number, size: number, bytes: Uint8Array | undefined, persisted: boolean): void {
    if (this.end === this.minTs.length) this.makeRoom();
    const i = this.end++;
    this.minTs[i] = minTs;
    this.maxTs[i] = maxTs;
    this.counts[i] = count;
    this.sizes[i] = size;
    this.data[i] = bytes;
    if (!persisted) this.unpersistedCount++;
    else if (this.unpersistedCount > 0) throw new Error("ChunkList: a persisted chunk cannot follow unpersisted ones");
  }

  /** The i-th chunk (0 = oldest). */
  chunk(i: number): { minTs: number; maxTs: number; count: number; size: number; bytes: Uint8Array | undefined } {
    const j = this.start + i;
    return { minTs: this.minTs[j]!, maxTs: this.maxTs[j]!, count: this.counts[j]!, size: this.sizes[j]!, bytes: this.data[j] };
  }

  countAt(i: number): number {
    return this.counts[this.start + i]!;
  }

  sizeAt(i: number): number {
    return this.sizes[this.start + i]!;
  }

  minTsAt(i: number): number {
    return this.minTs[this.start + i]!;
  }

  maxTsAt(i: number): number {
    return this.maxTs[this.start + i]!;
  }

  bytesAt(i: number): Uint8Array | undefined {
    return this.data[this.start + i];
  }

  /** Index of the first chunk whose maxTs ≥ ts (length when none): the first that may hold ts or later. */
  firstEndingAtOrAfter(ts: number): number {
    let lo = this.start;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.maxTs[mid]! < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.start;
  }

  /** Index of the chunk starting exactly at minTs, or -1. */
  indexOfMinTs(minTs: number): number {
    let lo = this.start;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.minTs[mid]! < minTs) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.end && this.minTs[lo] === minTs ? lo - this.start : -1;
  }

  /** Drops the bytes of chunk i from memory; returns how many bytes were freed (0 if not resident or unpersisted). */
  evict(i: number): number {
    const j = this.start + i;
    const bytes = this.data[j];
    if (bytes === undefined || i >= this.length - this.unpersistedCount) return 0;
    this.data[j] = undefined;
    return bytes.length;
  }

  /** The unpersisted chunks, oldest first, for writing. */
  *unpersistedChunks(): Iterable<{ minTs: number; maxTs: number; count: number; bytes: Uint8Array }> {
    for (let j = this.end - this.unpersistedCount; j < this.end; j++) {
      yield { minTs: this.minTs[j]!, maxTs: this.maxTs[j]!, count: this.counts[j]!, bytes: this.data[j]! };
    }
  }

  /** Marks the oldest `count` unpersisted chunks as on disk, once the writes of unpersistedChunks() are committed. */
  markPersisted(count: number): void {
    this.unpersistedCount = Math.max(0, this.unpersistedCount - count);
  }

  /**
   * Drops the chunks that end before `horizon` (all their samples are older), oldest first.
   * Returns what left: chunks, samples, bytes, and the bytes of those that were in memory.
   */
  dropEndingBefore(horizon: number): { chunks: number; samples: number; bytes: number; residentBytes: number } {
    let chunks = 0;
    let samples = 0;
    let bytes = 0;
    let residentBytes = 0;
    while (this.start < this.end && this.maxTs[this.start]! < horizon) {
      samples += this.counts[this.start]!;
      bytes += this.sizes[this.start]!;
      residentBytes += this.data[this.start]?.length ?? 0;
      this.data[this.start] = undefined;
      this.start++;
      chunks++;
    }
    // Unpersisted chunks are the newest: if retention reached them, they need not be written.
    this.unpersistedCount = Math.min(this.unpersistedCount, this.length);
    return { chunks, samples, bytes, residentBytes };
  }

  /** Every chunk's bytes that are in memory, summed. */
  residentBytes(): number {
    let n = 0;
    for (let j = this.start; j < this.end; j++) n += this.data[j]?.length ?? 0;
    return n;
  }

  /** Room for another chunk: compact a dead prefix of ≥ 1/4 of the arrays, else double them. */
  private makeRoom(): void {
    const capacity = this.minTs.length;
    const live = this.end - this.start;
    const size = capacity > 0 && this.start >= capacity / 4 ? capacity : Math.max(INITIAL_CAPACITY, capacity * 2);
    const move = <T extends Float64Array | Int32Array>(from: T, make: (n: number) => T): T => {
      if (size === capacity) {
        from.copyWithin(0, this.start, this.end);
        return from;
      }
      const to = make(size);
      to.set(from.subarray(this.start, this.end));
      return to;
    };
    this.minTs = move(this.minTs, (n) => new Float64Array(n));
    this.maxTs = move(this.maxTs, (n) => new Float64Array(n));
    this.counts = move(this.counts, (n) => new Int32Array(n));
    this.sizes = move(this.sizes, (n) => new Int32Array(n));
    this.data = this.data.slice(this.start, this.end);
    this.start = 0;
    this.end = live;
  }
}
