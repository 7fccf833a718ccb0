// Replica registrations and the leader lease in PostgreSQL (issue 11), timed by the
// database's clock only: every expiry is computed and compared in SQL from now(), so replicas
// whose own clocks disagree (by seconds or by hours) still agree on who is live and who leads.
// The statements behind each call are the whole protocol:
// - a replica registers (and renews) with a lease of its own; live replicas are the rows not
//   yet expired; leaving deletes the row; rows expired for an hour are purged on the way;
// - one atomic UPDATE takes or renews the single leader_lease row and returns it as it stands;
//   a new tenure (the holder changes, or the lease had expired) gets term + 1, a renewal keeps
//   the term; the row is never deleted and its term never goes back (triggers of migration 2),
//   so every term is handed out once: it is the fencing token of the leader's actions.
// Each statement reads the database's clock once, now() (its start): also after waiting for
// another replica's row lock, expiry is judged at that one instant, never at two (a takeover
// judged "expired" for the holder but "not expired" for the term would reuse a term). So a
// renewal queued behind a lock from before its lease ran out keeps the term: safe, since
// nobody could change the row meanwhile, and the lease it writes is counted from that start.
// Every call is bounded by `timeoutMs` (connecting, the statement, waiting for its answer): an
// attempt on the lease that takes longer is `{ failed }`, as LeaderLease expects. "Failed" means
// "unknown": the statement may still have taken effect (the server cancels it at the same
// timeout, counted from when the statement reached it), which is safe: LeaderLease does not
// act on it, and the next attempt reads the lease as it stands.
// The store also hands out the deployment's cluster key (clusterKey(), migration 3).
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { LeaseAttempt } from "./leader-lease.js";
import { newClusterKey } from "./cluster-key.js";
import { createPool, describePostgresUrl, parsePostgresUrl } from "../storage/postgres/postgres-pool.js";

/** One replica as this store knows it. `incarnation` tells a restarted process from the one before. */
export interface ReplicaIdentity {
  /** Unique among the replicas of one deployment; the leader lease names its holder by it. */
  name: string;
  /** The advertised base URL: what agents and other replicas use to reach this replica. */
  url: string;
  /** Random per process start (newReplicaIdentity makes one). */
  incarnation: string;
}

export interface LiveReplica {
  name: string;
  url: string;
  /** When this incarnation first registered, in ms since the epoch by the database's clock. */
  startedAt: number;
  /** Time left on its registration, by the database's clock. */
  expiresInMs: number;
  /** The agents it held at its last renewal. */
  nodes: number;
  /** Time since its last renewal, by the database's clock. */
  silentForMs: number;
}

export interface LeaderStatus {
  /** The replica holding an unexpired lease, or null when none does. */
  holder: string | null;
  /** The latest term handed out (0: never); the holder's term while it holds the lease. */
  term: number;
  /** Time left on the holder's lease by the database's clock; 0 when nobody holds it. */
  expiresInMs: number;
}

/** Rows of a registration expired this long ago are purged, so the table does not grow. */
export const FORGET_EXPIRED_REPLICAS_MS = 60 * 60 * 1000;
/** Connections of the store's own pool: one loop runs its statements one at a time, plus slack for status reads. */
const STORE_POOL_SIZE = 3;
/** Longest replica name: it appears in lease rows, logs and `vigil cluster status`. */
const MAX_NAME_LENGTH = 200;

/** The database's clock, as BIGINT ms since the epoch (now(): the start of the statement's transaction). */
const DB_NOW_MS = "(extract(epoch FROM now()) * 1000)::bigint";

/** Checks a replica's name and URL (they come from config), and gives this process start its incarnation. */
export function newReplicaIdentity(name: string, url: string): ReplicaIdentity {
  if (typeof name !== "string" || name.trim() === "" || name !== name.trim() || name.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new Error(
      `replica name ${JSON.stringify(name)}: expected 1 to ${MAX_NAME_LENGTH} printable characters without leading or trailing spaces`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`replica ${name}: advertised URL ${JSON.stringify(url)} is not a URL (expected e.g. http://10.0.0.5:7070)`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new Error(`replica ${name}: advertised URL ${JSON.stringify(url)} must start with http:// or https://`);
  }
  return { name, url, incarnation: randomUUID() };
}

function checkTtl(what: string, ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new Error(`${what}: ttl must be a positive whole number of ms, got ${ttlMs}`);
}

/** The first line of a cause, naming timeouts plainly (pg says "Query read timeout" or "canceling statement ..."). */
function describeFailure(err: unknown, timeoutMs: number): string {
  const e = err as Error & { code?: string; errors?: Error[] };
  const message = e.message || (Array.isArray(e.errors) ? e.errors.map((x) => x.message).join("; ") : "") || e.code || String(err);
  if (e.code === "57014" || /Query read timeout|timeout exceeded when trying to connect|Connection terminated due to connection timeout/i.test(message)) {
    return `no answer from PostgreSQL within ${timeoutMs} ms (${message})`;
  }
  return message;
}

/**
 * Connects to the database at `url` with a pool of its own (so that a busy storage pool cannot
 * delay renewals), every call bounded by `timeoutMs` (use LeaderLease's retryTimeoutMs). The
 * schema must be current: open the storage first, which migrates it.
 */
export function openReplicaStore(
  url: string,
  options: { timeoutMs: number; onIdleClientError?: (err: Error) => void },
): PostgresReplicaStore {
  let where: string;
  try {
    where = describePostgresUrl(parsePostgresUrl(url));
  } catch (err) {
    throw new Error(`cannot open the replica store: ${(err as Error).message}`, { cause: err });
  }
  const pool = createPool(url, {
    max: STORE_POOL_SIZE,
    connectTimeoutMs: options.timeoutMs,
    statementTimeoutMs: options.timeoutMs,
    ...(options.onIdleClientError && { onIdleClientError: options.onIdleClientError }),
  });
  return new PostgresReplicaStore(pool, options.timeoutMs, where);
}

export class PostgresReplicaStore {
  private closing: Promise<void> | null = null;

  /** Takes a pool made by createPool with statementTimeoutMs and connectTimeoutMs of `timeoutMs` (see openReplicaStore). */
  constructor(
    private readonly pool: pg.Pool,
    readonly timeoutMs: number,
    /** Where the database is, for messages (no password). */
    readonly where = "PostgreSQL",
  ) {
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new Error(`replica store timeoutMs must be a positive whole number, got ${timeoutMs}`);
  }

  /**
   * Registers `replica`, or renews its registration, for `ttlMs` from now by the database's
   * clock; a restarted process (same name, new incarnation) takes the row over once the old
   * registration has expired or left. Throws when another live process holds the name.
   */
  async register(replica: ReplicaIdentity, ttlMs: number, nodes = 0): Promise<void> {
    checkTtl(`register(${replica.name})`, ttlMs);
    await this.run(`register(${replica.name})`, async () => {
      const taken = await this.query(
        `WITH clock AS (SELECT ${DB_NOW_MS} AS now_ms),
              purge AS (DELETE FROM replicas WHERE expires_at < (SELECT now_ms FROM clock) - $5 AND name <> $1)
         INSERT INTO replicas AS r (name, url, incarnation, started_at, expires_at, nodes, renewed_at)
         SELECT $1, $2, $3, now_ms, now_ms + $4, $6, now_ms FROM clock
         ON CONFLICT (name) DO UPDATE SET
           url = EXCLUDED.url,
           nodes = EXCLUDED.nodes,
           renewed_at = EXCLUDED.renewed_at,
           started_at = CASE WHEN r.incarnation = EXCLUDED.incarnation THEN r.started_at ELSE EXCLUDED.started_at END,
           incarnation = EXCLUDED.incarnation,
           expires_at = EXCLUDED.expires_at
         WHERE r.incarnation = EXCLUDED.incarnation OR r.expires_at <= EXCLUDED.started_at
         RETURNING name`,
        [replica.name, replica.url, replica.incarnation, ttlMs, FORGET_EXPIRED_REPLICAS_MS, nodes],
      );
      if (taken.length === 1) return;
      const [other] = await this.query<{ url: string; expires_in_ms: number }>(
        `SELECT url, expires_at - ${DB_NOW_MS} AS expires_in_ms FROM replicas WHERE name = $1`,
        [replica.name],
      );
      throw new Error(
        `replica name "${replica.name}" is in use by another live process` +
          (other ? ` advertising ${other.url} (its registration runs ${other.expires_in_ms} ms more)` : "") +
          ": give each replica its own name",
      );
    });
  }

  /** Removes this process's registration at once (a clean shutdown); another incarnation's row is left alone. */
  async leave(replica: ReplicaIdentity): Promise<void> {
    await this.run(`leave(${replica.name})`, () =>
      this.query("DELETE FROM replicas WHERE name = $1 AND incarnation = $2", [replica.name, replica.incarnation]),
    );
  }

  /** The replicas whose registration has not expired by the database's clock, by name. */
  liveReplicas(): Promise<LiveReplica[]> {
    return this.run("liveReplicas", async () => {
      const rows = await this.query<{ name: string; url: string; started_at: number; expires_in_ms: number; nodes: number; silent_for_ms: number }>(
        `SELECT name, url, started_at, expires_at - now_ms AS expires_in_ms, nodes, now_ms - renewed_at AS silent_for_ms
         FROM replicas, (SELECT ${DB_NOW_MS} AS now_ms) AS clock
         WHERE expires_at > now_ms ORDER BY name`,
      );
      return rows.map((r) => ({ name: r.name, url: r.url, startedAt: r.started_at, expiresInMs: r.expires_in_ms, nodes: r.nodes, silentForMs: r.silent_for_ms }));
    });
  }

  /**
   * Takes the leader lease for `ttlMs` if it is free (expired) or renews it if this incarnation
   * holds it, in one statement. Never throws: a failure or an answer later than `timeoutMs` is
   * `{ failed }`. The UPDATE always writes the row, so that after waiting for another replica's
   * row lock it re-reads the row as committed and returns it as it stands.
   */
  async tryLead(replica: ReplicaIdentity, ttlMs: number): Promise<LeaseAttempt> {
    try {
      checkTtl(`tryLead(${replica.name})`, ttlMs);
      const rows = await this.run(`tryLead(${replica.name})`, () =>
        this.query<{ holder: string; mine: boolean; term: number; expires_in_ms: number }>(
          `WITH clock AS (SELECT ${DB_NOW_MS} AS now_ms)
           UPDATE leader_lease AS l SET
             term = CASE
               WHEN l.holder_incarnation = $2 AND l.expires_at > clock.now_ms THEN l.term
               WHEN l.expires_at <= clock.now_ms THEN l.term + 1
               ELSE l.term END,
             holder = CASE WHEN l.holder_incarnation = $2 OR l.expires_at <= clock.now_ms THEN $1 ELSE l.holder END,
             expires_at = CASE WHEN l.holder_incarnation = $2 OR l.expires_at <= clock.now_ms THEN clock.now_ms + $3 ELSE l.expires_at END,
             holder_incarnation = CASE WHEN l.holder_incarnation = $2 OR l.expires_at <= clock.now_ms THEN $2 ELSE l.holder_incarnation END
           FROM clock
           WHERE l.id = 1
           RETURNING l.holder, l.holder_incarnation = $2 AS mine, l.term, l.expires_at - clock.now_ms AS expires_in_ms`,
          [replica.name, replica.incarnation, ttlMs],
        ),
      );
      const row = rows[0];
      if (!row) return { failed: "the leader_lease row is missing (it is created by migration 2 and never deleted)" };
      return row.mine ? { held: true, term: row.term } : { held: false, holder: row.holder, term: row.term, expiresInMs: row.expires_in_ms };
    } catch (err) {
      return { failed: (err as Error).message };
    }
  }

  /**
   * Ends this incarnation's tenure now (a clean step-down), keeping the term, so that the
   * next replica to try takes the lease at once with term + 1. Returns whether it held it.
   */
  release(replica: ReplicaIdentity): Promise<boolean> {
    return this.run(`release(${replica.name})`, async () => {
      const rows = await this.query(
        `UPDATE leader_lease SET expires_at = ${DB_NOW_MS}
         WHERE id = 1 AND holder_incarnation = $1 AND expires_at > ${DB_NOW_MS}
         RETURNING term`,
        [replica.incarnation],
      );
      return rows.length === 1;
    });
  }

  /** Who leads now, with which term, for how much longer (the database's clock). */
  leaderStatus(): Promise<LeaderStatus> {
    return this.run("leaderStatus", async () => {
      const [row] = await this.query<{ holder: string | null; term: number; expires_in_ms: number }>(
        `SELECT holder, term, expires_at - ${DB_NOW_MS} AS expires_in_ms FROM leader_lease WHERE id = 1`,
      );
      if (!row) throw new Error("the leader_lease row is missing (it is created by migration 2 and never deleted)");
      const live = row.holder !== null && row.expires_in_ms > 0;
      return { holder: live ? row.holder : null, term: row.term, expiresInMs: live ? row.expires_in_ms : 0 };
    });
  }

  /**
   * The deployment's cluster key (src/replicas/cluster-key.ts), made on the first call: a new
   * random key is offered with INSERT ... ON CONFLICT DO NOTHING, then the row is read in a
   * second statement (a fresh snapshot), so replicas that start at once all read the one
   * that won. The key never changes afterwards.
   */
  clusterKey(): Promise<string> {
    return this.run("clusterKey", async () => {
      await this.query(`INSERT INTO cluster_key (id, key, created_at) VALUES (1, $1, ${DB_NOW_MS}) ON CONFLICT (id) DO NOTHING`, [newClusterKey()]);
      const [row] = await this.query<{ key: string }>("SELECT key FROM cluster_key WHERE id = 1");
      if (!row) throw new Error("the cluster_key row is missing right after it was inserted");
      return row.key;
    });
  }

  /** Idempotent; waits for the pool's connections to close. */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }

  private async query<Row = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query(sql, params)).rows as Row[];
  }

  /**
   * Runs `work` within `timeoutMs`, failing with "replicas <operation> failed: <cause>". pg's own
   * timeouts end the statement and the connection; this deadline is the backstop that makes
   * the caller's wait bounded whatever the socket does.
   */
  private async run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from PostgreSQL within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      if (this.closing) throw new Error("the replica store is closed");
      return await Promise.race([work(), deadline]);
    } catch (err) {
      throw new Error(`replicas ${operation} at ${this.where} failed: ${describeFailure(err, this.timeoutMs)}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }
}
