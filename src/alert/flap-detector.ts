// Flap detection: an alert whose state (firing <-> resolved) changed more than `changes` times
// within `within` is flapping: receivers are told once, then hear nothing of it until it has
// kept one state for `settle`. Pure: every method takes the time; the alert manager owns the timer.
import type { AlertRecord } from "../storage/storage.js";

export interface FlapSettings {
  /** More changes than this within withinMs make an alert flapping. */
  changes: number;
  withinMs: number;
  /** A flapping alert settles once it has not changed state for this long. */
  settleMs: number;
}

/** What a state change means for notifications: "started" is the change that made the alert flapping. */
export type FlapVerdict = "steady" | "started" | "flapping";

/**
 * The annotation that marks a notified alert as flapping (value "true"). A flapping alert is
 * notified as firing with this annotation added (its labels, hence its fingerprint, unchanged),
 * once; when it settles its real state is notified: a resolved, or a firing without the mark.
 */
export const FLAPPING_ANNOTATION = "flapping";

interface History {
  /** Times of the changes within the last withinMs. */
  changes: number[];
  lastChangeAt: number;
  flappingSince: number | null;
}

export class FlapDetector {
  private readonly histories = new Map<string, History>();

  constructor(private readonly settings: FlapSettings) {
    if (!Number.isInteger(settings.changes) || settings.changes < 1) {
      throw new RangeError(`flapping.changes must be an integer >= 1, got ${settings.changes}`);
    }
    for (const field of ["withinMs", "settleMs"] as const) {
      if (!(settings[field] >= 0) || !Number.isFinite(settings[field])) {
        throw new RangeError(`flapping ${field} must be a duration in ms >= 0, got ${settings[field]}`);
      }
    }
  }

  /** Records that the alert changed state at `now`. */
  recordChange(fingerprint: string, now: number): FlapVerdict {
    this.forgetQuiet(now);
    const history = this.histories.get(fingerprint) ?? { changes: [], lastChangeAt: now, flappingSince: null };
    this.histories.set(fingerprint, history);
    history.changes = [...history.changes.filter((at) => at > now - this.settings.withinMs), now];
    history.lastChangeAt = now;
    if (history.flappingSince !== null) return "flapping";
    if (history.changes.length > this.settings.changes) {
      history.flappingSince = now;
      return "started";
    }
    return "steady";
  }

  isFlapping(fingerprint: string): boolean {
    return (this.histories.get(fingerprint)?.flappingSince ?? null) !== null;
  }

  /**
   * The flapping alerts that have not changed state for settleMs by `now`; they stop flapping
   * and their change history starts afresh, so flapping again takes more than `changes` new changes.
   */
  settle(now: number): string[] {
    const settled: string[] = [];
    for (const [fingerprint, history] of this.histories) {
      if (history.flappingSince !== null && now - history.lastChangeAt >= this.settings.settleMs) {
        this.histories.delete(fingerprint);
        settled.push(fingerprint);
      }
    }
    return settled;
  }

  /** When the earliest flapping alert settles if it does not change again; null when none flaps. */
  nextSettleAt(): number | null {
    let next: number | null = null;
    for (const history of this.histories.values()) {
      if (history.flappingSince === null) continue;
      const at = history.lastChangeAt + this.settings.settleMs;
      if (next === null || at < next) next = at;
    }
    return next;
  }

  /** Puts back what a previous run knew (read from the journal): the change times and whether it flapped. */
  restore(fingerprint: string, changeTimes: readonly number[], flappingSince: number | null): void {
    if (changeTimes.length === 0 && flappingSince === null) return;
    const changes = [...changeTimes].sort((a, b) => a - b);
    const lastChangeAt = Math.max(changes[changes.length - 1] ?? -Infinity, flappingSince ?? -Infinity);
    this.histories.set(fingerprint, { changes, lastChangeAt, flappingSince });
  }

  /** Histories that can no longer matter: not flapping, no change within the window. */
  private forgetQuiet(now: number): void {
    for (const [fingerprint, history] of this.histories) {
      if (history.flappingSince === null && history.lastChangeAt <= now - this.settings.withinMs) this.histories.delete(fingerprint);
    }
  }
}

/** How a flapping alert is presented to receivers: firing, with the flapping annotation, whatever its state now. */
export function flappingView(alert: AlertRecord): AlertRecord {
  return {
    ...alert,
    state: "firing",
    firedAt: alert.firedAt ?? alert.activeAt,
    resolvedAt: null,
    annotations: { ...alert.annotations, [FLAPPING_ANNOTATION]: "true" },
  };
}
