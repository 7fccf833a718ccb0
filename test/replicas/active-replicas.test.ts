// Which live replicas hold nodes: those that renewed within renewInterval + retryTimeout
// (the leader's step-down span, applied to every replica); one silent longer is out before
// its registration runs out, so its nodes re-home sooner.
import { test } from "node:test";
import assert from "node:assert/strict";
import { activeReplicas } from "../../src/replicas/replica-membership.js";

const lease = { ttlMs: 4000, renewIntervalMs: 1000, retryTimeoutMs: 2000 };
/** A replica registered for the ttl, last renewed `silentForMs` ago. */
const replica = (name: string, silentForMs: number) => ({ name, url: `http://${name}`, startedAt: 0, expiresInMs: lease.ttlMs - silentForMs, nodes: 0, silentForMs });

test("a replica silent for renewInterval + retryTimeout or longer holds no nodes, though still registered", () => {
  const live = [replica("just-renewed", 10), replica("one-missed", 1900), replica("silent-3s", 3000), replica("about-to-expire", 3800)];
  assert.deepEqual(
    activeReplicas(live, lease).map((r) => r.name),
    ["just-renewed", "one-missed"],
  );
});

test("with every replica renewing on time, all hold nodes", () => {
  const live = [replica("a", 999), replica("b", 500), replica("c", 0)];
  assert.equal(activeReplicas(live, lease).length, 3);
});
