// Turns a stream of probe verdicts into health transitions: `failures` consecutive failures
// make a service unhealthy, `successes` consecutive successes make it healthy again, and
// from "unknown" (start, or after a restart) one success is enough. Pure: time is an input.
import type { HealthState } from "../protocol/messages.js";

export interface HealthTransition {
  health: "healthy" | "unhealthy";
  /**
   * When the new state began: the ts of the first observation of the streak that caused
   * the transition. For unhealthy that is the first failing check, so MTTD counts from there.
   */
  since: number;
}

export class HealthThreshold {
  private health: HealthState = "unknown";
  private healthSince: number;
  private failureStreak = 0;
  private failureStreakStart = 0;
  private successStreak = 0;
  private successStreakStart = 0;

  constructor(
    private readonly failures: number,
    private readonly successes: number,
    startTs = 0,
  ) {
    if (!Number.isInteger(failures) || failures < 1) throw new RangeError(`failures must be an integer >= 1, got ${failures}`);
    if (!Number.isInteger(successes) || successes < 1) throw new RangeError(`successes must be an integer >= 1, got ${successes}`);
    this.healthSince = startTs;
  }

  /** Records one verdict observed at `ts`; returns the transition it causes, if any. */
  observe(ok: boolean, ts: number): HealthTransition | null {
    if (ok) {
      if (this.successStreak === 0) this.successStreakStart = ts;
      this.successStreak++;
      this.failureStreak = 0;
      const needed = this.health === "unknown" ? 1 : this.successes;
      if (this.health !== "healthy" && this.successStreak >= needed) return this.become("healthy", this.successStreakStart);
    } else {
      if (this.failureStreak === 0) this.failureStreakStart = ts;
      this.failureStreak++;
      this.successStreak = 0;
      if (this.health !== "unhealthy" && this.failureStreak >= this.failures) return this.become("unhealthy", this.failureStreakStart);
    }
    return null;
  }

  state(): { health: HealthState; since: number } {
    return { health: this.health, since: this.healthSince };
  }

  /** Forgets everything (e.g. the process was restarted): back to "unknown" as of `ts`. */
  reset(ts = 0): void {
    this.health = "unknown";
    this.healthSince = ts;
    this.failureStreak = 0;
    this.successStreak = 0;
  }

  private become(health: "healthy" | "unhealthy", since: number): HealthTransition {
    this.health = health;
    this.healthSince = since;
    return { health, since };
  }
}
