// Which live replicas hold nodes: those that renewed within renewInterval + retryTimeout
// (the leader's step-down span, applied to every replica); one silent longer is out before
// its registration runs out, so its nodes re-home sooner.
import { test } from "node:test";
import assert from "node:assert/strict";
import { activeReplicas } from "../../src/replicas/replica-membership.js";

const lease = { ttlMs: 4000, renewIntervalMs: 1000, retryTimeoutMs: 2000 };
const replica = (name: string, expiresInMs: number) => ({ name, url: `http://${name}`, startedAt: 0, expiresInMs });

test("a replica silent for renewInterval + retryTimeout or longer holds no nodes, though still registered", () => {
  const live = [replica("just-renewed", 3990), replica("one-missed", 2100), replica("silent-3s", 1000), replica("about-to-expire", 200)];
  assert.deepEqual(
    activeReplicas(live, lease).map((r) => r.name),
    ["just-renewed", "one-missed"],
  );
});

test("with every replica renewing on time, all hold nodes", () => {
  const live = [replica("a", 3001), replica("b", 3500), replica("c", 4000)];
  assert.equal(activeReplicas(live, lease).length, 3);
});
