// The hub's acknowledgements against real parts: a websocket agent client, the persistent
// series store and the node registry on SQLite files. The store's clock is a ManualClock
// that is never advanced, so it checkpoints only when the test calls flush(): an ack that
// arrives before then would be an ack of something not durable.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket, WebSocketServer } from "ws";
import { NodeRegistry } from "../../src/detect/node-registry.js";
import { AgentHub, type AgentHandlers } from "../../src/server/agent-hub.js";
import { openSqliteStorage, type SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { CompressedSeriesStore } from "../../src/tsdb/compressed-store.js";
import { AGENT_WS_PATH, PROTOCOL_VERSION, type OutboxMessage, type Sample } from "../../src/protocol/messages.js";
import { ManualClock } from "../../src/util/clock.js";
import { silentLogger } from "../../src/util/logger.js";

const T0 = 1_700_000_000_000;

let dir: string;
let fileCount = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "vigil-hub-acks-test-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** What the handlers were asked to do, in order. */
interface Calls {
  samples: Array<{ seq: number; replay: boolean; accepted: number; rejected: number }>;
  events: number[];
  probes: number[];
}

interface ServerSide {
  url: string;
  hub: AgentHub;
  nodes: NodeRegistry;
  store: CompressedSeriesStore;
  storage: SqliteStorage;
  calls: Calls;
  /** Closes the websocket server and the hub (without a last checkpoint unless `flush`). */
  stop(options?: { flush?: boolean }): Promise<void>;
}

/** A hub as server.ts composes it, over the SQLite files at `paths` (created when missing). */
async function startHub(paths: { storage: string; store: string }): Promise<ServerSide> {
  const clock = new ManualClock(T0);
  const storage = openSqliteStorage(paths.storage);
  const store = CompressedSeriesStore.open({ path: paths.store, clock, checkpointIntervalMs: 10_000 });
  const nodes = new NodeRegistry(storage, clock);
  await nodes.load();
  const calls: Calls = { samples: [], events: [], probes: [] };
  const handlers: AgentHandlers = {
    hello: async () => undefined,
    heartbeat: async () => undefined,
    samples: async (_node, m, replay) => {
      const { accepted, rejected } = store.append(m.samples, { replay });
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
    settings: { heartbeatInterval: 500, collectInterval: 1000 },
  });
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http, path: AGENT_WS_PATH });
  wss.on("connection", (socket, req) => hub.accept(socket, req.socket.remoteAddress));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", () => resolve()));
  const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}${AGENT_WS_PATH}`;
  return {
    url,
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

function freshPaths(): { storage: string; store: string } {
  fileCount++;
  return { storage: join(dir, `vigil-${fileCount}.db`), store: join(dir, `tsdb-${fileCount}.db`) };
}

/** An agent speaking the protocol by hand: what it receives, and what it sends. */
interface FakeAgent {
  acks: number[];
  welcomedWith: number;
  send(m: OutboxMessage): void;
  close(): Promise<void>;
  closed: Promise<void>;
}

async function connectAgent(url: string, outboxId = "outbox-1"): Promise<FakeAgent> {
  const socket = new WebSocket(url);
  const acks: number[] = [];
  let welcomed!: (ackedSeq: number) => void;
  const welcome = new Promise<number>((resolve) => (welcomed = resolve));
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("message", (data) => {
    const m = JSON.parse(data.toString());
    if (m.type === "welcome") welcomed(m.ackedSeq);
    if (m.type === "ack") acks.push(m.seq);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  socket.send(JSON.stringify({ type: "hello", v: PROTOCOL_VERSION, node: "node-a", agentVersion: "test", outboxId, pid: 1, ts: T0, services: [] }));
  return {
    acks,
    welcomedWith: await welcome,
    send: (m) => socket.send(JSON.stringify(m)),
    close: async () => {
      socket.close();
      await closed;
    },
    closed,
  };
}

const sample = (ts: number, value: number): Sample => ({ name: "node_load1", labels: { node: "node-a" }, ts, value });
const samplesMessage = (seq: number, ...samples: Sample[]): OutboxMessage => ({ type: "samples", v: PROTOCOL_VERSION, seq, samples });
const eventMessage = (seq: number): OutboxMessage => ({
  type: "event",
  v: PROTOCOL_VERSION,
  seq,
  kind: "process.exited",
  service: "api",
  ts: T0 + seq,
  data: {},
});

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("a message is acknowledged only once a checkpoint made its samples durable; acks are cumulative", async () => {
  const server = await startHub(freshPaths());
  try {
    const agent = await connectAgent(server.url);
    assert.equal(agent.welcomedWith, 0);
    agent.send(samplesMessage(1, sample(T0 - 3000, 1)));
    agent.send(eventMessage(2));
    agent.send(samplesMessage(3, sample(T0 - 2000, 2)));
    await until("three messages processed", () => server.nodes.get("node-a")?.processedSeq === 3);
    // Everything is processed (the event too) but nothing is durable: no checkpoint has run.
    assert.deepEqual(server.calls.events, [2]);
    assert.deepEqual(agent.acks, []);
    assert.equal(server.nodes.get("node-a")!.ackedSeq, 0);

    await server.store.flush();
    await until("the ack", () => agent.acks.length > 0);
    assert.deepEqual(agent.acks, [3], "one cumulative ack for all three");
    await until("the ack recorded", () => server.nodes.get("node-a")!.ackedSeq === 3);

    // With nothing appended since the last checkpoint, a message without samples is durable at once.
    agent.send(eventMessage(4));
    await until("the ack of 4", () => agent.acks.includes(4));

    // A message without samples after samples that are not durable waits for them.
    agent.send(samplesMessage(5, sample(T0 - 1000, 3)));
    agent.send(eventMessage(6));
    await until("6 processed", () => server.nodes.get("node-a")?.processedSeq === 6);
    assert.deepEqual(agent.acks, [3, 4]);
    await server.store.flush();
    await until("the ack of 6", () => agent.acks.includes(6));
    assert.deepEqual(agent.acks, [3, 4, 6]);
    assert.equal(server.store.stats().rejected, 0);
    await agent.close();
  } finally {
    await server.stop();
  }
});

test("after a restart, re-sent messages that were processed are not acted on again; only their samples are re-appended", async () => {
  const paths = freshPaths();
  const first = await startHub(paths);
  const agent = await connectAgent(first.url);
  agent.send(samplesMessage(1, sample(T0 - 5000, 1)));
  await until("1 processed", () => first.nodes.get("node-a")?.processedSeq === 1);
  await first.store.flush();
  await until("the ack of 1", () => agent.acks.includes(1));
  agent.send(samplesMessage(2, sample(T0 - 4000, 2)));
  agent.send(eventMessage(3));
  await until("3 processed", () => first.nodes.get("node-a")?.processedSeq === 3);
  // The server goes away before a checkpoint acknowledged 2 and 3 (its connection first, so
  // the checkpoint that closing the store runs has no one to acknowledge to).
  await agent.close();
  await first.stop();

  const second = await startHub(paths);
  try {
    const again = await connectAgent(second.url);
    assert.equal(again.welcomedWith, 1, "the welcome names the last acknowledged seq: the agent re-sends 2 and 3");
    again.send(samplesMessage(2, sample(T0 - 4000, 2)));
    again.send(eventMessage(3));
    again.send(samplesMessage(4, sample(T0 - 3000, 4)));
    again.send(eventMessage(5));
    await until("5 processed", () => second.nodes.get("node-a")?.processedSeq === 5);
    assert.deepEqual(second.calls.events, [5], "the event of seq 3 is not journalled a second time");
    assert.deepEqual(
      second.calls.samples.map((s) => [s.seq, s.replay]),
      [
        [2, true],
        [4, false],
      ],
      "the samples of seq 2 are appended again, as a replay",
    );
    // This store kept seq 2's sample (the first closed gracefully): the replay's duplicate is
    // counted apart, not as bad input.
    assert.deepEqual(second.store.stats().rejected, 0);
    assert.deepEqual(second.store.stats().replayRejected, 1);
    assert.deepEqual(again.acks, []);
    await second.store.flush();
    await until("the ack of 5", () => again.acks.includes(5));
    await again.close();
  } finally {
    await second.stop();
  }
});

test("a graceful stop checkpoints and acknowledges what became durable before closing the connection", async () => {
  const paths = freshPaths();
  const server = await startHub(paths);
  const agent = await connectAgent(server.url);
  agent.send(samplesMessage(1, sample(T0 - 2000, 1)));
  agent.send(eventMessage(2));
  await until("2 processed", () => server.nodes.get("node-a")?.processedSeq === 2);
  assert.deepEqual(agent.acks, []);
  await server.stop({ flush: true });
  await agent.closed;
  assert.deepEqual(agent.acks, [2]);
  const storage = openSqliteStorage(paths.storage);
  try {
    const [node] = await storage.listNodes();
    assert.equal(node!.ackedSeq, 2, "the ack is recorded before the storage closes");
  } finally {
    await storage.close();
  }
});
