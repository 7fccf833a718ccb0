// The membership loop of one `vigil server` replica (issue 11), the shell around LeaderLease:
// every renew interval it renews this replica's registration, takes or renews the leader lease
// and reads the live replicas, through PostgresReplicaStore (timed by the database's clock);
// LeaderLease, pure, decides from those outcomes whether this replica may act as leader now.
//
// leaderTerm() is the authority: computed on every call from this process's monotonic clock,
// it turns null renewInterval + retryTimeout after the last successful attempt was *sent*,
// however long an answer takes, whatever a hung socket or a SIGSTOP did meanwhile. The events
// announce the same changes for the server to start and stop leader-only work and re-balance
// node ownership; they come from timers, so they can be late, never early.
import type { Clock, TimerHandle } from "../util/clock.js";
import { monotonicClock } from "../util/clock.js";
import { silentLogger, type Logger } from "../util/logger.js";
import { DEFAULT_LEADER_LEASE, LeaderLease, type LeaderLeaseOptions } from "./leader-lease.js";
import { newReplicaIdentity, type LiveReplica, type PostgresReplicaStore, type ReplicaIdentity } from "./postgres-replica-store.js";

/** A live replica as the server needs it: its name (for node ownership) and where to reach it. */
export interface ReplicaAddress {
  name: string;
  url: string;
}

export interface ReplicaMembershipOptions {
  /** Its timeoutMs must not exceed the lease's retryTimeoutMs. */
  store: PostgresReplicaStore;
  /** This replica's name (unique in the deployment) and advertised base URL. */
  name: string;
  url: string;
  /** Lease timing; the registration uses the same ttl (default DEFAULT_LEADER_LEASE). */
  lease?: LeaderLeaseOptions;
  /** Default: monotonicClock (a wall-clock step must not stretch a tenure). Only differences of its times matter. */
  clock?: Clock;
  log?: Logger;
  /** How many agents this replica holds now, written with each renewal (default 0). */
  nodes?(): number;
}

type Listener<T> = (value: T) => void;

/**
 * The replicas that renewed their registration within renewInterval + retryTimeout — the
 * span after which a leader steps down by Patroni's rule, applied to every replica: one that
 * missed its renewals that long (killed, frozen, cut off from the database) holds no nodes
 * any more, though its registration has not run out yet. Its nodes re-home about
 * ttl − (renewInterval + retryTimeout) sooner than expiry alone would let them.
 */
export function activeReplicas(live: readonly LiveReplica[], lease: LeaderLeaseOptions): LiveReplica[] {
  return live.filter((r) => r.silentForMs < lease.renewIntervalMs + lease.retryTimeoutMs);
}

/**
 * How long after another replica's lease should have run out the next attempt is made. That
 * end is reckoned from when the last attempt was sent, so it can fall a little before the
 * database's; the margin covers the round trip, and an attempt still early learns the few ms
 * left and comes again.
 */
const TAKEOVER_MARGIN_MS = 25;

export class ReplicaMembership {
  readonly identity: ReplicaIdentity;
  private readonly lease: LeaderLease;
  private readonly store: PostgresReplicaStore;
  private readonly clock: Clock;
  private readonly log: Logger;
  private started = false;
  private stopped = false;
  private stopping: Promise<void> | null = null;
  private running: Promise<void> = Promise.resolve();
  private nextTick: TimerHandle | null = null;
  private stepDownCheck: TimerHandle | null = null;
  /** When the last attempt that found this replica holding the lease was sent (this clock). */
  private lastHeldSentAt: number | null = null;
  private announcedTerm: number | null = null;
  /** The lease holder and term as the last answered attempt found them. */
  private holder: { name: string; term: number } | null = null;
  /** When the lease another replica holds runs out (this clock), from the last answered attempt. */
  private othersLeaseEndsAt: number | null = null;
  private replicas: ReplicaAddress[] = [];
  private nodeCounts = new Map<string, number>();
  private readonly nodes: () => number;
  private failing: string | null = null;
  private readonly leadershipListeners = new Set<Listener<number | null>>();
  private readonly replicasListeners = new Set<Listener<readonly ReplicaAddress[]>>();

  constructor(options: ReplicaMembershipOptions) {
    this.identity = newReplicaIdentity(options.name, options.url);
    this.lease = new LeaderLease(options.lease ?? DEFAULT_LEADER_LEASE);
    this.store = options.store;
    this.clock = options.clock ?? monotonicClock;
    this.nodes = options.nodes ?? (() => 0);
    this.log = (options.log ?? silentLogger()).child({ component: "replica-membership", replica: options.name });
    if (this.store.timeoutMs > this.lease.options.retryTimeoutMs) {
      throw new Error(
        `replica ${options.name}: the store's timeout (${this.store.timeoutMs} ms) exceeds the lease's retry timeout ` +
          `(${this.lease.options.retryTimeoutMs} ms); open the store with timeoutMs = retryTimeoutMs`,
      );
    }
  }

  /** Registers and makes the first attempt on the lease at once, then one every renew interval. */
  start(): void {
    if (this.started) throw new Error(`replica ${this.identity.name}: membership already started`);
    this.started = true;
    this.running = this.tick();
  }

  /**
   * Stops acting as leader (leaderTerm() is null from now on), then releases the lease so that
   * another replica takes over at once, and leaves the live replicas. Waits for an attempt in
   * flight first (each statement is bounded by the retry timeout). Idempotent. Does not close the store.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      this.nextTick?.cancel();
      this.stepDownCheck?.cancel();
      this.announce(null);
      await this.running;
      if (this.lastHeldSentAt !== null) {
        await this.store.release(this.identity).catch((err: Error) => this.log.warn({ err: err.message }, "could not release the leader lease; it expires by itself"));
      }
      await this.store.leave(this.identity).catch((err: Error) => this.log.warn({ err: err.message }, "could not leave the replica list; the registration expires by itself"));
    })();
    return this.stopping;
  }

  /** The term to put on leader-only work when this replica may act as leader now, else null. */
  leaderTerm(): number | null {
    if (this.stopped) return null;
    return this.lease.leaderTerm(this.clock.now());
  }

  /** The lease holder (this replica or another) and its term as last read, or null before the first answer. */
  leader(): { name: string; term: number } | null {
    return this.holder;
  }

  /**
   * The live replicas (this one included once registered) as of the last successful renewal,
   * by name: those whose registration was renewed recently enough (activeReplicas).
   */
  liveReplicas(): readonly ReplicaAddress[] {
    return this.replicas;
  }

  /** Called with the new term when this replica becomes leader, null when it stops; returns an unsubscribe. */
  onLeadershipChange(listener: Listener<number | null>): () => void {
    this.leadershipListeners.add(listener);
    return () => this.leadershipListeners.delete(listener);
  }

  /** Called with the new list when a replica joins or leaves (or changes its URL); returns an unsubscribe. */
  onReplicasChange(listener: Listener<readonly ReplicaAddress[]>): () => void {
    this.replicasListeners.add(listener);
    return () => this.replicasListeners.delete(listener);
  }

  /** One round: register, then the lease (only once registered: a name held by another live process must not lead), then the list. */
  private async tick(): Promise<void> {
    const began = this.clock.now();
    const ttl = this.lease.options.ttlMs;
    let attempted = false;
    try {
      await this.store.register(this.identity, ttl, this.nodes());
      const sentAt = this.clock.now();
      const outcome = await this.store.tryLead(this.identity, ttl);
      this.lease.attempted(sentAt, outcome);
      attempted = true;
      if ("failed" in outcome) throw new Error(outcome.failed);
      if (outcome.held) this.lastHeldSentAt = sentAt;
      this.holder = outcome.held ? { name: this.identity.name, term: outcome.term } : { name: outcome.holder, term: outcome.term };
      this.othersLeaseEndsAt = !outcome.held && outcome.expiresInMs !== undefined ? sentAt + outcome.expiresInMs : null;
      this.updateReplicas(activeReplicas(await this.store.liveReplicas(), this.lease.options));
      this.reportRecovered();
    } catch (err) {
      if (!attempted) this.lease.attempted(began, { failed: (err as Error).message });
      this.reportFailure((err as Error).message);
    }
    this.evaluate();
    if (this.stopped) return;
    // The next round comes one renew interval on, or as soon as another replica's lease runs
    // out if that is sooner (a takeover then waits for the lease alone, not for the interval too).
    let next = began + this.lease.options.renewIntervalMs;
    if (this.othersLeaseEndsAt !== null) next = Math.min(next, this.othersLeaseEndsAt + TAKEOVER_MARGIN_MS);
    const delay = Math.max(0, next - this.clock.now());
    this.nextTick = this.clock.setTimeout(() => {
      this.nextTick = null;
      this.running = this.tick();
    }, delay);
  }

  /** Announces the current leadership, and sets a timer for the moment LeaderLease's rule ends it. */
  private evaluate(): void {
    const term = this.leaderTerm();
    this.announce(term);
    this.stepDownCheck?.cancel();
    this.stepDownCheck = null;
    if (term === null || this.lastHeldSentAt === null) return;
    const { renewIntervalMs, retryTimeoutMs } = this.lease.options;
    const endsIn = this.lastHeldSentAt + renewIntervalMs + retryTimeoutMs - this.clock.now();
    this.stepDownCheck = this.clock.setTimeout(() => {
      this.stepDownCheck = null;
      this.evaluate();
    }, Math.max(0, endsIn));
  }

  private announce(term: number | null): void {
    if (term === this.announcedTerm) return;
    const before = this.announcedTerm;
    this.announcedTerm = term;
    if (term !== null) this.log.info({ term }, "leading");
    else if (before !== null) this.log.info({ term: before }, "no longer leading");
    for (const listener of this.leadershipListeners) this.call(listener, term, "onLeadershipChange");
  }

  /** The agents each live replica held at its last renewal, as last read. */
  nodesOf(replica: string): number | null {
    return this.nodeCounts.get(replica) ?? null;
  }

  private updateReplicas(live: readonly LiveReplica[]): void {
    this.nodeCounts = new Map(live.map((r) => [r.name, r.nodes]));
    const list = live.map(({ name, url }) => ({ name, url }));
    if (JSON.stringify(list) === JSON.stringify(this.replicas)) return;
    this.replicas = list;
    this.log.info({ replicas: list.map((r) => r.name) }, "live replicas changed");
    for (const listener of this.replicasListeners) this.call(listener, list, "onReplicasChange");
  }

  private call<T>(listener: Listener<T>, value: T, event: string): void {
    try {
      listener(value);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, `${event} listener failed`);
    }
  }

  /** Logs the first failure of a run of them (one line per outage, not one per second). */
  private reportFailure(message: string): void {
    if (this.failing === null) this.log.warn({ err: message }, "replica membership: renewal failed; retrying every renew interval");
    this.failing = message;
  }

  private reportRecovered(): void {
    if (this.failing !== null) this.log.info({ after: this.failing }, "replica membership: renewing again");
    this.failing = null;
  }
}
