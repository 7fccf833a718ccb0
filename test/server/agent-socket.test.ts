// The agent websocket's door on a real server (in-process, real sockets and SQLite):
// refusals at the upgrade, a hello bound to the credential's node, the hello timeout, the
// frame size limit, revocation of a connected agent, and garbage frames that leave the
// server serving other agents.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { WebSocket } from "ws";
import { configSchema } from "../../src/config/schema.js";
import { AGENT_MAX_FRAME_BYTES, AGENT_WS_PATH, PROTOCOL_VERSION } from "../../src/protocol/messages.js";
import { AgentIdentityStore } from "../../src/security/agent-identity-store.js";
import { startServer, type VigilServer } from "../../src/server/server.js";
import { silentLogger } from "../../src/util/logger.js";

let dir: string;
let server: VigilServer;
let wsUrl: string;
const open: WebSocket[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "vigil-agent-socket-"));
  const config = configSchema.parse({ server: { agentAuth: "required" } });
  server = await startServer({ config, listen: "127.0.0.1:0", dataDir: dir, logger: silentLogger() });
  wsUrl = server.url.replace("http:", "ws:") + AGENT_WS_PATH;
});

after(async () => {
  for (const s of open) s.terminate();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Conn {
  socket: WebSocket;
  frames: Array<{ type: string; [k: string]: unknown }>;
  closed: Promise<{ code: number; reason: string }>;
  /** HTTP status when the upgrade was refused. */
  refused: Promise<{ status: number; body: string } | null>;
}

function connect(credential: string | null): Conn {
  const socket = new WebSocket(wsUrl, credential === null ? {} : { headers: { authorization: `Bearer ${credential}` } });
  open.push(socket);
  const frames: Conn["frames"] = [];
  socket.on("message", (d) => frames.push(JSON.parse(d.toString())));
  socket.on("error", () => undefined);
  const refused = new Promise<{ status: number; body: string } | null>((resolve) => {
    socket.on("open", () => resolve(null));
    socket.on("unexpected-response", (req, res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => {
        resolve({ status: res.statusCode!, body });
        req.destroy();
      });
    });
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  return { socket, frames, closed, refused };
}

const hello = (node: string) => JSON.stringify({ type: "hello", v: PROTOCOL_VERSION, node, agentVersion: "test", outboxId: `outbox-${node}`, pid: 1, ts: Date.now(), services: [] });

async function until<T>(check: () => T | undefined | null | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test("without a credential the upgrade is refused with 401 and how to enroll", async () => {
  const c = connect(null);
  const refused = await c.refused;
  assert.equal(refused?.status, 401);
  assert.match(JSON.parse(refused!.body).error, /vigil token create --agent NODE/);
  const wrong = await connect("vigil-agent-made-up").refused;
  assert.equal(wrong?.status, 401);
});

test("a credential speaks only for its node: a hello for another node is refused and journalled", async () => {
  const c = connect(server.identities.issueCredential("node-a", Date.now()));
  assert.equal(await c.refused, null);
  c.socket.send(hello("node-b"));
  const closed = await c.closed;
  assert.equal(closed.code, 4403);
  assert.match(closed.reason, /credential is for node node-a, not node-b/);
  const refusedEvents = await server.storage.listEvents({ kinds: ["agent.refused"] });
  assert.ok(refusedEvents.some((e) => e.node === "node-b" && /node-a, not node-b/.test(String(e.data.reason))));
});

test("a connection that does not say hello is closed after the hello timeout", async () => {
  const c = connect(server.identities.issueCredential("node-quiet", Date.now()));
  assert.equal(await c.refused, null);
  const closed = await c.closed;
  assert.equal(closed.code, 4408);
  assert.match(closed.reason, /no hello within/);
});

test("a frame above the size limit closes that connection (1009)", async () => {
  const c = connect(server.identities.issueCredential("node-big", Date.now()));
  assert.equal(await c.refused, null);
  c.socket.send(hello("node-big"));
  await until(() => c.frames.find((f) => f.type === "welcome"), "welcome");
  c.socket.send("x".repeat(AGENT_MAX_FRAME_BYTES + 1));
  assert.equal((await c.closed).code, 1009);
});

test("revoking a connected agent closes its connection, and it cannot come back", async () => {
  const credential = server.identities.issueCredential("node-r", Date.now());
  const c = connect(credential);
  assert.equal(await c.refused, null);
  c.socket.send(hello("node-r"));
  await until(() => c.frames.find((f) => f.type === "welcome"), "welcome");
  // As `vigil agents revoke` does it: another connection to the same agents.db.
  const cli = AgentIdentityStore.open(dir);
  cli.revoke("node-r", Date.now());
  cli.close();
  const closed = await c.closed;
  assert.equal(closed.code, 4403);
  assert.match(closed.reason, /node-r was revoked/);
  const again = await connect(credential).refused;
  assert.equal(again?.status, 403);
  assert.match(JSON.parse(again!.body).error, /revoked/);
});

test("garbage frames get error replies, never crash the server, and other agents keep being served", async () => {
  const noisy = connect(server.identities.issueCredential("node-noisy", Date.now()));
  assert.equal(await noisy.refused, null);
  noisy.socket.send(hello("node-noisy"));
  await until(() => noisy.frames.find((f) => f.type === "welcome"), "welcome of the noisy agent");
  const garbage = fc.sample(
    fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.record({ type: fc.constantFrom("samples", "probe", "event", "action.result", "hello", "heartbeat"), v: fc.constantFrom(1, 2, "1"), seq: fc.integer() }).map((v) => JSON.stringify(v)),
      fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
    ),
    { numRuns: 1000, seed: 9 },
  );
  for (const frame of garbage) noisy.socket.send(frame);
  // Every frame is answered or silently applied; the connection stays up and errors name what is wrong.
  await until(() => noisy.frames.filter((f) => f.type === "error").length >= 500, "error replies to the garbage");
  assert.ok(noisy.frames.filter((f) => f.type === "error").every((f) => typeof f.error === "string" && f.error.length > 0));
  assert.equal(noisy.socket.readyState, WebSocket.OPEN);

  const quiet = connect(server.identities.issueCredential("node-calm", Date.now()));
  assert.equal(await quiet.refused, null);
  quiet.socket.send(hello("node-calm"));
  await until(() => quiet.frames.find((f) => f.type === "welcome"), "welcome of another agent after the garbage");
  quiet.socket.send(JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, ts: Date.now() }));
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
});

test("samples labelled with another node are dropped; the agent's own are kept", async () => {
  const c = connect(server.identities.issueCredential("node-s", Date.now()));
  assert.equal(await c.refused, null);
  c.socket.send(hello("node-s"));
  await until(() => c.frames.find((f) => f.type === "welcome"), "welcome");
  const now = Date.now();
  c.socket.send(
    JSON.stringify({
      type: "samples",
      v: PROTOCOL_VERSION,
      seq: 1,
      samples: [
        { name: "spoof_test", labels: { node: "node-s" }, ts: now, value: 1 },
        { name: "spoof_test", labels: { node: "node-victim" }, ts: now, value: 99 },
      ],
    }),
  );
  const series = async () => ((await (await fetch(`${server.url}/api/v1/tsdb/series?match=spoof_test`)).json()) as { series: Array<{ labels: Record<string, string> }> }).series;
  let found: Array<{ labels: Record<string, string> }> = [];
  const deadline = Date.now() + 20_000;
  while (found.length === 0 && Date.now() < deadline) {
    found = await series();
    if (found.length === 0) await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(found.map((s) => s.labels.node), ["node-s"]);
});
