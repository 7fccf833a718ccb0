// The leader lease's decisions on one replica (issue 11), pure, with time passed in:
// whether this replica may act as leader now, and when to renew. The lease itself lives in
// PostgreSQL, timed by the database's clock (a row with the holder, the term and the
// expiry); this class only sees the outcome of each attempt to take or renew it.
//
// Patroni's rule keeps a leader that loses the database from acting past its lease: it
// renews every `renewIntervalMs`; an attempt that has not succeeded within `retryTimeoutMs`
// counts as failed; and renewInterval + retryTimeout < ttl. So a leader stops acting at most
// renewInterval + retryTimeout after its last successful renewal, measured on its own
// monotonic clock from when it *sent* that renewal — before the lease, counted by the
// database from no earlier than that moment, can expire and another replica take over.

export interface LeaderLeaseOptions {
  /** How long a lease lasts once taken or renewed (the database's clock). */
  ttlMs: number;
  /** How often the holder renews, and others try to take an expired lease. */
  renewIntervalMs: number;
  /** How long one attempt may take before it counts as failed. */
  retryTimeoutMs: number;
}

export const DEFAULT_LEADER_LEASE: LeaderLeaseOptions = { ttlMs: 4000, renewIntervalMs: 1000, retryTimeoutMs: 2000 };

/** What one attempt to take or renew the lease found. */
export type LeaseAttempt =
  /** This replica holds the lease with `term` (a new, higher term when it was just taken). */
  | { held: true; term: number }
  /** Another replica holds it, for `expiresInMs` more by the database's clock (when known). */
  | { held: false; holder: string; term: number; expiresInMs?: number }
  /** The database did not answer in time or refused: nothing is known. */
  | { failed: string };

export class LeaderLease {
  private term: number | null = null;
  /** Local monotonic time at which the last successful attempt was sent. */
  private heldSince: number | null = null;
  private lastSent = -Infinity;

  constructor(readonly options: LeaderLeaseOptions = DEFAULT_LEADER_LEASE) {
    const { ttlMs, renewIntervalMs, retryTimeoutMs } = options;
    for (const [name, value] of Object.entries(options)) {
      if (!Number.isFinite(value) || value <= 0) throw new Error(`leader lease ${name} must be a positive number of ms, got ${value}`);
    }
    if (renewIntervalMs + retryTimeoutMs >= ttlMs) {
      throw new Error(
        `leader lease: renewInterval (${renewIntervalMs} ms) + retryTimeout (${retryTimeoutMs} ms) must be less than ttl (${ttlMs} ms), ` +
          "or a leader cut off from the database could still act after its lease expired",
      );
    }
  }

  /** True when an attempt is due at `now` (the caller then sends one and reports it with `attempted`). */
  due(now: number): boolean {
    return now - this.lastSent >= this.options.renewIntervalMs;
  }

  /** Records an attempt sent at `sentAt` (local monotonic time) and what it found. */
  attempted(sentAt: number, outcome: LeaseAttempt): void {
    this.lastSent = Math.max(this.lastSent, sentAt);
    if ("failed" in outcome) return;
    if (outcome.held) {
      this.term = outcome.term;
      this.heldSince = sentAt;
    } else {
      this.term = null;
      this.heldSince = null;
    }
  }

  /** The term to put on actions when this replica may act as leader at `now`, else null. */
  leaderTerm(now: number): number | null {
    if (this.term === null || this.heldSince === null) return null;
    return now - this.heldSince < this.options.renewIntervalMs + this.options.retryTimeoutMs ? this.term : null;
  }
}
