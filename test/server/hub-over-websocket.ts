// An AgentHub behind a real websocket server, for tests that talk to it as an agent would:
// SQLite storage and a series store in a temp dir, a manual clock, handlers that record
// heartbeats; connect() opens a client socket, says hello and returns it with every server
// message it received. Everything is closed after the test.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket, WebSocketServer } from "ws";
import { NodeRegistry } from "../../src/detect/node-registry.js";
import { AgentHub, type AgentHubOptions } from "../../src/server/agent-hub.js";
import { AGENT_WS_PATH, PROTOCOL_VERSION, type ServerMessage, type Welcome } from "../../src/protocol/messages.js";
import { openSqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { CompressedSeriesStore } from "../../src/tsdb/compressed-store.js";
import { ManualClock } from "../../src/util/clock.js";
import { silentLogger } from "../../src/util/logger.js";
import { waitFor } from "../e2e/harness.js";

export interface HubOverWebsocket {
  hub: AgentHub;
  clock: ManualClock;
  /** Nodes whose heartbeats the hub counted, in order. */
  heartbeats: string[];
  /** A client socket that said hello as `node` and got its welcome. */
  connect(node: string): Promise<{ socket: WebSocket; received: ServerMessage[]; welcome: Welcome }>;
}

type ExtraOptions = Partial<Pick<AgentHubOptions, "udpHeartbeatPort" | "onHeartbeatDatagram" | "leaderTerm">>;

export async function hubOverWebsocket(t: { after(fn: () => Promise<void>): void }, options: ExtraOptions & { heartbeatInterval?: number } = {}): Promise<HubOverWebsocket> {
  const dir = mkdtempSync(join(tmpdir(), "vigil-hub-"));
  const clock = new ManualClock(1_700_000_000_000);
  const storage = openSqliteStorage(join(dir, "vigil.db"));
  const store = CompressedSeriesStore.open({ path: join(dir, "tsdb.db"), clock, checkpointIntervalMs: 10_000 });
  const nodes = new NodeRegistry(storage, clock);
  await nodes.load();
  const heartbeats: string[] = [];
  const { heartbeatInterval = 500, ...extra } = options;
  const hub = new AgentHub({
    clock,
    logger: silentLogger(),
    nodes,
    durability: store,
    servicesFor: () => [],
    settings: { heartbeatInterval, collectInterval: 1000 },
    ...extra,
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
  const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}${AGENT_WS_PATH}`;
  return {
    hub,
    clock,
    heartbeats,
    async connect(node) {
      const socket = new WebSocket(url);
      const received: ServerMessage[] = [];
      socket.on("message", (raw) => received.push(JSON.parse(raw.toString()) as ServerMessage));
      await new Promise((resolve) => socket.once("open", resolve));
      socket.send(JSON.stringify({ type: "hello", v: PROTOCOL_VERSION, node, agentVersion: "t", outboxId: "o", pid: 1, ts: 1, services: [] }));
      const welcome = (await waitFor(() => received.find((m) => m.type === "welcome"), 5000, "welcome")) as Welcome;
      return { socket, received, welcome };
    },
  };
}

/** Resolves once every frame the socket sent before it has been handled (a ping round trip). */
export function roundTrip(socket: WebSocket): Promise<void> {
  return new Promise<void>((resolve) => {
    socket.once("pong", () => resolve());
    socket.ping();
  });
}
