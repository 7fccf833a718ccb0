// The Lifeguard suspicion timeout (hashicorp/memberlist, suspicion.go): a suspected node gets
// `max` to refute the suspicion, shrinking towards `min` as independent peers confirm that
// they cannot reach it either — more evidence, shorter wait.

/**
 * timeout(n) = max(min, max − (max − min) · log(n + 1) / log(k + 1)), floored to whole ms,
 * for n confirmations out of k expected: n = 0 gives max, n = k gives min, and each further
 * confirmation shrinks the timeout by less than the one before (log). With k < 1 nobody can
 * confirm, so the timeout is min (memberlist does the same).
 */
export function suspicionTimeout(confirmations: number, expectedConfirmations: number, minMs: number, maxMs: number): number {
  checkArguments(confirmations, expectedConfirmations, minMs, maxMs);
  if (expectedConfirmations < 1) return minMs;
  const fraction = Math.log(confirmations + 1) / Math.log(expectedConfirmations + 1);
  const raw = Math.floor(maxMs - fraction * (maxMs - minMs));
  return Math.max(minMs, raw);
}

/** memberlist's remainingSuspicionTime: the timeout minus the time already spent suspecting (may be negative). */
export function remainingSuspicionTime(
  confirmations: number,
  expectedConfirmations: number,
  elapsedMs: number,
  minMs: number,
  maxMs: number,
): number {
  return suspicionTimeout(confirmations, expectedConfirmations, minMs, maxMs) - elapsedMs;
}

function checkArguments(confirmations: number, expected: number, minMs: number, maxMs: number): void {
  if (!Number.isInteger(confirmations) || confirmations < 0) {
    throw new RangeError(`suspicion: confirmations must be an integer ≥ 0, got ${confirmations}`);
  }
  if (!Number.isInteger(expected) || expected < 0) {
    throw new RangeError(`suspicion: expected confirmations must be an integer ≥ 0, got ${expected}`);
  }
  if (!(minMs >= 0) || !Number.isFinite(minMs)) throw new RangeError(`suspicion: min timeout must be a finite number ≥ 0, got ${minMs}`);
  if (!(maxMs >= minMs) || !Number.isFinite(maxMs)) {
    throw new RangeError(`suspicion: max timeout must be finite and ≥ the min timeout (${minMs} ms), got ${maxMs}`);
  }
}

export interface SuspicionOptions {
  startedAt: number;
  /** k: how many peers were asked to confirm. */
  expectedConfirmations: number;
  minMs: number;
  maxMs: number;
}

/** One running suspicion: who confirmed (each peer counted once) and when it runs out. */
export class Suspicion {
  readonly startedAt: number;
  readonly expectedConfirmations: number;
  private readonly confirmers = new Set<string>();

  constructor(private readonly options: SuspicionOptions) {
    checkArguments(0, options.expectedConfirmations, options.minMs, options.maxMs);
    this.startedAt = options.startedAt;
    this.expectedConfirmations = options.expectedConfirmations;
  }

  get confirmations(): number {
    return this.confirmers.size;
  }

  /** Counts `peer`'s confirmation; false when it already confirmed or k confirmations are in (memberlist ignores those too). */
  confirm(peer: string): boolean {
    if (this.confirmers.has(peer) || this.confirmers.size >= this.expectedConfirmations) return false;
    this.confirmers.add(peer);
    return true;
  }

  timeoutMs(): number {
    return suspicionTimeout(this.confirmers.size, this.expectedConfirmations, this.options.minMs, this.options.maxMs);
  }

  deadline(): number {
    return this.startedAt + this.timeoutMs();
  }

  remainingMs(now: number): number {
    return remainingSuspicionTime(this.confirmers.size, this.expectedConfirmations, now - this.startedAt, this.options.minMs, this.options.maxMs);
  }

  expired(now: number): boolean {
    return this.remainingMs(now) <= 0;
  }
}
