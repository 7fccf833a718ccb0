// Replica registrations and the leader lease on a real PostgreSQL (test/storage/postgres-server.ts),
// each replica with a store and pool of its own as separate processes would have: racing
// replicas get one holder per term, terms only grow, renewal keeps the term, release hands
// over at once, expiry by the database's clock, registrations that come, leave and expire,
// a statement stuck behind a row lock that fails within the timeout, and the cluster key that
// racing replicas agree on. Skipped loudly without PostgreSQL, unless VIGIL_REQUIRE_POSTGRES=1.
import type { LeaseAttempt } from "../../src/replicas/leader-lease.js";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { applyMigrations } from "../../src/storage/postgres/migrations.js";
import { createPool } from "../../src/storage/postgres/postgres-pool.js";
import { newReplicaIdentity, openReplicaStore, type PostgresReplicaStore, type ReplicaIdentity } from "../../src/replicas/postgres-replica-store.js";
import { skipPostgres, usePostgres } from "../storage/postgres-server.js";

const postgres = usePostgres();

/** An attempt without the time left on another's lease (it depends on when the statement ran). */
function holderOf(attempt: LeaseAttempt): LeaseAttempt {
  if (!("held" in attempt) || attempt.held) return attempt;
  const { expiresInMs, ...rest } = attempt;
  assert.ok(expiresInMs !== undefined && expiresInMs > 0, `the time left on the holder's lease: ${expiresInMs}`);
  return rest;
}

const LONG_TTL = 60_000;

/** A fresh, migrated schema and a raw pool on it (for what no replica would do), ended by the caller. */
async function freshDatabase(): Promise<{ url: string; admin: pg.Pool }> {
  const url = await postgres.freshDatabaseUrl();
  const admin = createPool(url, { max: 2 });
  await applyMigrations(admin);
  return { url, admin };
}

/** `names.length` replicas, each with its own store (own pool), closed by the returned function. */
function replicasOn(url: string, names: string[], timeoutMs = 2000): { stores: PostgresReplicaStore[]; ids: ReplicaIdentity[]; close: () => Promise<void> } {
  const stores = names.map(() => openReplicaStore(url, { timeoutMs }));
  const ids = names.map((name) => newReplicaIdentity(name, `http://${name}.example:7070`));
  return { stores, ids, close: async () => void (await Promise.all(stores.map((s) => s.close()))) };
}

/** Polls `check` every 50 ms until it returns true; fails after `withinMs` (generous: no timing is asserted). */
async function eventually(what: string, check: () => Promise<boolean>, withinMs = 20_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("PostgresReplicaStore", { skip: skipPostgres && "no PostgreSQL (see the notice above)" }, () => {
  it("replicas racing for the lease: one holder per term, every new tenure a higher term, never repeated", async () => {
    const { url, admin } = await freshDatabase();
    const { stores, ids, close } = replicasOn(url, ["a", "b", "c"]);
    try {
      const holderOfTerm = new Map<number, string>();
      let lastTerm = 0;
      for (let round = 0; round < 20; round++) {
        const outcomes = await Promise.all(stores.map((s, i) => s.tryLead(ids[i]!, LONG_TTL)));
        const winners = outcomes.flatMap((o, i) => ("held" in o && o.held ? [{ name: ids[i]!.name, term: o.term }] : []));
        assert.equal(winners.length, 1, `round ${round}: exactly one holder, got ${JSON.stringify(outcomes)}`);
        const winner = winners[0]!;
        assert.ok(winner.term > lastTerm, `round ${round}: term ${winner.term} after ${lastTerm}`);
        assert.equal(holderOfTerm.has(winner.term), false, `term ${winner.term} handed out twice`);
        holderOfTerm.set(winner.term, winner.name);
        lastTerm = winner.term;
        for (const o of outcomes) {
          if ("held" in o && !o.held) assert.deepEqual(holderOf(o), { held: false, holder: winner.name, term: winner.term }, "the others learn holder and term");
        }
        // The holder steps down; the next round is a new race.
        const index = ids.findIndex((id) => id.name === winner.name);
        assert.equal(await stores[index]!.release(ids[index]!), true);
      }
      assert.deepEqual([...holderOfTerm.keys()], Array.from({ length: 20 }, (_, i) => i + 1), "terms 1, 2, 3, ... from the migration's 0");
    } finally {
      await close();
      await admin.end();
    }
  });

  it("a renewal keeps the term and extends the lease by the database's clock", async () => {
    const { url, admin } = await freshDatabase();
    const { stores: [a], ids: [idA], close } = replicasOn(url, ["a"]);
    try {
      assert.deepEqual(await a!.leaderStatus(), { holder: null, term: 0, expiresInMs: 0 });
      assert.deepEqual(await a!.tryLead(idA!, 5000), { held: true, term: 1 });
      assert.deepEqual(await a!.tryLead(idA!, LONG_TTL), { held: true, term: 1 });
      assert.deepEqual(await a!.tryLead(idA!, LONG_TTL), { held: true, term: 1 });
      const status = await a!.leaderStatus();
      assert.equal(status.holder, "a");
      assert.equal(status.term, 1);
      assert.ok(status.expiresInMs > LONG_TTL - 10_000 && status.expiresInMs <= LONG_TTL, `expires in ${status.expiresInMs} ms`);
    } finally {
      await close();
      await admin.end();
    }
  });

  it("a released lease goes to the next replica at once, with the next term; release by a non-holder does nothing", async () => {
    const { url, admin } = await freshDatabase();
    const { stores: [a, b], ids: [idA, idB], close } = replicasOn(url, ["a", "b"]);
    try {
      assert.deepEqual(await a!.tryLead(idA!, LONG_TTL), { held: true, term: 1 });
      assert.deepEqual(holderOf(await b!.tryLead(idB!, LONG_TTL)), { held: false, holder: "a", term: 1 });
      assert.equal(await b!.release(idB!), false, "b does not hold it");
      assert.equal((await a!.leaderStatus()).holder, "a");
      assert.equal(await a!.release(idA!), true);
      assert.deepEqual(await a!.leaderStatus(), { holder: null, term: 1, expiresInMs: 0 }, "released: nobody holds it, the term stays");
      assert.deepEqual(await b!.tryLead(idB!, LONG_TTL), { held: true, term: 2 });
      assert.deepEqual(holderOf(await a!.tryLead(idA!, LONG_TTL)), { held: false, holder: "b", term: 2 });
      assert.equal(await a!.release(idA!), false);
      assert.equal((await b!.leaderStatus()).holder, "b", "a's release left b's lease alone");
    } finally {
      await close();
      await admin.end();
    }
  });

  it("a holder that stops renewing loses the lease when it expires by the database's clock, to a higher term", async () => {
    const { url, admin } = await freshDatabase();
    const { stores: [a, b], ids: [idA, idB], close } = replicasOn(url, ["a", "b"]);
    try {
      assert.deepEqual(await a!.tryLead(idA!, 800), { held: true, term: 1 });
      assert.deepEqual(holderOf(await b!.tryLead(idB!, LONG_TTL)), { held: false, holder: "a", term: 1 }, "not before it expires");
      await eventually("a's lease expires", async () => (await b!.leaderStatus()).holder === null);
      assert.deepEqual(await b!.tryLead(idB!, LONG_TTL), { held: true, term: 2 });
      assert.deepEqual(holderOf(await a!.tryLead(idA!, LONG_TTL)), { held: false, holder: "b", term: 2 }, "the old holder does not get it back");
    } finally {
      await close();
      await admin.end();
    }
  });

  it("a restarted process with the same name is a new tenure: it waits for the old lease and gets a higher term", async () => {
    const { url, admin } = await freshDatabase();
    const { stores: [store], ids: [before], close } = replicasOn(url, ["a"]);
    try {
      const restarted = newReplicaIdentity("a", "http://a.example:7070");
      assert.deepEqual(await store!.tryLead(before!, 800), { held: true, term: 1 });
      assert.deepEqual(holderOf(await store!.tryLead(restarted, LONG_TTL)), { held: false, holder: "a", term: 1 }, "the old incarnation's lease is not the new one's");
      await eventually("the old lease expires", async () => (await store!.leaderStatus()).holder === null);
      assert.deepEqual(await store!.tryLead(restarted, LONG_TTL), { held: true, term: 2 });
    } finally {
      await close();
      await admin.end();
    }
  });

  it("an expired holder that renews late starts a new term", async () => {
    const { url, admin } = await freshDatabase();
    const { stores: [a], ids: [idA], close } = replicasOn(url, ["a"]);
    try {
      assert.deepEqual(await a!.tryLead(idA!, 500), { held: true, term: 1 });
      await eventually("the lease expires", async () => (await a!.leaderStatus()).holder === null);
      assert.deepEqual(await a!.tryLead(idA!, LONG_TTL), { held: true, term: 2 }, "another replica may have acted in between: not the same tenure");
    } finally {
      await close();
      await admin.end();
    }
  });

  it("the lease row is never removed and its term never goes back, so no term is handed out twice", async () => {
    const { url, admin } = await freshDatabase();
    const { stores: [a], ids: [idA], close } = replicasOn(url, ["a"]);
    try {
      assert.deepEqual(await a!.tryLead(idA!, LONG_TTL), { held: true, term: 1 });
      await assert.rejects(admin.query("DELETE FROM leader_lease"), /leader_lease: DELETE refused: the row is never removed, so that terms never go back/);
      await assert.rejects(admin.query("TRUNCATE leader_lease"), /leader_lease: TRUNCATE refused/);
      await assert.rejects(admin.query("UPDATE leader_lease SET term = 0"), /leader_lease: the term may not go back \(from 1 to 0\)/);
      await assert.rejects(admin.query("INSERT INTO leader_lease (id, term, expires_at) VALUES (2, 0, 0)"), /violates check constraint/);
      const status = await a!.leaderStatus();
      assert.deepEqual([status.holder, status.term], ["a", 1], "the lease stands as it was");
    } finally {
      await close();
      await admin.end();
    }
  });

  it("live replicas: registered ones appear, one that leaves goes at once, one that stops renewing goes when it expires", async () => {
    const { url, admin } = await freshDatabase();
    const { stores: [a, b, c], ids: [idA, idB, idC], close } = replicasOn(url, ["a", "b", "c"]);
    try {
      await a!.register(idA!, LONG_TTL, 7);
      await b!.register(idB!, LONG_TTL);
      await c!.register(idC!, 800);
      const live = await a!.liveReplicas();
      assert.deepEqual(live.map((r) => [r.name, r.url]), [["a", "http://a.example:7070"], ["b", "http://b.example:7070"], ["c", "http://c.example:7070"]]);
      assert.deepEqual(live.map((r) => r.nodes), [7, 0, 0], "the agents each held at its renewal");
      assert.ok(live.every((r) => r.silentForMs >= 0 && r.silentForMs < 5000), `time since each renewal, by the database's clock: ${live.map((r) => r.silentForMs)}`);
      const [{ now }] = (await admin.query("SELECT (extract(epoch FROM now()) * 1000)::bigint AS now")).rows as [{ now: number }];
      assert.ok(Math.abs(live[0]!.startedAt - now) < 60_000, "startedAt is the database's time");
      await b!.leave(idB!);
      assert.deepEqual((await a!.liveReplicas()).map((r) => r.name), ["a", "c"], "b left at once");
      await eventually("c's registration expires", async () => (await a!.liveReplicas()).length === 1);
      assert.deepEqual((await a!.liveReplicas()).map((r) => r.name), ["a"]);
      // c comes back (a restart after its registration expired): it takes its row over.
      const restartedC = newReplicaIdentity("c", "http://c2.example:7070");
      await c!.register(restartedC, LONG_TTL);
      assert.deepEqual((await a!.liveReplicas()).map((r) => [r.name, r.url]), [["a", "http://a.example:7070"], ["c", "http://c2.example:7070"]]);
    } finally {
      await close();
      await admin.end();
    }
  });

  it("a name held by another live process is refused, saying where that process is; once it leaves, the new one takes the row", async () => {
    const { url, admin } = await freshDatabase();
    const { stores: [store], ids: [first], close } = replicasOn(url, ["a"]);
    try {
      await store!.register(first!, LONG_TTL);
      const second = newReplicaIdentity("a", "http://elsewhere.example:7070");
      await assert.rejects(
        store!.register(second, LONG_TTL),
        /replicas register\(a\) at postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres failed: replica name "a" is in use by another live process advertising http:\/\/a\.example:7070 \(its registration runs \d+ ms more\): give each replica its own name/,
      );
      await store!.leave(second);
      assert.equal((await store!.liveReplicas()).length, 1, "leaving as another incarnation removes nothing");
      await store!.leave(first!);
      await store!.register(second, LONG_TTL);
      assert.deepEqual((await store!.liveReplicas()).map((r) => r.url), ["http://elsewhere.example:7070"]);
    } finally {
      await close();
      await admin.end();
    }
  });

  it("rows expired for over an hour are purged when a replica registers; recently expired ones stay until then", async () => {
    const { url, admin } = await freshDatabase();
    const { stores: [a], ids: [idA], close } = replicasOn(url, ["a"]);
    try {
      const dbNow = "(extract(epoch FROM now()) * 1000)::bigint";
      await admin.query(`INSERT INTO replicas VALUES ('old', 'http://old:1', 'x', ${dbNow} - 7300000, ${dbNow} - 7200000)`);
      await admin.query(`INSERT INTO replicas VALUES ('recent', 'http://recent:1', 'y', ${dbNow} - 700000, ${dbNow} - 600000)`);
      await a!.register(idA!, LONG_TTL);
      const { rows } = await admin.query("SELECT name FROM replicas ORDER BY name");
      assert.deepEqual(rows.map((r) => r.name), ["a", "recent"]);
      assert.deepEqual((await a!.liveReplicas()).map((r) => r.name), ["a"], "an expired row is not live");
    } finally {
      await close();
      await admin.end();
    }
  });

  it("an attempt stuck behind a lock on the lease row fails within the timeout, and succeeds once the lock is gone", async () => {
    const { url, admin } = await freshDatabase();
    const { stores: [a], ids: [idA], close } = replicasOn(url, ["a"], 500);
    const locker = await admin.connect();
    try {
      assert.deepEqual(await a!.tryLead(idA!, LONG_TTL), { held: true, term: 1 });
      await locker.query("BEGIN");
      await locker.query("SELECT * FROM leader_lease WHERE id = 1 FOR UPDATE");
      const started = Date.now();
      const outcome = await a!.tryLead(idA!, LONG_TTL);
      const tookMs = Date.now() - started;
      assert.ok("failed" in outcome, JSON.stringify(outcome));
      assert.match(outcome.failed, /^replicas tryLead\(a\) at .* failed: no answer from PostgreSQL within 500 ms/);
      assert.ok(tookMs < 10_000, `bounded, took ${tookMs} ms`);
      await assert.rejects(a!.release(idA!), /replicas release\(a\) at .* failed: no answer from PostgreSQL within 500 ms/);
      // The caller stopped waiting; the server cancels the statements too (statement_timeout),
      // so none of them takes effect once the lock goes.
      await eventually("the server cancelled the blocked statements", async () => {
        const { rows } = await admin.query("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'");
        return rows[0].n === 0;
      });
      await locker.query("COMMIT");
      assert.deepEqual(await a!.tryLead(idA!, LONG_TTL), { held: true, term: 1 }, "renewed within its lease: the same term");
    } finally {
      locker.release();
      await close();
      await admin.end();
    }
  });

  it("the cluster key: made once per deployment, replicas asking at once all get the same one, it never changes", async () => {
    const { url, admin } = await freshDatabase();
    const { stores, close } = replicasOn(url, ["a", "b", "c", "d"]);
    try {
      const keys = await Promise.all(stores.map((s) => s.clusterKey()));
      assert.match(keys[0]!, /^[0-9a-f]{64}$/, "32 random bytes as hex");
      assert.deepEqual(keys, keys.map(() => keys[0]), "every replica reads the key that won");
      assert.equal(await stores[1]!.clusterKey(), keys[0], "asking again reads the same key");
      const { rows } = await admin.query("SELECT COUNT(*)::int AS n FROM cluster_key");
      assert.deepEqual(rows, [{ n: 1 }]);
      const other = await freshDatabase();
      const elsewhere = openReplicaStore(other.url, { timeoutMs: 2000 });
      try {
        assert.notEqual(await elsewhere.clusterKey(), keys[0], "another deployment has a key of its own");
      } finally {
        await elsewhere.close();
        await other.admin.end();
      }
    } finally {
      await close();
      await admin.end();
    }
  });

  it("bad input is refused, naming what and where", async () => {
    const { url, admin } = await freshDatabase();
    const { stores: [a], ids: [idA], close } = replicasOn(url, ["a"]);
    try {
      assert.throws(() => newReplicaIdentity("", "http://x:1"), /replica name "": expected 1 to 200 printable characters/);
      assert.throws(() => newReplicaIdentity(" a", "http://x:1"), /replica name " a": expected/);
      assert.throws(() => newReplicaIdentity("a", "x:1:2"), /replica a: advertised URL "x:1:2" (is not a URL|must start with http:\/\/ or https:\/\/)/);
      assert.throws(() => newReplicaIdentity("a", "ftp://x:1"), /replica a: advertised URL "ftp:\/\/x:1" must start with http:\/\/ or https:\/\//);
      await assert.rejects(a!.register(idA!, 0), /register\(a\): ttl must be a positive whole number of ms, got 0/);
      assert.deepEqual(await a!.tryLead(idA!, 1.5), { failed: "tryLead(a): ttl must be a positive whole number of ms, got 1.5" });
      assert.throws(() => openReplicaStore("mysql://x", { timeoutMs: 100 }), /cannot open the replica store: expected a postgres:\/\/ or postgresql:\/\/ URL/);
      assert.throws(() => openReplicaStore(url, { timeoutMs: -1 }), /PostgreSQL pool option connectTimeoutMs must be a positive whole number, got -1/);
    } finally {
      await close();
      await admin.end();
    }
  });
});
