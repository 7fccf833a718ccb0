// Which way an agent's heartbeats go (src/agent/heartbeat-route.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { HeartbeatRoute, MAX_UNCONFIRMED } from "../../src/agent/heartbeat-route.js";

const both = { websocket: true, udp: true, gaveUp: false };
const websocketOnly = { websocket: true, udp: false, gaveUp: false };
const udpOnly = { websocket: false, udp: true, gaveUp: false };

test("without an offer, heartbeats go over the websocket, whatever the server says", () => {
  const route = new HeartbeatRoute();
  route.welcomed(false);
  assert.deepEqual(route.next(), websocketOnly);
  route.serverCounts("udp");
  assert.deepEqual(route.next(), websocketOnly);
});

test("with an offer, both ways until the server confirms UDP, then UDP only", () => {
  const route = new HeartbeatRoute();
  route.welcomed(true);
  assert.equal(route.state, "trying");
  assert.deepEqual(route.next(), both);
  route.serverCounts("udp");
  assert.deepEqual(route.next(), udpOnly);
  for (let i = 0; i < 3 * MAX_UNCONFIRMED; i++) assert.deepEqual(route.next(), udpOnly);
});

test("no confirmation after MAX_UNCONFIRMED datagrams: websocket only, said once; a late confirmation is still followed", () => {
  const route = new HeartbeatRoute();
  route.welcomed(true);
  for (let i = 0; i < MAX_UNCONFIRMED; i++) assert.deepEqual(route.next(), both);
  assert.deepEqual(route.next(), { websocket: true, udp: false, gaveUp: true });
  assert.deepEqual(route.next(), websocketOnly);
  route.serverCounts("udp");
  assert.deepEqual(route.next(), udpOnly);
});

test("the server sending it back to the websocket holds until the next connection tries UDP again", () => {
  const route = new HeartbeatRoute();
  route.welcomed(true);
  route.serverCounts("udp");
  route.serverCounts("websocket");
  assert.deepEqual(route.next(), websocketOnly);
  route.welcomed(true);
  assert.deepEqual(route.next(), both);
});
