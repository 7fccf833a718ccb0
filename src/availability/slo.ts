// Service level objectives over time-based availability, with the Google SRE workbook's
// definitions: the error budget is 1 − target of the SLO window; the burn rate over a
// window is its observed error rate divided by the allowed error rate (1: the budget lasts
// exactly the SLO window; 14.4 over 1 h: 2% of a 30-day budget gone in that hour). Pure.
import type { TimeInConditions } from "./timeline.js";

export interface SloTarget {
  /** Percent of observed time the component should be up, in (0, 100): 99.9. */
  targetPercent: number;
  /** The window the objective (and its budget) is measured over: 30 days. */
  windowMs: number;
}

export interface ErrorBudget {
  targetPercent: number;
  windowMs: number;
  /** 1 − target/100: the share of time that may be down. */
  allowedErrorRate: number;
  /** allowedErrorRate × windowMs: the down time the whole window may have. */
  budgetMs: number;
  /** Down time within the SLO window. */
  spentMs: number;
  /** down / (up + down) over the SLO window; null when nothing was observed in it. */
  errorRate: number | null;
  /** 1 − errorRate / allowedErrorRate: 1 untouched, 0 used up, below 0 overspent; null when nothing was observed. */
  remaining: number | null;
  /** remaining × budgetMs: equal to budgetMs − spentMs when the whole window was observed. */
  remainingMs: number | null;
  /** Burn rate over the whole SLO window (errorRate / allowedErrorRate). */
  burnRate: number | null;
}

/** down / (up + down), or null when the window holds no observed time. */
export function errorRate(time: Pick<TimeInConditions, "upMs" | "downMs">): number | null {
  const observed = time.upMs + time.downMs;
  return observed > 0 ? time.downMs / observed : null;
}

export function checkSloTarget(slo: SloTarget): void {
  if (!(slo.targetPercent > 0 && slo.targetPercent < 100)) {
    throw new RangeError(`SLO target must be a percentage in (0, 100), got ${slo.targetPercent}`);
  }
  if (!(slo.windowMs > 0) || !Number.isFinite(slo.windowMs)) throw new RangeError(`SLO window must be a positive duration, got ${slo.windowMs}`);
}

/** Observed error rate over allowed error rate; null when the window holds no observed time. */
export function burnRate(slo: SloTarget, time: Pick<TimeInConditions, "upMs" | "downMs">): number | null {
  checkSloTarget(slo);
  const rate = errorRate(time);
  return rate === null ? null : rate / (1 - slo.targetPercent / 100);
}

/**
 * The budget of the SLO window, given the time spent up and down in it (unknown time does not
 * count either way: the error rate is taken over the observed time, as a request-based SLI
 * takes it over the requests that were made).
 */
export function errorBudget(slo: SloTarget, sloWindowTime: Pick<TimeInConditions, "upMs" | "downMs">): ErrorBudget {
  checkSloTarget(slo);
  const allowedErrorRate = 1 - slo.targetPercent / 100;
  const budgetMs = allowedErrorRate * slo.windowMs;
  const rate = errorRate(sloWindowTime);
  const remaining = rate === null ? null : 1 - rate / allowedErrorRate;
  return {
    targetPercent: slo.targetPercent,
    windowMs: slo.windowMs,
    allowedErrorRate,
    budgetMs,
    spentMs: sloWindowTime.downMs,
    errorRate: rate,
    remaining,
    remainingMs: remaining === null ? null : remaining * budgetMs,
    burnRate: rate === null ? null : rate / allowedErrorRate,
  };
}
