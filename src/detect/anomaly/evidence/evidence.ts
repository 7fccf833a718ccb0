// The plugin contract of the anomaly detector: an evidence source turns each point into
// features, scores how far each feature breaks its own history, and learns the point.

/** The strongest evidence a source found at one point, written into a slot the detector reuses. */
export interface EvidenceSlot {
  /** Decades (−log10 probability); -Infinity when no feature set a record. */
  surprise: number;
  /** The feature that set it, e.g. "mean48" or "daily.value". */
  feature: string | null;
  /** How far beyond that feature's range, as a fraction of the range. */
  excess: number;
}

export interface EvidenceSource {
  /**
   * Reads the point and raises `slot` to this source's strongest record if that is stronger
   * than what the slot holds. `points` counts every point seen, this one included; sources
   * only score once `scoring` is true (the detector's warm-up is over).
   */
  observe(ts: number, value: number, points: number, scoring: boolean, slot: EvidenceSlot): void;
  /** Learns the point observed last; `alarming` is true when the point's raw surprise reached the alarm level. */
  learn(alarming: boolean): void;
  /**
   * Narrows [band.low, band.high] to the values that would set no record in this source's
   * point-wise feature at the last observed time; leaves it unchanged when the source has no band yet.
   */
  narrowBand(band: { low: number; high: number }): void;
}

/** Raises the slot to (surprise, feature, excess) when that is stronger. */
export function offerEvidence(slot: EvidenceSlot, surprise: number, feature: string, excess: number): void {
  if (surprise > slot.surprise) {
    slot.surprise = surprise;
    slot.feature = feature;
    slot.excess = excess;
  }
}
