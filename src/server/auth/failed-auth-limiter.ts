// Rate limiting of failed authentication per client address (pure, clock injected): after
// `maxFailures` wrong tokens within `windowMs`, the address is refused (429 with
// Retry-After) until the oldest of those failures leaves the window. Only wrong
// credentials count — a request without any is not a guess.
import type { Clock } from "../../util/clock.js";

export interface FailedAuthLimits {
  maxFailures: number;
  windowMs: number;
}

export const DEFAULT_FAILED_AUTH_LIMITS: FailedAuthLimits = { maxFailures: 10, windowMs: 60_000 };

/** Addresses tracked at most; beyond it the least recently failing are forgotten (memory stays bounded under a spray). */
const MAX_ADDRESSES = 10_000;

export class FailedAuthLimiter {
  /** Failure times per address, oldest first; Map order is least recently failing first. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: FailedAuthLimits = DEFAULT_FAILED_AUTH_LIMITS,
  ) {}

  /** Milliseconds until `address` may try again; 0 when it may now. */
  retryAfterMs(address: string): number {
    const recent = this.recent(address);
    if (recent.length < this.limits.maxFailures) return 0;
    return recent[recent.length - this.limits.maxFailures]! + this.limits.windowMs - this.clock.now();
  }

  recordFailure(address: string): void {
    const recent = this.recent(address);
    recent.push(this.clock.now());
    // Only the last maxFailures matter for the decision.
    if (recent.length > this.limits.maxFailures) recent.splice(0, recent.length - this.limits.maxFailures);
    this.failures.delete(address);
    this.failures.set(address, recent);
    if (this.failures.size > MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
  }

  trackedAddresses(): number {
    return this.failures.size;
  }

  private recent(address: string): number[] {
    const list = this.failures.get(address);
    if (!list) return [];
    const from = this.clock.now() - this.limits.windowMs;
    const kept = list.filter((t) => t > from);
    if (kept.length === 0) this.failures.delete(address);
    else if (kept.length !== list.length) this.failures.set(address, kept);
    return kept;
  }
}
