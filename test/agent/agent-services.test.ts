// A real Agent against a real websocket server speaking the protocol: the `services`
// message replaces the service list while connected (start what is new, stop what is gone
// or newly fenced, leave running services alone), a standby starts on a `start` action
// and is probed from then on, and snapshots are reported as events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WebSocketServer, type WebSocket } from "ws";
import { Agent } from "../../src/agent/agent.js";
import { AGENT_WS_PATH, PROTOCOL_VERSION, type AgentService, type ServerMessage } from "../../src/protocol/messages.js";
import { silentLogger } from "../../src/util/logger.js";
import { pidAlive, tempDir, waitFor } from "./process-helpers.js";

interface Received {
  type: string;
  kind?: string;
  service?: string;
  seq?: number;
  data?: Record<string, unknown>;
  [k: string]: unknown;
}

/** A minimal control plane: welcomes the agent with `services`, acks everything, records it all. */
async function fakeServer(services: AgentService[]) {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, path: AGENT_WS_PATH });
  const received: Received[] = [];
  let socket: WebSocket | null = null;
  const send = (m: ServerMessage) => socket!.send(JSON.stringify(m));
  wss.on("connection", (ws) => {
    socket = ws;
    ws.on("message", (raw) => {
      const m = JSON.parse(raw.toString()) as Received;
      received.push(m);
      if (m.type === "hello") {
        send({ type: "welcome", v: PROTOCOL_VERSION, node: "node-a", ackedSeq: 0, services, settings: { heartbeatInterval: 500, collectInterval: 60_000 }, serverTime: Date.now() });
      } else if (m.seq !== undefined) {
        send({ type: "ack", v: PROTOCOL_VERSION, seq: m.seq });
      }
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", () => resolve()));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    received,
    send,
    events: (kind: string, service?: string) => received.filter((m) => m.type === "event" && m.kind === kind && (service === undefined || m.service === service)),
    async close(): Promise<void> {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

const sleeper = (name: string, extra: Partial<AgentService> = {}): AgentService => ({
  name,
  run: { command: "sleep 300", env: {}, stopTimeout: 5000 },
  ...extra,
});

test("a services message while connected starts, stops and fences only the difference", async (t) => {
  const dir = tempDir("agent-services");
  const data = join(dir.path, "db-data");
  mkdirSync(data);
  writeFileSync(join(data, "table"), "rows");
  const initial = [
    sleeper("keep"),
    sleeper("drop"),
    sleeper("fence-me"),
    sleeper("spare", { standby: true }),
    sleeper("db", { snapshot: { path: data, every: 3_600_000, keep: 2 } }),
    sleeper("broken", { snapshot: { path: join(dir.path, "nowhere"), every: 3_600_000, keep: 2 } }),
  ];
  const server = await fakeServer(initial);
  const agent = new Agent({ server: server.url, node: "node-a", dataDir: join(dir.path, "agent"), logger: silentLogger(), probeListen: "127.0.0.1:0" });
  t.after(async () => {
    await agent.stop();
    await server.close();
    dir.remove();
  });
  await agent.start();

  const startedPid = (service: string): number | undefined => server.events("process.started", service).at(-1)?.data?.pid as number | undefined;
  await waitFor(() => ["keep", "drop", "fence-me", "db", "broken"].every((s) => startedPid(s) !== undefined), 15_000, "the initial services started");
  assert.equal(server.events("process.started", "spare").length, 0, "a standby is not started");

  // Snapshots: one soon after the welcome, reported as events.
  await waitFor(() => server.events("snapshot.taken", "db").length === 1 && server.events("snapshot.failed", "broken").length === 1, 15_000, "snapshot events");
  const taken = server.events("snapshot.taken", "db")[0]!.data!;
  assert.equal(taken.path, data);
  assert.equal(taken.files, 1);
  assert.match(String(taken.id), /^\d{4}-\d{2}-\d{2}T\d{6}\.\d{3}Z$/);
  assert.match(String(server.events("snapshot.failed", "broken")[0]!.data!.error), /snapshot path ".*nowhere" does not exist/);

  const pids = { keep: startedPid("keep")!, drop: startedPid("drop")!, fence: startedPid("fence-me")! };
  server.send({
    type: "services",
    v: PROTOCOL_VERSION,
    services: [sleeper("keep"), sleeper("fence-me", { fenced: true }), sleeper("spare", { standby: true }), sleeper("fresh")],
  });
  await waitFor(() => startedPid("fresh") !== undefined, 15_000, "the new service started");
  await waitFor(
    () => ["drop", "fence-me", "db", "broken"].every((s) => server.events("process.exited", s).length === 1),
    15_000,
    "removed and fenced services stopped",
  );
  for (const s of ["drop", "fence-me"]) assert.equal(server.events("process.exited", s)[0]!.data!.expected, true);
  assert.equal(pidAlive(pids.drop), false);
  assert.equal(pidAlive(pids.fence), false);
  assert.equal(pidAlive(pids.keep), true);
  assert.equal(server.events("process.started", "keep").length, 1, "a running service is left alone");
  assert.equal(server.events("process.exited", "keep").length, 0);

  // The fenced service refuses to start; the standby starts on request.
  server.send({ type: "action", v: PROTOCOL_VERSION, actionId: "x1", action: "start", service: "fence-me", reason: "test" });
  server.send({ type: "action", v: PROTOCOL_VERSION, actionId: "x2", action: "start", service: "spare", reason: "failover" });
  await waitFor(() => server.received.filter((m) => m.type === "action.result").length === 2, 15_000, "two action results");
  const results = Object.fromEntries(server.received.filter((m) => m.type === "action.result").map((m) => [m.actionId, m]));
  assert.equal(results.x1!.ok, false);
  assert.match(String(results.x1!.error), /refused: service "fence-me" is fenced on this node/);
  assert.equal(server.events("action.refused", "fence-me").length, 1);
  assert.equal(results.x2!.ok, true);
  assert.equal(startedPid("spare"), results.x2!.data!.pid);
  // From now on the failed-over standby is supervised like the agent's own: it is probed.
  await waitFor(() => server.received.some((m) => m.type === "probe" && m.service === "spare" && m.health === "healthy"), 15_000, "a healthy probe of the standby");
  // Before it, while idle, it was not probed (an implicit process check would have said unhealthy).
  const startIndex = server.received.findIndex((m) => m.type === "event" && m.kind === "process.started" && m.service === "spare");
  assert.ok(startIndex > 0);
  assert.equal(server.received.slice(0, startIndex).some((m) => m.type === "probe" && m.service === "spare"), false);
  // A fenced service is not probed either: its last word is not "unhealthy".
  assert.notEqual(server.received.filter((m) => m.type === "probe" && m.service === "fence-me").at(-1)?.health, "unhealthy");
});
