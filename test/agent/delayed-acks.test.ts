// The agent against a server that acknowledges only at its checkpoints (seconds later): a
// real Agent (collectors on this machine's /proc, its disk outbox) and a real websocket
// server that records every frame and withholds acks. The agent must keep sending each new
// message once, keep its heartbeats flowing, and forget messages only when they are acked.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocketServer, type WebSocket } from "ws";
import { Agent } from "../../src/agent/agent.js";
import { AGENT_WS_PATH, PROTOCOL_VERSION } from "../../src/protocol/messages.js";
import { silentLogger } from "../../src/util/logger.js";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "vigil-delayed-acks-test-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("while acks are withheld the agent sends each message once, heartbeats go on, and an ack frees the outbox", async () => {
  const received: Array<{ type: string; seq?: number; at: number }> = [];
  let socket: WebSocket | null = null;
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http, path: AGENT_WS_PATH });
  wss.on("connection", (ws) => {
    socket = ws;
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString());
      received.push({ type: m.type, seq: m.seq, at: Date.now() });
      if (m.type === "hello") {
        ws.send(
          JSON.stringify({
            type: "welcome",
            v: PROTOCOL_VERSION,
            node: "node-a",
            ackedSeq: 0,
            services: [],
            settings: { heartbeatInterval: 100, collectInterval: 100 },
            serverTime: Date.now(),
          }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", () => resolve()));
  const agent = new Agent({
    server: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    node: "node-a",
    dataDir: join(dir, "agent"),
    logger: silentLogger(),
    probeListen: "127.0.0.1:0",
  });
  try {
    await agent.start();
    const outbox = () => received.filter((m) => m.seq !== undefined);
    // No ack for a while (a server whose checkpoint interval is long): 20 collections.
    await until("20 samples messages without any ack", () => outbox().filter((m) => m.type === "samples").length >= 20);
    const seqs = outbox().map((m) => m.seq!);
    assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), "each message sent once, in seq order: no re-send while waiting");
    assert.ok(agent.pendingMessages() >= 20, `the outbox keeps what is not acked (${agent.pendingMessages()})`);
    const heartbeats = received.filter((m) => m.type === "heartbeat").length;
    assert.ok(heartbeats >= 5, `heartbeats are not held back by missing acks (${heartbeats})`);

    // The checkpoint: one cumulative ack.
    const ackedUpTo = Math.max(...seqs);
    socket!.send(JSON.stringify({ type: "ack", v: PROTOCOL_VERSION, seq: ackedUpTo }));
    await until("the outbox forgets what was acked", () => agent.pendingMessages() < 5);
    // Sending goes on after the ack, still without repeats.
    await until("new messages after the ack", () => outbox().some((m) => m.seq! > ackedUpTo + 3));
    const all = outbox().map((m) => m.seq!);
    assert.equal(new Set(all).size, all.length, "no message was sent twice on the connection");
  } finally {
    await agent.stop();
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  }
});
