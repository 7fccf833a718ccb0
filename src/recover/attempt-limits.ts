// Recovery limits per service: at most `attempts` attempts within `within`, each one after
// an exponential backoff (CrashLoopBackOff): the first attempt at once, then initial,
// 2×initial, 4×initial … capped at max, counted from the previous attempt.
import type { PlaybookConfig } from "../config/schema.js";

export type Limits = PlaybookConfig["limits"];

export type AttemptPermission =
  | { allowed: true; at: number; attemptNumber: number; backoffMs: number }
  | { allowed: false; reason: string };

/** Backoff before attempt n+1 when n attempts happened in the window (n >= 1). */
export function backoffAfter(attemptsInWindow: number, limits: Limits): number {
  if (attemptsInWindow <= 0) return 0;
  return Math.min(limits.backoff.max, limits.backoff.initial * 2 ** (attemptsInWindow - 1));
}

/**
 * Decides whether, and when, another recovery attempt may start.
 * `history` holds the start times of earlier attempts for this service.
 */
export function nextAttempt(history: readonly number[], limits: Limits, now: number): AttemptPermission {
  const inWindow = history.filter((t) => now - t < limits.within).sort((a, b) => a - b);
  if (inWindow.length >= limits.attempts) {
    return {
      allowed: false,
      reason: `${inWindow.length} recovery attempts within ${Math.round(limits.within / 1000)}s (limit ${limits.attempts})`,
    };
  }
  const backoffMs = backoffAfter(inWindow.length, limits);
  const last = inWindow[inWindow.length - 1];
  const at = last === undefined ? now : Math.max(now, last + backoffMs);
  return { allowed: true, at, attemptNumber: inWindow.length + 1, backoffMs };
}
