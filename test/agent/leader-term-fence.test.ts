// Fencing of deposed leaders: the term fence on its own (persisted, atomic, clear errors),
// and a real Agent refusing a lower-term action from a real websocket server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WebSocketServer, type WebSocket } from "ws";
import { Agent } from "../../src/agent/agent.js";
import { LEADER_TERM_FILE, LeaderTermFence } from "../../src/agent/leader-term-fence.js";
import { AGENT_WS_PATH, PROTOCOL_VERSION, type ServerMessage } from "../../src/protocol/messages.js";
import { silentLogger } from "../../src/util/logger.js";
import { tempDir } from "./process-helpers.js";
import { waitFor } from "../e2e/harness.js";

test("the fence admits the current and newer terms, refuses older ones, and remembers across restarts", () => {
  const dir = tempDir("term-fence");
  try {
    const fence = new LeaderTermFence(dir.path);
    assert.equal(fence.highestTerm, 0);
    assert.deepEqual(fence.admit(undefined), { admitted: true });
    assert.deepEqual(fence.admit(4), { admitted: true });
    assert.equal(readFileSync(join(dir.path, LEADER_TERM_FILE), "utf8"), "4\n");
    assert.deepEqual(fence.admit(4), { admitted: true });
    assert.deepEqual(fence.admit(3), { admitted: false, error: "refused: stale leader term 3; this agent has seen term 4 (a newer leader)" });
    assert.deepEqual(fence.admit(undefined), { admitted: true }, "no term: no leadership in play");
    const afterRestart = new LeaderTermFence(dir.path);
    assert.equal(afterRestart.highestTerm, 4);
    assert.equal(afterRestart.admit(2).admitted, false);
  } finally {
    dir.remove();
  }
});

test("a damaged term file is an error naming the file, not a silent reset to 0", () => {
  const dir = tempDir("term-fence");
  try {
    writeFileSync(join(dir.path, LEADER_TERM_FILE), "seven\n");
    assert.throws(() => new LeaderTermFence(dir.path), new RegExp(`${LEADER_TERM_FILE}: expected a whole number \\(the highest leader term seen\\), got "seven"`));
  } finally {
    dir.remove();
  }
});

test("an agent runs an action of the newest term and refuses one of an older term, reporting it", async (t) => {
  const dir = tempDir("term-agent");
  const http = createServer();
  const wss = new WebSocketServer({ server: http, path: AGENT_WS_PATH });
  const received: Array<{ type: string; kind?: string; actionId?: string; ok?: boolean; error?: string; seq?: number }> = [];
  let socket: WebSocket | null = null;
  const send = (m: ServerMessage) => socket!.send(JSON.stringify(m));
  wss.on("connection", (ws) => {
    socket = ws;
    ws.on("message", (raw) => {
      const m = JSON.parse(raw.toString());
      received.push(m);
      if (m.type === "hello") {
        send({
          type: "welcome",
          v: PROTOCOL_VERSION,
          node: "node-a",
          ackedSeq: 0,
          services: [{ name: "svc", commands: { hello: "echo hello" } }],
          settings: { heartbeatInterval: 500, collectInterval: 60_000 },
          serverTime: Date.now(),
        });
      } else if (m.seq !== undefined) send({ type: "ack", v: PROTOCOL_VERSION, seq: m.seq });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", () => resolve()));
  const agent = new Agent({ server: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, node: "node-a", dataDir: dir.path, logger: silentLogger(), probeListen: "127.0.0.1:0" });
  t.after(async () => {
    await agent.stop();
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    dir.remove();
  });
  await agent.start();
  await waitFor(() => received.some((m) => m.type === "hello"), 10_000, "hello");
  const result = (id: string) => waitFor(() => received.find((m) => m.type === "action.result" && m.actionId === id), 10_000, `result of ${id}`);

  send({ type: "action", v: PROTOCOL_VERSION, actionId: "new-leader", action: "exec", service: "svc", reason: "", command: "hello", term: 7 });
  assert.equal((await result("new-leader")).ok, true);
  send({ type: "action", v: PROTOCOL_VERSION, actionId: "old-leader", action: "exec", service: "svc", reason: "", command: "hello", term: 6 });
  const refused = await result("old-leader");
  assert.equal(refused.ok, false);
  assert.match(refused.error!, /^refused: stale leader term 6; this agent has seen term 7/);
  await waitFor(() => received.find((m) => m.type === "event" && m.kind === "action.refused"), 10_000, "the action.refused event");
  send({ type: "action", v: PROTOCOL_VERSION, actionId: "no-term", action: "exec", service: "svc", reason: "", command: "hello" });
  assert.equal((await result("no-term")).ok, true, "a single server's actions carry no term");
});
