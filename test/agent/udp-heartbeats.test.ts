// A real Agent against a real websocket server and a real UDP socket: heartbeats go both
// ways until the server confirms the datagrams, then by UDP only; with no confirmation the
// agent stops trying after MAX_UNCONFIRMED datagrams; the server can send it back to the
// websocket; every datagram carries the welcome's session, increasing seqs and a valid tag.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { WebSocketServer, type WebSocket } from "ws";
import { Agent } from "../../src/agent/agent.js";
import { MAX_UNCONFIRMED } from "../../src/agent/heartbeat-route.js";
import { heartbeatDatagramSession, verifiedHeartbeatSeq } from "../../src/protocol/heartbeat-datagram.js";
import { AGENT_WS_PATH, PROTOCOL_VERSION, type ServerMessage } from "../../src/protocol/messages.js";
import { sipKey } from "../../src/protocol/siphash.js";
import { silentLogger } from "../../src/util/logger.js";
import { tempDir, waitFor } from "./process-helpers.js";

const KEY = "0123456789abcdef0123456789abcdef";
const SESSION = 7;
const HEARTBEAT_MS = 100;

/** A control plane that offers UDP heartbeats in its welcome and records both paths, with arrival times. */
async function fakeServer() {
  const udp = createSocket("udp4");
  await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", () => resolve()));
  const datagrams: { at: number; seq: number | null; session: number | null }[] = [];
  udp.on("message", (d) => {
    const claimed = heartbeatDatagramSession(d);
    datagrams.push({ at: Date.now(), seq: verifiedHeartbeatSeq(d, sipKey(Buffer.from(KEY, "hex"))), session: claimed.ok ? claimed.session : null });
  });
  const http = createServer();
  const wss = new WebSocketServer({ server: http, path: AGENT_WS_PATH });
  const websocketHeartbeats: number[] = [];
  let socket: WebSocket | null = null;
  wss.on("connection", (ws) => {
    socket = ws;
    ws.on("message", (raw) => {
      const m = JSON.parse(raw.toString()) as { type: string; seq?: number };
      if (m.type === "heartbeat") websocketHeartbeats.push(Date.now());
      if (m.type === "hello") {
        send({
          type: "welcome",
          v: PROTOCOL_VERSION,
          node: "node-a",
          ackedSeq: 0,
          services: [],
          settings: { heartbeatInterval: HEARTBEAT_MS, collectInterval: 60_000 },
          serverTime: Date.now(),
          udpHeartbeats: { port: (udp.address() as AddressInfo).port, session: SESSION, key: KEY },
        });
      } else if (m.seq !== undefined) send({ type: "ack", v: PROTOCOL_VERSION, seq: m.seq });
    });
  });
  const send = (m: ServerMessage) => socket!.send(JSON.stringify(m));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", () => resolve()));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    datagrams,
    websocketHeartbeats,
    send,
    /** Heartbeats of each path that arrived after `since`. */
    since: (since: number) => ({
      udp: datagrams.filter((d) => d.at > since).length,
      websocket: websocketHeartbeats.filter((at) => at > since).length,
    }),
    async close(): Promise<void> {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fake control plane and a started agent connected to it, both stopped after the test. */
async function agentAgainstFakeServer(t: TestContext) {
  const dir = tempDir("agent-udp");
  const server = await fakeServer();
  const agent = new Agent({ server: server.url, node: "node-a", dataDir: join(dir.path, "agent"), logger: silentLogger(), probeListen: "127.0.0.1:0" });
  t.after(async () => {
    await agent.stop();
    await server.close();
    dir.remove();
  });
  await agent.start();
  return server;
}

test("an agent heartbeats both ways until confirmed, then by UDP only, and goes back to the websocket when told", async (t) => {
  const server = await agentAgainstFakeServer(t);
  await waitFor(() => server.datagrams.length >= 2 && server.websocketHeartbeats.length >= 2, 10_000, "heartbeats on both paths");
  for (const d of server.datagrams) assert.equal(d.session, SESSION);
  const seqs = server.datagrams.map((d) => d.seq);
  assert.ok(seqs.every((s) => s !== null), "every datagram carries a valid tag");
  assert.deepEqual(seqs, seqs.map((_, i) => i + 1), "seqs count up from 1");

  server.send({ type: "heartbeat-path", v: PROTOCOL_VERSION, via: "udp" });
  await sleep(2 * HEARTBEAT_MS);
  const onUdp = Date.now();
  await sleep(6 * HEARTBEAT_MS);
  const afterConfirm = server.since(onUdp);
  assert.equal(afterConfirm.websocket, 0, "confirmed: no more websocket heartbeats");
  assert.ok(afterConfirm.udp >= 4, `datagrams keep coming (${afterConfirm.udp})`);

  server.send({ type: "heartbeat-path", v: PROTOCOL_VERSION, via: "websocket" });
  await sleep(2 * HEARTBEAT_MS);
  const back = Date.now();
  await sleep(6 * HEARTBEAT_MS);
  const afterFallback = server.since(back);
  assert.equal(afterFallback.udp, 0, "told to fall back: no more datagrams");
  assert.ok(afterFallback.websocket >= 4, `websocket heartbeats again (${afterFallback.websocket})`);
});

test("without a confirmation the agent stops sending datagrams after MAX_UNCONFIRMED and keeps the websocket", async (t) => {
  const server = await agentAgainstFakeServer(t);
  await waitFor(() => server.datagrams.length >= MAX_UNCONFIRMED, 10_000, `${MAX_UNCONFIRMED} datagrams`);
  await sleep(2 * HEARTBEAT_MS);
  const gaveUp = Date.now();
  await sleep(6 * HEARTBEAT_MS);
  assert.equal(server.datagrams.length, MAX_UNCONFIRMED, "no datagram after giving up");
  assert.ok(server.since(gaveUp).websocket >= 4, "heartbeats go on over the websocket");
});
