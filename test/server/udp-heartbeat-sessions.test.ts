// The heartbeat session table: which datagrams count, one path at a time, and the fallback
// to websocket heartbeats when datagrams stop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeHeartbeatDatagram } from "../../src/protocol/heartbeat-datagram.js";
import { sipKey } from "../../src/protocol/siphash.js";
import { UdpHeartbeatSessions, type HeartbeatChannel } from "../../src/server/udp-heartbeat-sessions.js";

const datagram = (c: HeartbeatChannel, seq: number) => encodeHeartbeatDatagram(c.session, sipKey(Buffer.from(c.key, "hex")), seq);

test("each connection gets its own session and random key; a closed session's number is reused with a new key", () => {
  const sessions = new UdpHeartbeatSessions();
  const a = sessions.open("node-a");
  const b = sessions.open("node-a");
  assert.match(a.key, /^[0-9a-f]{32}$/);
  assert.notEqual(a.session, b.session);
  assert.notEqual(a.key, b.key);
  assert.equal(sessions.size(), 2);
  sessions.close(a.session);
  const c = sessions.open("node-c");
  assert.equal(c.session, a.session);
  assert.notEqual(c.key, a.key);
  assert.deepEqual(sessions.receive(datagram(a, 1), 0), { counted: false, reason: "bad-mac", session: a.session }, "the old connection's datagrams fail the tag");
  assert.deepEqual(sessions.receive(datagram(c, 1), 0), { counted: true, node: "node-c", session: c.session, confirmed: true });
});

test("websocket heartbeats count until the first datagram; from then on datagrams do, and the first says so", () => {
  const sessions = new UdpHeartbeatSessions();
  const c = sessions.open("node-a");
  assert.equal(sessions.countsWebsocketHeartbeat(c.session), true);
  assert.deepEqual(sessions.receive(datagram(c, 1), 1000), { counted: true, node: "node-a", session: c.session, confirmed: true });
  assert.equal(sessions.countsWebsocketHeartbeat(c.session), false);
  assert.deepEqual(sessions.receive(datagram(c, 2), 1500), { counted: true, node: "node-a", session: c.session, confirmed: false });
});

test("junk, unknown sessions, forged MACs and replayed or late seqs do not count, each with its reason", () => {
  const sessions = new UdpHeartbeatSessions();
  const c = sessions.open("node-a");
  assert.deepEqual(sessions.receive(Buffer.from("hello"), 0), { counted: false, reason: "malformed" });
  assert.deepEqual(sessions.receive(encodeHeartbeatDatagram(99, sipKey(Buffer.alloc(16)), 1), 0), { counted: false, reason: "unknown-session" });
  const forged = encodeHeartbeatDatagram(c.session, sipKey(Buffer.alloc(16)), 1);
  assert.deepEqual(sessions.receive(forged, 0), { counted: false, reason: "bad-mac", session: c.session });
  assert.equal(sessions.receive(datagram(c, 5), 0).counted, true);
  assert.deepEqual(sessions.receive(datagram(c, 5), 0), { counted: false, reason: "replayed", session: c.session });
  assert.deepEqual(sessions.receive(datagram(c, 4), 0), { counted: false, reason: "replayed", session: c.session });
  assert.equal(sessions.receive(datagram(c, 7), 0).counted, true, "a gap (lost datagrams) is fine");
});

test("a closed connection's datagrams are refused", () => {
  const sessions = new UdpHeartbeatSessions();
  const c = sessions.open("node-a");
  sessions.close(c.session);
  assert.deepEqual(sessions.receive(datagram(c, 1), 0), { counted: false, reason: "unknown-session" });
  assert.equal(sessions.size(), 0);
});

test("datagrams silent for longer than the limit send the connection back to the websocket for good", () => {
  const sessions = new UdpHeartbeatSessions();
  const quiet = sessions.open("node-a");
  const lively = sessions.open("node-b");
  const never = sessions.open("node-c");
  sessions.receive(datagram(quiet, 1), 1000);
  sessions.receive(datagram(lively, 1), 1000);
  sessions.receive(datagram(lively, 2), 2900);
  assert.deepEqual(sessions.fallBack(3000, 2000), [], "1000 ms of silence is within 2000");
  assert.deepEqual(sessions.fallBack(3001, 2000), [{ session: quiet.session, node: "node-a" }]);
  assert.deepEqual(sessions.fallBack(3002, 2000), [], "told once");
  assert.equal(sessions.countsWebsocketHeartbeat(quiet.session), true);
  assert.equal(sessions.countsWebsocketHeartbeat(lively.session), false);
  assert.equal(sessions.countsWebsocketHeartbeat(never.session), true, "never on UDP: nothing to fall back from");
  assert.deepEqual(sessions.receive(datagram(quiet, 2), 3100), { counted: false, reason: "websocket-path", session: quiet.session });
  assert.equal(sessions.countsWebsocketHeartbeat(quiet.session), true);
});
