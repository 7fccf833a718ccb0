// Runs one service's probe on a schedule and feeds the verdicts to a HealthThreshold. A
// check starts `interval` after the previous one started, or right after it if the previous
// one ran longer; checks never overlap.
import type { HealthState } from "../protocol/messages.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { HealthThreshold } from "./health-threshold.js";
import { errorDetail, type Probe, type ProbeResult } from "./probes/probe.js";

/**
 * During the start period checks run at most this far apart, so a restarted process is
 * seen healthy (and its repair verified) within ~50 ms of serving, not a whole interval later.
 */
export const STARTUP_PROBE_INTERVAL_MS = 50;

export interface ProbeTransition {
  service: string;
  health: "healthy" | "unhealthy";
  /** When the decision was made (the end of the check that tipped the threshold). */
  ts: number;
  /** When the new state began: the start of the first check of the deciding streak. */
  since: number;
  detail: string;
}

export interface ProbeRunnerOptions {
  service: string;
  probe: Probe;
  /** Ms between check starts. */
  interval: number;
  /** Ms a single check may take. */
  timeout: number;
  failures: number;
  successes: number;
  /**
   * Grace after the runner starts or is reset (a new process): failures in this period do
   * not count until the first success ends it (Docker's HEALTHCHECK --start-period), so a
   * slow start is not mistaken for a fault; checks run every STARTUP_PROBE_INTERVAL_MS
   * meanwhile. Default 0.
   */
  startPeriod?: number;
  clock: Clock;
  /** Every check's verdict; `ts` is when the check started (the moment it observed). */
  onResult?: (service: string, result: ProbeResult, ts: number) => void;
  onTransition?: (transition: ProbeTransition) => void;
  /** Where a throwing callback is reported (it never stops the schedule). */
  logger?: Logger;
}

export class ProbeRunner {
  private readonly threshold: HealthThreshold;
  private timer: TimerHandle | null = null;
  /** Changes on every start()/stop(): a check finishing for an older loop does not schedule. */
  private loop = 0;
  private running = false;
  /** Changes on every reset(): a verdict about the previous process is discarded. */
  private epoch = 0;
  /** While set, failures before this time are ignored (cleared by the first success). */
  private graceUntil: number | null = null;

  constructor(private readonly options: ProbeRunnerOptions) {
    if (!(options.interval > 0)) throw new RangeError(`probe interval must be > 0 ms, got ${options.interval}`);
    if (!(options.timeout > 0)) throw new RangeError(`probe timeout must be > 0 ms, got ${options.timeout}`);
    this.threshold = new HealthThreshold(options.failures, options.successes, options.clock.now());
  }

  /** Starts checking at once; a no-op when already running. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.beginGrace();
    const loop = ++this.loop;
    void this.runCheck(loop);
  }

  /** Stops scheduling; the verdict of a check in flight is discarded. */
  stop(): void {
    this.running = false;
    this.loop++;
    this.timer?.cancel();
    this.timer = null;
  }

  /** Back to "unknown" (the service was restarted); a check in flight no longer counts. */
  reset(): void {
    this.epoch++;
    this.threshold.reset(this.options.clock.now());
    this.beginGrace();
    // Look at the new process at once rather than at the old schedule's next tick.
    if (this.running && this.timer) {
      this.timer.cancel();
      this.schedule(this.loop, 0);
    }
  }

  private beginGrace(): void {
    const period = this.options.startPeriod ?? 0;
    this.graceUntil = period > 0 ? this.options.clock.now() + period : null;
  }

  snapshot(): { health: HealthState; since: number } {
    return this.threshold.state();
  }

  private async runCheck(loop: number): Promise<void> {
    const { clock, probe, service } = this.options;
    const epoch = this.epoch;
    const startedAt = clock.now();
    let result: ProbeResult;
    try {
      result = await probe.check(this.options.timeout);
    } catch (err) {
      // The Probe contract says check() never throws; a broken plugin still must not stop the loop.
      result = { ok: false, latencyMs: 0, detail: `probe ${probe.kind} threw: ${errorDetail(err)}` };
    }
    if (loop !== this.loop) return;
    if (epoch === this.epoch) {
      try {
        this.record(service, result, startedAt);
      } catch (err) {
        this.options.logger?.error({ service, err }, "probe result callback failed");
      }
    }
    if (loop !== this.loop) return; // a callback stopped the runner
    const interval = this.graceUntil !== null ? Math.min(this.options.interval, STARTUP_PROBE_INTERVAL_MS) : this.options.interval;
    this.schedule(loop, Math.max(0, startedAt + interval - clock.now()));
  }

  private schedule(loop: number, wait: number): void {
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      void this.runCheck(loop);
    }, wait);
  }

  private record(service: string, result: ProbeResult, startedAt: number): void {
    const { clock, onResult, onTransition } = this.options;
    onResult?.(service, result, startedAt);
    if (this.graceUntil !== null) {
      if (!result.ok && startedAt < this.graceUntil) return;
      this.graceUntil = null;
    }
    const transition = this.threshold.observe(result.ok, startedAt);
    if (transition) onTransition?.({ service, health: transition.health, ts: clock.now(), since: transition.since, detail: result.detail });
  }
}
