// The phi-accrual failure detector of one node (Hayashibara et al., 2004): instead of a yes/no
// timeout it gives a suspicion level φ that grows with the silence since the last heartbeat,
// measured against the node's own recent heartbeat inter-arrival times.
import { InterArrivalWindow } from "./inter-arrival-window.js";
import { phiOfStandardScore, standardScoreForPhi } from "./normal-tail.js";

export interface PhiAccrualOptions {
  /** The agents' heartbeat interval; seeds the window until real intervals arrive. */
  expectedIntervalMs: number;
  /** How many recent inter-arrival times the mean and deviation are taken over. */
  windowSize: number;
  /** Floor of the deviation, so a very regular node is not suspected after a few ms of delay. */
  minStdDeviationMs: number;
  /** Extra silence beyond the mean that counts as normal (added to the mean). */
  acceptablePauseMs: number;
  /**
   * An interval at whose end φ had already reached this level is not recorded: it was an
   * outage (a GC stall, a lost burst, a reconnect), and one such gap would inflate the
   * deviation — and so the detection time — for the next `windowSize` heartbeats. (Akka
   * records an interval only while the node is "available" for the same reason.)
   */
  ignoreIntervalsAbovePhi: number;
}

/**
 * φ(Δt) = −log10(1 − F(Δt)), where F is the normal CDF with mean μ + acceptablePause and
 * deviation max(σ, minStdDeviation), μ and σ being the mean and deviation of the window.
 * Read φ as "if the node were alive, a silence this long would happen with probability
 * 10^−φ": φ = 1 → 10%, φ = 3 → 0.1%, φ = 8 → 10^−8. The model is Gaussian; real
 * inter-arrival times have heavier tails (lost messages, pauses), which the acceptable pause
 * and the deviation floor absorb, so the true false-suspicion rate is lower than 10^−φ per
 * heartbeat (see failure-detector-options.ts for the figures).
 */
export class PhiAccrualDetector {
  private readonly window: InterArrivalWindow;
  /** NaN before the first heartbeat: a field that only ever holds numbers is updated in place, without allocating. */
  private lastHeartbeat = Number.NaN;
  /** elapsedAtPhi's last answer, valid until the window changes (ticks ask it for every node). */
  private memoPhi = Number.NaN;
  private memoElapsedMs = 0;

  constructor(private readonly options: PhiAccrualOptions) {
    this.window = new InterArrivalWindow(options.windowSize);
    // Akka's bootstrap: two samples at μ ± μ/4 stand in for history until real intervals
    // arrive, so the first silences are judged against the configured interval.
    const quarter = options.expectedIntervalMs / 4;
    this.window.add(options.expectedIntervalMs - quarter);
    this.window.add(options.expectedIntervalMs + quarter);
  }

  get lastHeartbeatAt(): number | null {
    return Number.isNaN(this.lastHeartbeat) ? null : this.lastHeartbeat;
  }

  get meanIntervalMs(): number {
    return this.window.mean;
  }

  /** σ of the window, before the floor is applied. */
  get stdDeviationMs(): number {
    return this.window.stdDeviation;
  }

  /** The deviation φ uses: max(σ, minStdDeviationMs). */
  get effectiveStdDeviationMs(): number {
    return Math.max(this.window.stdDeviation, this.options.minStdDeviationMs);
  }

  /** Samples in the window, the two bootstrap samples included until they slide out. */
  get sampleCount(): number {
    return this.window.count;
  }

  /**
   * Records a heartbeat at `now`. Returns the interval since the previous heartbeat (null for
   * the first) and whether it entered the window. A heartbeat older than the last one counts
   * as arriving together with it (interval 0 is not recorded).
   */
  heartbeat(now: number): { intervalMs: number | null; recorded: boolean } {
    const previous = this.lastHeartbeat;
    if (Number.isNaN(previous)) {
      this.lastHeartbeat = now;
      return { intervalMs: null, recorded: false };
    }
    const intervalMs = Math.max(0, now - previous);
    this.lastHeartbeat = Math.max(previous, now);
    const recorded = intervalMs > 0 && intervalMs < this.elapsedAtPhi(this.options.ignoreIntervalsAbovePhi);
    if (recorded) {
      this.window.add(intervalMs);
      this.memoPhi = Number.NaN;
    }
    return { intervalMs, recorded };
  }

  /** φ at `now` since the last heartbeat (0 before the first heartbeat). */
  phi(now: number): number {
    return Number.isNaN(this.lastHeartbeat) ? 0 : this.phiAfter(now - this.lastHeartbeat);
  }

  /** φ of a silence of `elapsedMs` against the current window. */
  phiAfter(elapsedMs: number): number {
    const z = (elapsedMs - this.window.mean - this.options.acceptablePauseMs) / this.effectiveStdDeviationMs;
    return phiOfStandardScore(z);
  }

  /**
   * The silence after which φ reaches `phi`: μ + acceptablePause + z(φ)·max(σ, minStd), the
   * inverse of phiAfter. Checks compare the silence with it instead of evaluating φ, which
   * keeps a tick over thousands of nodes to one multiplication each.
   */
  elapsedAtPhi(phi: number): number {
    if (phi !== this.memoPhi) {
      this.memoElapsedMs = this.window.mean + this.options.acceptablePauseMs + standardScoreForPhi(phi) * this.effectiveStdDeviationMs;
      this.memoPhi = phi;
    }
    return this.memoElapsedMs;
  }
}
