// ServerConnection against a real ws server on 127.0.0.1: hello on open, message delivery,
// invalid frames ignored, samples as binary frames only where the welcome offers them,
// reconnection after a dropped socket, a restarted server and a silent link, and stop() ending it all.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer, type Socket } from "node:net";
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { ServerConnection } from "../../src/agent/server-connection.js";
import { AGENT_WS_PATH, PROTOCOL_VERSION, type Hello, type SamplesMessage, type ServerMessage } from "../../src/protocol/messages.js";
import { SAMPLES_FRAME_LAYOUT, decodeSamplesFrame } from "../../src/protocol/samples-frame.js";
import { samplesOfColumns } from "../../src/protocol/sample-columns.js";
import { ManualClock, systemClock, type Clock } from "../../src/util/clock.js";
import { silentLogger, type Logger } from "../../src/util/logger.js";
import { capturingLogger } from "../fixtures/capturing-logger.js";

interface TestServer {
  port: number;
  /** Every parsed JSON message received, across connections. */
  received: Array<{ type: string; [k: string]: unknown }>;
  /** Every binary frame received, decoded as a samples frame (with the connection's index). */
  frames: Array<{ connection: number; decoded: ReturnType<typeof decodeSamplesFrame> }>;
  connections: WebSocket[];
  close(): Promise<void>;
}

async function startServer(port = 0, onConnection?: (ws: WebSocket) => void): Promise<TestServer> {
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http, path: AGENT_WS_PATH });
  const server: TestServer = {
    port: 0,
    received: [],
    frames: [],
    connections: [],
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  wss.on("connection", (ws) => {
    const connection = server.connections.push(ws) - 1;
    ws.on("message", (data, isBinary) => {
      if (isBinary) server.frames.push({ connection, decoded: decodeSamplesFrame(data as Buffer) });
      else server.received.push(JSON.parse(data.toString()));
    });
    onConnection?.(ws);
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(port, "127.0.0.1", () => resolve());
  });
  server.port = (http.address() as AddressInfo).port;
  return server;
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}


const hello = (): Hello => ({
  type: "hello",
  v: PROTOCOL_VERSION,
  node: "node-a",
  agentVersion: "test",
  outboxId: "outbox-1",
  pid: process.pid,
  ts: 1_700_000_000_000,
  services: [],
});

const welcome = {
  type: "welcome",
  v: PROTOCOL_VERSION,
  node: "node-a",
  ackedSeq: 0,
  services: [],
  settings: { heartbeatInterval: 1000, collectInterval: 5000, outboxMaxMessages: 1000 },
  serverTime: 1_700_000_000_000,
};

interface Harness {
  connection: ServerConnection;
  messages: ServerMessage[];
  opens: number;
  closes: number;
}

function connect(
  t: { after: (fn: () => Promise<void> | void) => void },
  url: string,
  options: { clock?: Clock; logger?: Logger; idleTimeoutMs?: number } = {},
): Harness {
  const harness: Harness = { connection: null as unknown as ServerConnection, messages: [], opens: 0, closes: 0 };
  harness.connection = new ServerConnection({
    urls: [url],
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger(),
    hello,
    onMessage: (m) => harness.messages.push(m),
    onOpen: () => harness.opens++,
    onClose: () => harness.closes++,
    idleTimeoutMs: options.idleTimeoutMs,
  });
  t.after(() => harness.connection.stop());
  return harness;
}

test("sends hello on open, delivers server messages and ignores invalid frames", async (t) => {
  const server = await startServer(0, (ws) => {
    ws.send("this is not json");
    ws.send(JSON.stringify({ type: "bogus", v: PROTOCOL_VERSION }));
    ws.send(JSON.stringify({ type: "ack", v: 2, seq: 1 }));
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    ws.send(JSON.stringify(welcome));
    ws.send(JSON.stringify({ type: "ack", v: PROTOCOL_VERSION, seq: 3 }));
  });
  t.after(() => server.close());
  const log = capturingLogger();
  // The http base URL is turned into ws://.../api/v1/agent/ws; the server only accepts that path.
  const h = connect(t, `http://127.0.0.1:${server.port}`, { logger: log.logger });

  assert.equal(h.connection.send({ type: "heartbeat", v: PROTOCOL_VERSION, ts: 1 }), false, "send before start");
  h.connection.start();
  await waitFor("two valid messages", () => h.messages.length >= 2);
  assert.deepEqual(
    h.messages.map((m) => m.type),
    ["welcome", "ack"],
  );
  assert.equal(h.messages[1]!.type === "ack" && h.messages[1]!.seq, 3);
  await waitFor("hello at the server", () => server.received.length >= 1);
  assert.equal(server.received[0]?.type, "hello");
  assert.equal(server.received[0]?.node, "node-a");
  assert.equal(h.opens, 1);
  assert.equal(log.messages().filter((m) => /invalid frame/.test(m)).length, 3);
  assert.equal(log.messages().filter((m) => /binary frame/.test(m)).length, 1);

  // Still connected after the garbage: a message goes through.
  assert.equal(h.connection.isOpen(), true);
  assert.equal(h.connection.send({ type: "heartbeat", v: PROTOCOL_VERSION, ts: 2 }), true);
  await waitFor("heartbeat at the server", () => server.received.some((m) => m.type === "heartbeat"));
  assert.equal(server.connections.length, 1);
});

test("samples go out as binary frames once the connection's welcome offers them; JSON to a server without the offer", async (t) => {
  // The first connection's welcome has no offer (an older server); the second's has one.
  const server = await startServer(0, (ws) => {
    const offer = server.connections.length === 2 ? { samplesFrames: [SAMPLES_FRAME_LAYOUT, 99] } : {};
    ws.send(JSON.stringify({ ...welcome, ...offer }));
  });
  t.after(() => server.close());
  const h = connect(t, `ws://127.0.0.1:${server.port}${AGENT_WS_PATH}`);
  const samples = (seq: number): SamplesMessage => ({ type: "samples", v: PROTOCOL_VERSION, seq, samples: [{ name: "m", labels: { node: "node-a" }, ts: 1000 + seq, value: seq / 3 }] });
  h.connection.start();
  await waitFor("the first welcome", () => h.messages.length === 1);
  assert.equal(h.connection.send(samples(1)), true);
  await waitFor("seq 1 at the server", () => server.received.some((m) => m.type === "samples"));
  assert.deepEqual(server.received.find((m) => m.type === "samples"), samples(1), "JSON to a server that did not offer frames");
  assert.equal(server.frames.length, 0);

  server.connections[0]!.close(1001, "going away");
  await waitFor("the second welcome", () => h.messages.length === 2);
  assert.equal(h.connection.send(samples(2)), true);
  assert.equal(h.connection.send({ type: "heartbeat", v: PROTOCOL_VERSION, ts: 5 }), true);
  await waitFor("the frame", () => server.frames.length === 1);
  const [frame] = server.frames;
  assert.equal(frame!.connection, 1);
  assert.ok(frame!.decoded.ok, "a valid samples frame");
  if (frame!.decoded.ok) {
    assert.equal(frame!.decoded.message.seq, 2);
    assert.deepEqual(samplesOfColumns(frame!.decoded.message.columns), samples(2).samples);
  }
  await waitFor("the heartbeat", () => server.received.some((m) => m.type === "heartbeat"));
  assert.equal(server.received.filter((m) => m.type === "samples").length, 1, "other messages stay JSON; samples are not sent twice");
});

test("reconnects and says hello again after the server closes the socket", async (t) => {
  const server = await startServer();
  t.after(() => server.close());
  const h = connect(t, `ws://127.0.0.1:${server.port}${AGENT_WS_PATH}`);
  h.connection.start();
  await waitFor("first hello", () => server.received.filter((m) => m.type === "hello").length === 1);
  server.connections[0]!.close(1001, "going away");
  await waitFor("second hello", () => server.received.filter((m) => m.type === "hello").length === 2);
  assert.equal(server.connections.length, 2);
  assert.equal(h.closes, 1);
  assert.equal(h.opens, 2);
  assert.equal(h.connection.isOpen(), true);
});

test("reconnects after the server restarts on the same port; send() is false meanwhile", async (t) => {
  const first = await startServer();
  const port = first.port;
  const h = connect(t, `http://127.0.0.1:${port}`);
  h.connection.start();
  await waitFor("connected", () => h.connection.isOpen() && first.received.length === 1);

  await first.close();
  await waitFor("disconnect noticed", () => !h.connection.isOpen() && h.closes === 1);
  assert.equal(h.connection.send({ type: "heartbeat", v: PROTOCOL_VERSION, ts: 3 }), false);
  // Let a few connection attempts fail against the closed port.
  await new Promise((r) => setTimeout(r, 300));

  const second = await startServer(port);
  t.after(() => second.close());
  await waitFor("hello at the restarted server", () => second.received.some((m) => m.type === "hello"));
  await waitFor("open again", () => h.connection.isOpen());
  assert.equal(h.opens, 2);
  assert.equal(h.connection.send({ type: "heartbeat", v: PROTOCOL_VERSION, ts: 4 }), true);
  await waitFor("heartbeat at the restarted server", () => second.received.some((m) => m.type === "heartbeat"));
});

test("stop() closes the connection and schedules nothing more", async (t) => {
  const server = await startServer();
  t.after(() => server.close());
  const clock = new ManualClock(0);
  const h = connect(t, `http://127.0.0.1:${server.port}`, { clock });
  h.connection.start();
  await waitFor("connected", () => h.connection.isOpen());

  await h.connection.stop();
  assert.equal(h.connection.isOpen(), false);
  assert.equal(clock.pendingTimers(), 0, "a timer is still scheduled after stop()");
  clock.advance(60_000);
  await waitFor("server saw the close", () => server.connections[0]!.readyState === server.connections[0]!.CLOSED);
  assert.equal(server.connections.length, 1);
  assert.equal(h.connection.send({ type: "heartbeat", v: PROTOCOL_VERSION, ts: 5 }), false);
  h.connection.start(); // stop is final
  assert.equal(clock.pendingTimers(), 0);
});

test("stop() while waiting to reconnect cancels the retry", async (t) => {
  // A port with nothing listening: every attempt fails and a retry is scheduled.
  const probe = await startServer();
  const port = probe.port;
  await probe.close();
  const clock = new ManualClock(0);
  const log = capturingLogger();
  const h = connect(t, `http://127.0.0.1:${port}`, { clock, logger: log.logger });
  h.connection.start();
  await waitFor("failed attempt", () => log.messages().some((m) => /cannot connect to server/.test(m)));
  assert.equal(clock.pendingTimers(), 1, "expected exactly the retry timer");
  await h.connection.stop();
  assert.equal(clock.pendingTimers(), 0);
  assert.equal(h.opens, 0);
  assert.equal(h.closes, 0);
});

test("a silent server is cut off after the idle timeout and the agent reconnects", async (t) => {
  // A server that completes the websocket handshake and then never sends a frame (no pong),
  // like a peer whose machine froze or a link that silently drops packets.
  const sockets: Socket[] = [];
  const silent = createTcpServer((socket) => {
    sockets.push(socket);
    socket.once("data", (request) => {
      const key = /sec-websocket-key: *(.+)\r\n/i.exec(request.toString())![1]!.trim();
      const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve()));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
  const port = (silent.address() as AddressInfo).port;

  const clock = new ManualClock(0);
  const h = connect(t, `http://127.0.0.1:${port}`, { clock, idleTimeoutMs: 3000 });
  h.connection.start();
  await waitFor("connected", () => h.connection.isOpen());
  clock.advance(2000);
  assert.equal(h.connection.isOpen(), true, "cut off before the idle timeout");
  clock.advance(1000);
  await waitFor("silent connection terminated", () => !h.connection.isOpen() && h.closes === 1);
  // The first retry comes 50-100 ms later (see reconnectDelay).
  clock.advance(100);
  await waitFor("reconnected", () => h.opens === 2 && sockets.length === 2);
});

test("a server that answers keeps the connection alive past the idle timeout", async (t) => {
  // The agent pings three times per idle window; this server answers each ping with an ack
  // (besides ws's automatic pong), so the test can see every exchange.
  const server = await startServer(0, (ws) => {
    ws.on("ping", () => ws.send(JSON.stringify({ type: "ack", v: PROTOCOL_VERSION, seq: 0 })));
  });
  t.after(() => server.close());
  const clock = new ManualClock(0);
  const h = connect(t, `http://127.0.0.1:${server.port}`, { clock, idleTimeoutMs: 3000 });
  h.connection.start();
  await waitFor("connected", () => h.connection.isOpen());
  for (let i = 1; i <= 9; i++) {
    clock.advance(1000);
    await waitFor(`answer to ping ${i}`, () => h.messages.length === i);
  }
  assert.equal(h.connection.isOpen(), true);
  assert.equal(server.connections.length, 1);
  assert.equal(h.closes, 0);
});

test("a bad server URL is refused at construction, naming it", () => {
  assert.throws(
    () => new ServerConnection({ urls: ["nope"], clock: systemClock, logger: silentLogger(), hello, onMessage: () => {} }),
    /not a valid URL/,
  );
  assert.throws(
    () => new ServerConnection({ urls: ["http://127.0.0.1:7070", "http://192.0.2.10:7070"], clock: systemClock, logger: silentLogger(), hello, onMessage: () => {} }),
    /server URL 2 of 2 \(http:\/\/192\.0\.2\.10:7070\): refusing to connect/,
  );
});
