// The membership loop on a real PostgreSQL with real timers: one leader among replicas, a
// clean stop that hands over at once, replica clocks hours apart that still agree (the
// database's clock decides), a leader whose lease statement hangs behind a row lock that
// stops leading before the database would let another take over, and a duplicate name that
// neither registers nor leads. Waits are polls with generous limits; no timing is asserted
// tightly. Skipped loudly without PostgreSQL, unless VIGIL_REQUIRE_POSTGRES=1.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type pg from "pg";
import { applyMigrations } from "../../src/storage/postgres/migrations.js";
import { createPool } from "../../src/storage/postgres/postgres-pool.js";
import { newReplicaIdentity, openReplicaStore, type PostgresReplicaStore } from "../../src/replicas/postgres-replica-store.js";
import { ReplicaMembership } from "../../src/replicas/replica-membership.js";
import type { LeaderLeaseOptions } from "../../src/replicas/leader-lease.js";
import { monotonicClock, systemClock, type Clock } from "../../src/util/clock.js";
import { skipPostgres, usePostgres } from "../storage/postgres-server.js";

const postgres = usePostgres();

/** Quicker than the defaults, same shape: renewInterval + retryTimeout < ttl with room to spare. */
const QUICK: LeaderLeaseOptions = { ttlMs: 4000, renewIntervalMs: 300, retryTimeoutMs: 700 };
const HOUR = 3_600_000;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
});

async function freshDatabase(): Promise<{ url: string; admin: pg.Pool }> {
  const url = await postgres.freshDatabaseUrl();
  const admin = createPool(url, { max: 3 });
  cleanups.push(() => admin.end());
  await applyMigrations(admin);
  return { url, admin };
}

function openStore(url: string, timeoutMs: number): PostgresReplicaStore {
  const store = openReplicaStore(url, { timeoutMs });
  cleanups.push(() => store.close());
  return store;
}

interface Member {
  membership: ReplicaMembership;
  store: PostgresReplicaStore;
  /** Every leadership change announced, in order. */
  changes: (number | null)[];
}

/** A started replica with a store of its own; stopped after the test. */
function startMember(url: string, name: string, lease: LeaderLeaseOptions = QUICK, clock: Clock = monotonicClock): Member {
  const store = openStore(url, lease.retryTimeoutMs);
  const membership = new ReplicaMembership({ store, name, url: `http://${name}.example:7070`, lease, clock });
  const changes: (number | null)[] = [];
  membership.onLeadershipChange((term) => changes.push(term));
  cleanups.push(() => membership.stop());
  membership.start();
  return { membership, store, changes };
}

/** A clock `offsetMs` away from this machine's, running at the same rate, with real timers. */
function skewedClock(offsetMs: number): Clock {
  return { now: () => monotonicClock.now() + offsetMs, setTimeout: systemClock.setTimeout, setInterval: systemClock.setInterval };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, withinMs = 20_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const names = (m: Member) => m.membership.liveReplicas().map((r) => r.name);

describe("ReplicaMembership", { skip: skipPostgres && "no PostgreSQL (see the notice above)" }, () => {
  it("one of two replicas leads, both list both; the leader's clean stop hands over at once with a higher term", async () => {
    const { url } = await freshDatabase();
    // A long ttl: a handover well within it cannot have waited for the lease to expire.
    const lease = { ttlMs: 20_000, renewIntervalMs: 300, retryTimeoutMs: 700 };
    const a = startMember(url, "a", lease);
    const b = startMember(url, "b", lease);
    await waitFor("both list both", () => names(a).join() === "a,b" && names(b).join() === "a,b");
    await waitFor("one leads", () => (a.membership.leaderTerm() ?? b.membership.leaderTerm()) !== null);
    const [leader, follower] = a.membership.leaderTerm() !== null ? [a, b] : [b, a];
    const term = leader.membership.leaderTerm()!;
    assert.equal(follower.membership.leaderTerm(), null, "only one leads");
    assert.deepEqual(leader.changes, [term]);
    assert.deepEqual(b.membership.liveReplicas(), [{ name: "a", url: "http://a.example:7070" }, { name: "b", url: "http://b.example:7070" }]);

    const stopping = leader.membership.stop();
    assert.equal(leader.membership.leaderTerm(), null, "a stopping replica stops leading at once, before it releases");
    await stopping;
    const stoppedAt = Date.now();
    await waitFor("the other leads", () => follower.membership.leaderTerm() !== null);
    const tookMs = Date.now() - stoppedAt;
    assert.ok(tookMs < lease.ttlMs, `took ${tookMs} ms: released, not expired`);
    assert.ok(follower.membership.leaderTerm()! > term, "a new tenure, a higher term");
    assert.deepEqual(leader.changes, [term, null]);
    await waitFor("the stopped one left the list", () => names(follower).join() === follower.membership.identity.name);
  });

  it("replica clocks hours apart agree on who leads and who is live: the database's clock decides", async () => {
    const { url } = await freshDatabase();
    // A replica that took the lease and registered for 3 s, then went silent.
    const ghostStore = openStore(url, 2000);
    const ghost = newReplicaIdentity("ghost", "http://ghost.example:7070");
    await ghostStore.register(ghost, 3000);
    assert.deepEqual(await ghostStore.tryLead(ghost, 3000), { held: true, term: 1 });

    const ahead = startMember(url, "ahead", QUICK, skewedClock(6 * HOUR));
    const behind = startMember(url, "behind", QUICK, skewedClock(-6 * HOUR));
    let sawGhostListed = false;
    const found: { leader?: Member } = {};
    await waitFor("a replica takes over from the ghost", async () => {
      // Read the replicas' view first, then the database's: a replica leading while the
      // database still gave the ghost the lease would be two leaders.
      const terms = [ahead.membership.leaderTerm(), behind.membership.leaderTerm()];
      const status = await ghostStore.leaderStatus();
      assert.ok(terms[0] === null || terms[1] === null, `both lead: ${terms}`);
      if (terms.some((t) => t !== null)) assert.notEqual(status.holder, "ghost", "a replica led before the ghost's lease expired");
      if (names(ahead).includes("ghost") && names(behind).includes("ghost")) sawGhostListed = true;
      found.leader = terms[0] !== null ? ahead : terms[1] !== null ? behind : undefined;
      return found.leader !== undefined;
    });
    assert.ok(sawGhostListed, "both listed the ghost while its registration ran");
    const leader = found.leader!;
    assert.equal(leader.membership.leaderTerm(), 2, "the next term after the ghost's");
    await waitFor("the ghost's registration expires for both", () => names(ahead).join() === "ahead,behind" && names(behind).join() === "ahead,behind");
    const other = leader === ahead ? behind : ahead;
    assert.equal(other.membership.leaderTerm(), null);
    assert.deepEqual(other.changes, [], "the other never led");
  });

  it("a leader whose lease statement hangs (a row lock) stops leading before its lease can expire, and leads again once it clears", async () => {
    const { url, admin } = await freshDatabase();
    const a = startMember(url, "a");
    await waitFor("a leads", () => a.membership.leaderTerm() !== null);
    const term = a.membership.leaderTerm()!;

    // What the database says at the moment the replica announces it stopped leading.
    let statusAtStepDown: Promise<{ holder: string | null; expiresInMs: number }> | null = null;
    a.membership.onLeadershipChange((t) => {
      if (t === null) statusAtStepDown ??= a.store.leaderStatus();
    });
    const locker = await admin.connect();
    cleanups.push(async () => locker.release());
    await locker.query("BEGIN");
    await locker.query("SELECT * FROM leader_lease WHERE id = 1 FOR UPDATE");

    await waitFor("a stops leading", () => statusAtStepDown !== null);
    assert.equal(a.membership.leaderTerm(), null);
    const atStepDown = await statusAtStepDown!;
    assert.equal(atStepDown.holder, "a", "the database still counted a's lease: a stepped down first");
    assert.ok(atStepDown.expiresInMs > 0);
    await waitFor("the lease expires by the database's clock", async () => (await a.store.leaderStatus()).holder === null);
    assert.equal(a.membership.leaderTerm(), null, "still not leading: its attempts hang");
    assert.deepEqual(names(a), ["a"], "its registration (another table) went on");

    await locker.query("COMMIT");
    await waitFor("a leads again", () => a.membership.leaderTerm() !== null);
    // Usually a new term; the same one when the renewal that got the row first had been queued
    // behind the lock since before the lease ran out (its time is its statement's start, and
    // nobody could change the row meanwhile: the tenure never broke in the row's history).
    const again = a.membership.leaderTerm();
    assert.ok(again !== null && again >= term, `leads again, got ${again} after ${term}`);
    assert.deepEqual(a.changes, [term, null, again]);
  });

  it("a second process with a name in use neither registers nor leads until the first one leaves", async () => {
    const { url } = await freshDatabase();
    const first = startMember(url, "a");
    await waitFor("the first leads", () => first.membership.leaderTerm() !== null);
    const term = first.membership.leaderTerm()!;
    const storeOfSecond = openStore(url, QUICK.retryTimeoutMs);
    const second = new ReplicaMembership({ store: storeOfSecond, name: "a", url: "http://a-again.example:7070", lease: QUICK });
    cleanups.push(() => second.stop());
    second.start();
    await new Promise((r) => setTimeout(r, 5 * QUICK.renewIntervalMs));
    assert.equal(second.leaderTerm(), null);
    assert.deepEqual(second.liveReplicas(), []);
    assert.equal(first.membership.leaderTerm(), term, "the first leads on, undisturbed");

    await first.membership.stop();
    await waitFor("the second leads", () => second.leaderTerm() !== null);
    assert.ok(second.leaderTerm()! > term);
    await waitFor("the second is listed", () => second.liveReplicas()[0]?.url === "http://a-again.example:7070");
  });

  it("refuses settings that could let it act past its lease, and a second start", async () => {
    const { url } = await freshDatabase();
    const slowStore = openStore(url, 3000);
    assert.throws(
      () => new ReplicaMembership({ store: slowStore, name: "a", url: "http://a:1", lease: QUICK }),
      /replica a: the store's timeout \(3000 ms\) exceeds the lease's retry timeout \(700 ms\)/,
    );
    assert.throws(
      () => new ReplicaMembership({ store: slowStore, name: "a", url: "http://a:1", lease: { ttlMs: 3000, renewIntervalMs: 1000, retryTimeoutMs: 3000 } }),
      /must be less than ttl \(3000 ms\)/,
    );
    assert.throws(() => new ReplicaMembership({ store: slowStore, name: "", url: "http://a:1" }), /replica name "": expected/);
    const a = startMember(url, "a");
    assert.throws(() => a.membership.start(), /replica a: membership already started/);
  });
});
