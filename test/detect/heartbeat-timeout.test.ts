// The heartbeat-timeout failure detector: verdicts on the first heartbeat, on a timeout
// (dated at the last heartbeat seen), on a closed connection, and when heartbeats resume.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HeartbeatTimeoutDetector } from "../../src/detect/heartbeat-timeout.js";

const TIMEOUT_MS = 3_000;

test("the first heartbeat of a node makes it alive; later heartbeats say nothing", () => {
  const detector = new HeartbeatTimeoutDetector(TIMEOUT_MS);
  assert.deepEqual(detector.heartbeat("a", 1_000), { node: "a", state: "alive", since: 1_000, reason: "first heartbeat" });
  assert.equal(detector.heartbeat("a", 2_000), null);
  assert.equal(detector.heartbeat("a", 3_000), null);
});

test("a node is down exactly when no heartbeat arrived for the timeout, dated at its last heartbeat", () => {
  const detector = new HeartbeatTimeoutDetector(TIMEOUT_MS);
  detector.heartbeat("a", 1_000);
  detector.heartbeat("a", 2_000);
  assert.deepEqual(detector.check(2_000 + TIMEOUT_MS - 1), []);
  const verdicts = detector.check(2_000 + TIMEOUT_MS);
  assert.equal(verdicts.length, 1);
  assert.equal(verdicts[0]!.node, "a");
  assert.equal(verdicts[0]!.state, "down");
  assert.equal(verdicts[0]!.since, 2_000);
  assert.match(verdicts[0]!.reason, /no heartbeat for 3000ms \(timeout 3000ms\)/);
  // Reported once, not on every check.
  assert.deepEqual(detector.check(2_000 + 10 * TIMEOUT_MS), []);
});

test("only the nodes whose heartbeats stopped are reported", () => {
  const detector = new HeartbeatTimeoutDetector(TIMEOUT_MS);
  detector.heartbeat("a", 0);
  detector.heartbeat("b", 0);
  detector.heartbeat("b", 2_500);
  assert.deepEqual(
    detector.check(TIMEOUT_MS).map((v) => v.node),
    ["a"],
  );
  assert.deepEqual(
    detector.check(2_500 + TIMEOUT_MS).map((v) => v.node),
    ["b"],
  );
});

test("a node that timed out comes back alive on its next heartbeat", () => {
  const detector = new HeartbeatTimeoutDetector(TIMEOUT_MS);
  detector.heartbeat("a", 0);
  detector.check(TIMEOUT_MS);
  assert.deepEqual(detector.heartbeat("a", 10_000), { node: "a", state: "alive", since: 10_000, reason: "heartbeats resumed" });
  // The timeout counts from the new heartbeat.
  assert.deepEqual(detector.check(10_000 + TIMEOUT_MS - 1), []);
  assert.equal(detector.check(10_000 + TIMEOUT_MS).length, 1);
});

test("a closed connection makes an alive node down at once, and only once", () => {
  const detector = new HeartbeatTimeoutDetector(TIMEOUT_MS);
  detector.heartbeat("a", 1_000);
  assert.deepEqual(detector.disconnected("a", 1_500), {
    node: "a",
    state: "down",
    since: 1_500,
    reason: "agent connection closed",
  });
  assert.equal(detector.disconnected("a", 1_600), null);
  // Already down: the timeout does not report it again.
  assert.deepEqual(detector.check(1_000 + TIMEOUT_MS), []);
  assert.equal(detector.heartbeat("a", 5_000)?.reason, "heartbeats resumed");
});

test("a node never seen is neither disconnected nor checked", () => {
  const detector = new HeartbeatTimeoutDetector(TIMEOUT_MS);
  assert.equal(detector.disconnected("ghost", 1_000), null);
  assert.deepEqual(detector.check(1_000_000), []);
});

test("a forgotten node is no longer checked and starts over on its next heartbeat", () => {
  const detector = new HeartbeatTimeoutDetector(TIMEOUT_MS);
  detector.heartbeat("a", 0);
  detector.forget("a");
  assert.deepEqual(detector.check(10 * TIMEOUT_MS), []);
  assert.equal(detector.heartbeat("a", 40_000)?.reason, "first heartbeat");
});
