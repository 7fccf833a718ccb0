// The order in which closed chunks leave memory when the store is over its memory bound:
// first in, first out, and chunks enter when they are written to disk, so the oldest go
// first. An entry is a chunk's series and first ts; chunks that retention has dropped since
// are skipped when they come up.
import type { SeriesState } from "../series-state.js";

export class EvictionQueue {
  private series: SeriesState[] = [];
  private minTs: number[] = [];
  private head = 0;

  get length(): number {
    return this.series.length - this.head;
  }

  push(series: SeriesState, minTs: number): void {
    this.series.push(series);
    this.minTs.push(minTs);
  }

  /** Takes the oldest entry; undefined when empty. */
  shift(): { series: SeriesState; minTs: number } | undefined {
    if (this.head === this.series.length) return undefined;
    const entry = { series: this.series[this.head]!, minTs: this.minTs[this.head]! };
    this.series[this.head] = undefined as unknown as SeriesState;
    this.head++;
    // Reclaim the consumed prefix once it is half the arrays: amortized O(1) per entry.
    if (this.head > 1024 && this.head * 2 > this.series.length) {
      this.series = this.series.slice(this.head);
      this.minTs = this.minTs.slice(this.head);
      this.head = 0;
    }
    return entry;
  }
}
