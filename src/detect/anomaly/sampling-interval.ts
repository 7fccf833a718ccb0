// The series' own sampling interval: the median of its first positive gaps between points,
// fixed once known, so that a later outage or burst does not change what a point means.

const GAPS_NEEDED = 15;

export class SamplingInterval {
  private readonly gaps: number[] = [];
  private lastTs = NaN;
  /** The interval in ms; NaN until GAPS_NEEDED positive gaps were seen. */
  intervalMs = NaN;

  observe(ts: number): void {
    if (Number.isNaN(this.intervalMs) && ts > this.lastTs) {
      this.gaps.push(ts - this.lastTs);
      if (this.gaps.length === GAPS_NEEDED) {
        this.gaps.sort((a, b) => a - b);
        this.intervalMs = this.gaps[GAPS_NEEDED >> 1]!;
        this.gaps.length = 0;
      }
    }
    if (!(ts <= this.lastTs)) this.lastTs = ts;
  }
}
