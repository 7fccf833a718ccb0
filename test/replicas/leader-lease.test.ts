// The leader lease's decisions on a manual timeline: taking, renewing, losing it to
// another replica, and stepping down before the lease can expire when the database is gone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_LEADER_LEASE, LeaderLease } from "../../src/replicas/leader-lease.js";

test("the defaults obey Patroni's rule; settings that break it are refused, saying why", () => {
  assert.ok(DEFAULT_LEADER_LEASE.renewIntervalMs + DEFAULT_LEADER_LEASE.retryTimeoutMs < DEFAULT_LEADER_LEASE.ttlMs);
  assert.throws(() => new LeaderLease({ ttlMs: 3000, renewIntervalMs: 1000, retryTimeoutMs: 2000 }), /must be less than ttl \(3000 ms\)/);
  assert.throws(() => new LeaderLease({ ttlMs: 3000, renewIntervalMs: 0, retryTimeoutMs: 1000 }), /renewIntervalMs must be a positive number of ms, got 0/);
});

test("a replica that takes the lease leads with its term while it renews", () => {
  const lease = new LeaderLease();
  assert.equal(lease.due(0), true);
  assert.equal(lease.leaderTerm(0), null);
  lease.attempted(0, { held: true, term: 7 });
  assert.equal(lease.leaderTerm(10), 7);
  assert.equal(lease.due(999), false);
  assert.equal(lease.due(1000), true);
  for (let t = 1000; t <= 10_000; t += 1000) {
    lease.attempted(t, { held: true, term: 7 });
    assert.equal(lease.leaderTerm(t + 500), 7);
  }
});

test("cut off from the database, the leader stops acting renewInterval + retryTimeout after its last good renewal, before the ttl", () => {
  const lease = new LeaderLease({ ttlMs: 4000, renewIntervalMs: 1000, retryTimeoutMs: 2000 });
  lease.attempted(0, { held: true, term: 3 });
  lease.attempted(1000, { failed: "timeout" });
  lease.attempted(2000, { failed: "connection refused" });
  assert.equal(lease.leaderTerm(2999), 3);
  assert.equal(lease.leaderTerm(3000), null, "stepped down at 3 s, the lease (4 s from at least 0) still running");
  lease.attempted(3500, { held: true, term: 3 });
  assert.equal(lease.leaderTerm(3600), 3, "a renewal that gets through restores it");
});

test("another holder ends this replica's leadership at once; taking it back brings a higher term", () => {
  const lease = new LeaderLease();
  lease.attempted(0, { held: true, term: 1 });
  lease.attempted(1000, { held: false, holder: "replica-b", term: 2 });
  assert.equal(lease.leaderTerm(1001), null);
  lease.attempted(9000, { held: true, term: 3 });
  assert.equal(lease.leaderTerm(9001), 3);
});

test("a slow answer counts from when the attempt was sent, never from when it came back", () => {
  const lease = new LeaderLease({ ttlMs: 4000, renewIntervalMs: 1000, retryTimeoutMs: 2000 });
  // Sent at 0, answered at 2900: the database may have started the lease at 0.
  lease.attempted(0, { held: true, term: 5 });
  assert.equal(lease.leaderTerm(2900), 5);
  assert.equal(lease.leaderTerm(3000), null);
});
