// The hub's heartbeat paths against a real websocket client: the welcome offers a UDP
// session; websocket heartbeats count until the first valid datagram, then datagrams do
// (and the agent is told); datagrams that stop while the connection lives send it back to
// the websocket; a closed connection's and forged datagrams count for nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { UDP_SILENCE_INTERVALS } from "../../src/server/agent-hub.js";
import { encodeHeartbeatDatagram } from "../../src/protocol/heartbeat-datagram.js";
import { PROTOCOL_VERSION } from "../../src/protocol/messages.js";
import { sipKey } from "../../src/protocol/siphash.js";
import { waitFor } from "../e2e/harness.js";
import { connectAgent, hubFiles, startHub } from "./hub-fixture.js";

const HEARTBEAT_MS = 500;

test("heartbeats count from one path at a time, UDP once confirmed, the websocket again when datagrams stop", async (t) => {
  const datagramResults: string[] = [];
  const files = hubFiles("vigil-hub-udp-");
  const server = await startHub(files.paths(), {
    heartbeatInterval: HEARTBEAT_MS,
    udpHeartbeatPort: 17070,
    onHeartbeatDatagram: (result) => datagramResults.push(result),
  });
  t.after(async () => {
    await server.stop();
    files.remove();
  });
  const { hub, clock } = server;
  const heartbeats = server.calls.heartbeats;
  const agent = await connectAgent(server.url);
  const { received, welcome } = agent;
  assert.equal(welcome.udpHeartbeats?.port, 17070);
  const { session, key } = welcome.udpHeartbeats!;
  const datagram = (seq: number) => encodeHeartbeatDatagram(session, sipKey(Buffer.from(key, "hex")), seq);
  const websocketHeartbeat = async () => {
    const before = heartbeats.length;
    agent.sendText(JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, ts: clock.now() }));
    await agent.roundTrip();
    return heartbeats.length - before;
  };
  const paths = () => received.filter((m) => m.type === "heartbeat-path").map((m) => (m as { via: string }).via);

  assert.equal(await websocketHeartbeat(), 1, "before any datagram the websocket counts");
  hub.receiveHeartbeatDatagram(datagram(1));
  assert.deepEqual(heartbeats.slice(-1), ["node-a"]);
  await waitFor(() => paths().length === 1, 5000, "heartbeat-path udp");
  assert.deepEqual(paths(), ["udp"]);
  assert.equal(await websocketHeartbeat(), 0, "on UDP, a websocket heartbeat in flight is not counted twice");
  const counted = heartbeats.length;
  hub.receiveHeartbeatDatagram(datagram(2));
  hub.receiveHeartbeatDatagram(datagram(2));
  hub.receiveHeartbeatDatagram(encodeHeartbeatDatagram(session, sipKey(Buffer.alloc(16)), 3));
  assert.equal(heartbeats.length, counted + 1, "a replay and a forgery count for nothing");
  assert.deepEqual(datagramResults, ["counted", "counted", "replayed", "bad-mac"]);

  clock.advance(UDP_SILENCE_INTERVALS * HEARTBEAT_MS + HEARTBEAT_MS);
  await waitFor(() => paths().length === 2, 5000, "heartbeat-path websocket");
  assert.deepEqual(paths(), ["udp", "websocket"]);
  assert.equal(await websocketHeartbeat(), 1, "back on the websocket");
  hub.receiveHeartbeatDatagram(datagram(10));
  assert.equal(datagramResults.at(-1), "websocket-path");

  await agent.close();
  await waitFor(() => hub.connectedNodes().length === 0, 5000, "the connection to close");
  hub.receiveHeartbeatDatagram(datagram(11));
  assert.equal(datagramResults.at(-1), "unknown-session");
});
