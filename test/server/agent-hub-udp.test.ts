// The hub's heartbeat paths against a real websocket client: the welcome offers a UDP
// session; websocket heartbeats count until the first valid datagram, then datagrams do
// (and the agent is told); datagrams that stop while the connection lives send it back to
// the websocket; a closed connection's and forged datagrams count for nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket, WebSocketServer } from "ws";
import { NodeRegistry } from "../../src/detect/node-registry.js";
import { AgentHub, UDP_SILENCE_INTERVALS } from "../../src/server/agent-hub.js";
import { encodeHeartbeatDatagram } from "../../src/protocol/heartbeat-datagram.js";
import { AGENT_WS_PATH, PROTOCOL_VERSION, type ServerMessage, type Welcome } from "../../src/protocol/messages.js";
import { sipKey } from "../../src/protocol/siphash.js";
import { openSqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { CompressedSeriesStore } from "../../src/tsdb/compressed-store.js";
import { ManualClock } from "../../src/util/clock.js";
import { silentLogger } from "../../src/util/logger.js";
import { waitFor } from "../e2e/harness.js";

const HEARTBEAT_MS = 500;

test("heartbeats count from one path at a time, UDP once confirmed, the websocket again when datagrams stop", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-hub-udp-"));
  const clock = new ManualClock(1_700_000_000_000);
  const storage = openSqliteStorage(join(dir, "vigil.db"));
  const store = CompressedSeriesStore.open({ path: join(dir, "tsdb.db"), clock, checkpointIntervalMs: 10_000 });
  const nodes = new NodeRegistry(storage, clock);
  await nodes.load();
  const heartbeats: string[] = [];
  const datagramResults: string[] = [];
  const hub = new AgentHub({
    clock,
    logger: silentLogger(),
    nodes,
    durability: store,
    servicesFor: () => [],
    settings: { heartbeatInterval: HEARTBEAT_MS, collectInterval: 1000 },
    udpHeartbeatPort: 17070,
    onHeartbeatDatagram: (result) => datagramResults.push(result),
    handlers: {
      hello: async () => undefined,
      heartbeat: (node) => void heartbeats.push(node),
      samples: async () => undefined,
      probe: async () => undefined,
      event: async () => undefined,
      disconnected: async () => undefined,
    },
  });
  const http = createServer();
  const wss = new WebSocketServer({ server: http, path: AGENT_WS_PATH });
  wss.on("connection", (socket, req) => hub.accept(socket, req.socket.remoteAddress));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", () => resolve()));
  t.after(async () => {
    await hub.close();
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await store.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const socket = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}${AGENT_WS_PATH}`);
  const received: ServerMessage[] = [];
  socket.on("message", (raw) => received.push(JSON.parse(raw.toString()) as ServerMessage));
  await new Promise((resolve) => socket.once("open", resolve));
  socket.send(JSON.stringify({ type: "hello", v: PROTOCOL_VERSION, node: "node-a", agentVersion: "t", outboxId: "o", pid: 1, ts: 1, services: [] }));
  const welcome = (await waitFor(() => received.find((m) => m.type === "welcome"), 5000, "welcome")) as Welcome;
  assert.equal(welcome.udpHeartbeats?.port, 17070);
  const { session, key } = welcome.udpHeartbeats!;
  const datagram = (seq: number) => encodeHeartbeatDatagram(session, sipKey(Buffer.from(key, "hex")), seq);
  const websocketHeartbeat = async () => {
    const before = heartbeats.length;
    socket.send(JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, ts: clock.now() }));
    // A ping round trip: the heartbeat frame before it has been handled.
    await new Promise<void>((resolve) => {
      socket.once("pong", () => resolve());
      socket.ping();
    });
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

  socket.close();
  await waitFor(() => hub.connectedNodes().length === 0, 5000, "the connection to close");
  hub.receiveHeartbeatDatagram(datagram(11));
  assert.equal(datagramResults.at(-1), "unknown-session");
});
