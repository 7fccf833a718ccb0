// An agent obeys only what it declared, whatever the server says: a real Agent connected to
// a hostile server (a plain ws server speaking the protocol) is sent actions for a service
// it does not run, an undeclared command, and — read-only — any action at all. Each is
// refused with an action.result naming why and an action.refused event.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocketServer, type WebSocket } from "ws";
import { Agent } from "../../src/agent/agent.js";
import { PROTOCOL_VERSION, type AgentService } from "../../src/protocol/messages.js";
import { silentLogger } from "../../src/util/logger.js";

interface Received {
  type: string;
  [k: string]: unknown;
}

const declared: AgentService[] = [{ name: "db", commands: { vacuum: "true" }, health: { process: true, interval: 1000, timeout: 1000, failures: 1, successes: 1, startPeriod: 0 } }];

async function withHostileServer(readOnly: boolean, fn: (send: (m: object) => void, received: Received[]) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "vigil-forged-"));
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  const received: Received[] = [];
  let socket: WebSocket | null = null;
  wss.on("connection", (s) => {
    socket = s;
    s.on("message", (d) => {
      const m = JSON.parse(d.toString()) as Received;
      received.push(m);
      if (m.type === "hello") {
        s.send(JSON.stringify({ type: "welcome", v: PROTOCOL_VERSION, node: "node-a", ackedSeq: 0, services: declared, settings: { heartbeatInterval: 500, collectInterval: 60_000 }, serverTime: Date.now() }));
      }
    });
  });
  const agent = new Agent({ server: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, node: "node-a", dataDir: dir, logger: silentLogger(), probeListen: "127.0.0.1:0", readOnly });
  try {
    await agent.start();
    await until(() => received.some((m) => m.type === "hello") && socket !== null, "hello");
    await new Promise((r) => setTimeout(r, 200)); // the welcome applied
    await fn((m) => socket!.send(JSON.stringify({ type: "action", v: PROTOCOL_VERSION, reason: "forged", ...m })), received);
  } finally {
    await agent.stop();
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function resultOf(received: Received[], actionId: string): Promise<Received> {
  await until(() => received.some((m) => m.type === "action.result" && m.actionId === actionId), `the result of ${actionId}`);
  return received.find((m) => m.type === "action.result" && m.actionId === actionId)!;
}

test("actions on an undeclared service, undeclared commands and unknown kinds are refused and reported", async () => {
  await withHostileServer(false, async (send, received) => {
    send({ actionId: "a1", action: "restart", service: "sshd" });
    send({ actionId: "a2", action: "exec", service: "db", command: "wipe" });
    send({ actionId: "a3", action: "shell", service: "db" });
    const a1 = await resultOf(received, "a1");
    assert.equal(a1.ok, false);
    assert.equal(a1.error, 'refused: service "sshd" is not in this agent\'s configuration');
    assert.match(String((await resultOf(received, "a2")).error), /^refused: command "wipe" is not declared for service "db" \(declared: vacuum\)/);
    assert.match(String((await resultOf(received, "a3")).error), /^refused: unknown action "shell"/);
    await until(() => received.filter((m) => m.type === "event" && m.kind === "action.refused").length === 3, "three action.refused events");
    // A declared command still runs.
    send({ actionId: "a4", action: "exec", service: "db", command: "vacuum" });
    assert.equal((await resultOf(received, "a4")).ok, true);
  });
});

test("a read-only agent refuses every action, even a declared one", async () => {
  await withHostileServer(true, async (send, received) => {
    send({ actionId: "r1", action: "exec", service: "db", command: "vacuum" });
    send({ actionId: "r2", action: "restart", service: "db" });
    for (const id of ["r1", "r2"]) {
      const r = await resultOf(received, id);
      assert.equal(r.ok, false);
      assert.match(String(r.error), /^refused: this agent is read-only \(--read-only\)/);
    }
    await until(() => received.filter((m) => m.type === "event" && m.kind === "action.refused").length === 2, "two action.refused events");
    // It still reports: samples flow.
    await until(() => received.some((m) => m.type === "heartbeat"), "heartbeats from the read-only agent");
  });
});
