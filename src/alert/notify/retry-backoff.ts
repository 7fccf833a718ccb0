// The delay before the next delivery attempt of a notification: exponential doubling, capped,
// so a receiver that is down is not hammered and one that comes back is reached soon.

export interface RetryBackoff {
  initialMs: number;
  maxMs: number;
}

/** delay(attempt) = min(maxMs, initialMs * 2^(attempt - 1)): 1s, 2s, 4s, ... up to 60s by default. */
export function retryDelay(attempt: number, { initialMs = 1000, maxMs = 60_000 }: Partial<RetryBackoff> = {}): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`retryDelay: attempt must be an integer >= 1, got ${attempt}`);
  }
  return Math.min(maxMs, initialMs * 2 ** (attempt - 1));
}
