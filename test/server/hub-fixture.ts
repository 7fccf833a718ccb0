// A hub as server.ts composes it, for tests over real parts: the persistent series store and
// the node registry on SQLite files, served on a real websocket, and an agent client speaking
// the protocol by hand (JSON messages and binary samples frames). The store's clock is a
// ManualClock that is never advanced, so it checkpoints only when a test calls flush(): an
// ack that arrives before then would be an ack of something not durable.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket, WebSocketServer } from "ws";
import { NodeRegistry } from "../../src/detect/node-registry.js";
import { AgentHub, type AgentHandlers, type AgentHubOptions } from "../../src/server/agent-hub.js";
import { openSqliteStorage, type SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { CompressedSeriesStore } from "../../src/tsdb/compressed-store.js";
import { AGENT_WS_PATH, PROTOCOL_VERSION, type OutboxMessage, type Sample, type ServerMessage, type Welcome } from "../../src/protocol/messages.js";
import { ManualClock } from "../../src/util/clock.js";
import { silentLogger } from "../../src/util/logger.js";

export const T0 = 1_700_000_000_000;

/** A directory for the hubs' files; `paths()` names a fresh pair of files in it. */
export function hubFiles(prefix: string): { paths(): { storage: string; store: string }; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let count = 0;
  return {
    paths: () => {
      count++;
      return { storage: join(dir, `vigil-${count}.db`), store: join(dir, `tsdb-${count}.db`) };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** What the handlers were asked to do, in order. */
export interface Calls {
  samples: Array<{ seq: number; replay: boolean; accepted: number; rejected: number }>;
  /** The nodes of the heartbeats counted. */
  heartbeats: string[];
  events: number[];
  probes: number[];
}

export interface ServerSide {
  url: string;
  clock: ManualClock;
  hub: AgentHub;
  nodes: NodeRegistry;
  store: CompressedSeriesStore;
  storage: SqliteStorage;
  calls: Calls;
  /** Closes the websocket server and the hub (without a last checkpoint unless `flush`). */
  stop(options?: { flush?: boolean }): Promise<void>;
}

/** Hub options a test may set beside the fixture's own. */
export type HubExtras = Partial<Pick<AgentHubOptions, "udpHeartbeatPort" | "onHeartbeatDatagram" | "leaderTerm">> & { heartbeatInterval?: number };

/** A hub as server.ts composes it, over the SQLite files at `paths` (created when missing). */
export async function startHub(paths: { storage: string; store: string }, extras: HubExtras = {}): Promise<ServerSide> {
  const { heartbeatInterval = 500, ...hubExtras } = extras;
  const clock = new ManualClock(T0);
  const storage = openSqliteStorage(paths.storage);
  const store = CompressedSeriesStore.open({ path: paths.store, clock, checkpointIntervalMs: 10_000 });
  const nodes = new NodeRegistry(storage, clock);
  await nodes.load();
  const calls: Calls = { samples: [], heartbeats: [], events: [], probes: [] };
  const handlers: AgentHandlers = {
    hello: async () => undefined,
    heartbeat: (node) => void calls.heartbeats.push(node),
    samples: async (_node, m, replay) => {
      const { accepted, rejected } = store.appendColumns(m.columns, { replay });
      calls.samples.push({ seq: m.seq, replay, accepted, rejected });
    },
    probe: async (_node, m) => void calls.probes.push(m.seq),
    event: async (_node, m) => void calls.events.push(m.seq),
    disconnected: async () => undefined,
  };
  const hub = new AgentHub({
    clock,
    logger: silentLogger(),
    nodes,
    handlers,
    durability: store,
    servicesFor: () => [],
    settings: { heartbeatInterval, collectInterval: 1000 },
    ...hubExtras,
  });
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http, path: AGENT_WS_PATH });
  wss.on("connection", (socket, req) => hub.accept(socket, req.socket.remoteAddress));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", () => resolve()));
  const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}${AGENT_WS_PATH}`;
  return {
    url,
    clock,
    hub,
    nodes,
    store,
    storage,
    calls,
    async stop(options = {}) {
      await hub.close(options.flush ? () => store.flush() : undefined);
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await store.close();
      await storage.close();
    },
  };
}

/** An agent speaking the protocol by hand: what it receives, and what it sends. */
export interface FakeAgent {
  acks: number[];
  /** The texts of the server's `error` messages. */
  errors: string[];
  welcomedWith: number;
  welcome: Welcome;
  /** Every server message received, in order. */
  received: ServerMessage[];
  socket: WebSocket;
  /** Sends the message as JSON. */
  send(m: OutboxMessage): void;
  /** Sends a text frame as it is (a heartbeat, a malformed message). */
  sendText(text: string): void;
  /** Resolves once every frame sent before has been handled (a ping round trip). */
  roundTrip(): Promise<void>;
  /** Sends a binary frame. */
  sendFrame(frame: Buffer): void;
  close(): Promise<void>;
  closed: Promise<void>;
}

export async function connectAgent(url: string, outboxId = "outbox-1"): Promise<FakeAgent> {
  const socket = new WebSocket(url);
  const acks: number[] = [];
  const errors: string[] = [];
  const received: ServerMessage[] = [];
  let welcomed!: (welcome: Welcome) => void;
  const welcome = new Promise<Welcome>((resolve) => (welcomed = resolve));
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("message", (data) => {
    const m = JSON.parse(data.toString());
    received.push(m);
    if (m.type === "welcome") welcomed(m);
    if (m.type === "ack") acks.push(m.seq);
    if (m.type === "error") errors.push(m.error);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  socket.send(JSON.stringify({ type: "hello", v: PROTOCOL_VERSION, node: "node-a", agentVersion: "test", outboxId, pid: 1, ts: T0, services: [] }));
  const welcomeMessage = await welcome;
  return {
    acks,
    errors,
    welcomedWith: welcomeMessage.ackedSeq,
    welcome: welcomeMessage,
    received,
    socket,
    send: (m) => socket.send(JSON.stringify(m)),
    sendText: (text) => socket.send(text),
    roundTrip: () =>
      new Promise<void>((resolve) => {
        socket.once("pong", () => resolve());
        socket.ping();
      }),
    sendFrame: (frame) => socket.send(frame, { binary: true }),
    close: async () => {
      socket.close();
      await closed;
    },
    closed,
  };
}

export const sample = (ts: number, value: number): Sample => ({ name: "node_load1", labels: { node: "node-a" }, ts, value });
export const samplesMessage = (seq: number, ...samples: Sample[]): OutboxMessage => ({ type: "samples", v: PROTOCOL_VERSION, seq, samples });
export const eventMessage = (seq: number): OutboxMessage => ({
  type: "event",
  v: PROTOCOL_VERSION,
  seq,
  kind: "process.exited",
  service: "api",
  ts: T0 + seq,
  data: {},
});

export async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
