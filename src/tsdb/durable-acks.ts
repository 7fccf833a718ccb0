// Which outbox messages of one agent may be acknowledged: a message is acknowledged once
// every sample appended up to it is durable, i.e. once the store's durableGeneration has
// reached the appendGeneration read right after processing it. Acks are cumulative and in
// order, so a message without samples waits for the samples before it.
export class DurableAckTracker {
  private readonly seqs: number[] = [];
  private readonly generations: number[] = [];
  private head = 0;

  /**
   * Records that message `seq` was processed when the store's appendGeneration was
   * `generation`; returns the highest seq that may be acknowledged now (null: none yet).
   */
  processed(seq: number, generation: number, durableGeneration: number): number | null {
    this.seqs.push(seq);
    this.generations.push(generation);
    return this.durable(durableGeneration);
  }

  /** The highest seq acknowledgeable at `durableGeneration`, taken off the queue; null when none. */
  durable(durableGeneration: number): number | null {
    let seq: number | null = null;
    while (this.head < this.seqs.length && this.generations[this.head]! <= durableGeneration) seq = this.seqs[this.head++]!;
    if (this.head > 64 && this.head * 2 > this.seqs.length) {
      this.seqs.splice(0, this.head);
      this.generations.splice(0, this.head);
      this.head = 0;
    }
    return seq;
  }

  /** Messages processed and not yet acknowledgeable. */
  get pending(): number {
    return this.seqs.length - this.head;
  }
}
