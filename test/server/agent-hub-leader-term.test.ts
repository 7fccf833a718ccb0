// On a replica, the hub puts the leader term on every action (agents fence lower terms),
// and sends none once the replica may no longer act as leader. Real websocket client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket, WebSocketServer } from "ws";
import { NodeRegistry } from "../../src/detect/node-registry.js";
import { AgentHub } from "../../src/server/agent-hub.js";
import { AGENT_WS_PATH, PROTOCOL_VERSION, type ActionMessage, type ServerMessage } from "../../src/protocol/messages.js";
import { openSqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { CompressedSeriesStore } from "../../src/tsdb/compressed-store.js";
import { ManualClock } from "../../src/util/clock.js";
import { silentLogger } from "../../src/util/logger.js";
import { waitFor } from "../e2e/harness.js";

test("actions carry the leader term; once the lease is lost no action is sent", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-hub-term-"));
  const clock = new ManualClock(1_700_000_000_000);
  const storage = openSqliteStorage(join(dir, "vigil.db"));
  const store = CompressedSeriesStore.open({ path: join(dir, "tsdb.db"), clock, checkpointIntervalMs: 10_000 });
  const nodes = new NodeRegistry(storage, clock);
  await nodes.load();
  let term: number | null = 7;
  const hub = new AgentHub({
    clock,
    logger: silentLogger(),
    nodes,
    durability: store,
    servicesFor: () => [],
    settings: { heartbeatInterval: 500, collectInterval: 1000 },
    leaderTerm: () => term,
    handlers: {
      hello: async () => undefined,
      heartbeat: () => undefined,
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
  await waitFor(() => received.find((m) => m.type === "welcome"), 5000, "welcome");

  const outcome = hub.sendAction("node-a", "db", "restart", "test");
  const action = (await waitFor(() => received.find((m) => m.type === "action"), 5000, "the action")) as ActionMessage;
  assert.equal(action.term, 7);
  socket.send(JSON.stringify({ type: "action.result", v: PROTOCOL_VERSION, seq: 1, actionId: action.actionId, service: "db", action: "restart", ok: true, ts: clock.now() }));
  assert.equal((await outcome).ok, true);

  term = null;
  const refused = await hub.sendAction("node-a", "db", "restart", "test");
  assert.deepEqual(refused, { ok: false, error: "this replica no longer holds the leader lease: action not sent" });
  await new Promise<void>((resolve) => {
    socket.once("pong", () => resolve());
    socket.ping();
  });
  assert.equal(received.filter((m) => m.type === "action").length, 1, "no second action reached the agent");
});
