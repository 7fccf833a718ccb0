// A real Agent against several fake server replicas (ws servers in this process that speak
// just enough of the protocol: read hello, answer welcome or redirect, record the outbox
// messages): it follows a redirect to the owner, moves on when the owner goes away and
// re-sends its unacknowledged outbox there, ends a redirect loop in its list with a warning,
// refuses a redirect into plain text, and skips a dead first URL.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocketServer, type WebSocket } from "ws";
import { Agent } from "../../src/agent/agent.js";
import { agentWebSocketUrl } from "../../src/agent/server-address.js";
import { AGENT_WS_PATH, PROTOCOL_VERSION } from "../../src/protocol/messages.js";
import type { Logger } from "../../src/util/logger.js";
import { capturingLogger } from "../fixtures/capturing-logger.js";

interface Received {
  type: string;
  seq?: number;
  [k: string]: unknown;
}

interface FakeReplica {
  url: string;
  hellos: Received[];
  /** Outbox messages (those with a seq), in arrival order. */
  outbox: Received[];
  /** Sends one message on the replica's open connection. */
  send(message: object): void;
  close(): Promise<void>;
}

/** A replica that answers each hello with `answer(hello)` (a welcome or a redirect). */
async function fakeReplica(answer: (hello: Received) => object): Promise<FakeReplica> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path: AGENT_WS_PATH });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  let open: WebSocket | null = null;
  const replica: FakeReplica = {
    url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    hellos: [],
    outbox: [],
    send: (message) => open?.send(JSON.stringify(message)),
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
  wss.on("connection", (socket) => {
    open = socket;
    socket.on("message", (data) => {
      const m = JSON.parse(data.toString()) as Received;
      if (m.type === "hello") {
        replica.hellos.push(m);
        socket.send(JSON.stringify(answer(m)));
      } else if (typeof m.seq === "number") replica.outbox.push(m);
    });
  });
  return replica;
}

const welcome = (extra: object = {}) => (hello: Received) => ({
  type: "welcome",
  v: PROTOCOL_VERSION,
  node: hello.node,
  ackedSeq: 0,
  services: [],
  // Samples every 100 ms: an outbox that fills quickly.
  settings: { heartbeatInterval: 200, collectInterval: 100 },
  serverTime: Date.now(),
  ...extra,
});
const redirectTo = (target: () => string, owner: string) => () => ({ type: "redirect", v: PROTOCOL_VERSION, url: target(), owner, reason: `node-a belongs to ${owner}` });

async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}


async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs a real agent (own data dir, capturing logger) against `servers`; stops it and the replicas after. */
async function withAgent(
  t: { after: (fn: () => Promise<void>) => void },
  servers: string[],
  replicas: FakeReplica[],
): Promise<{ agent: Agent; log: ReturnType<typeof capturingLogger> }> {
  const dir = mkdtempSync(join(tmpdir(), "vigil-replicas-"));
  const log = capturingLogger();
  const agent = new Agent({ server: servers, node: "node-a", dataDir: dir, logger: log.logger, probeListen: "127.0.0.1:0" });
  t.after(async () => {
    await agent.stop();
    for (const r of replicas) await r.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  await agent.start();
  return { agent, log };
}

test("follows a redirect to the owner; when the owner goes, moves on to a learned replica and re-sends its unacked outbox there", async (t) => {
  let b: FakeReplica | null = null;
  let c: FakeReplica | null = null;
  // The shared database's view: the highest seq acknowledged by any replica.
  let ackedInDatabase = 0;
  const a = await fakeReplica(redirectTo(() => b!.url, "b"));
  // B names every live replica in its welcome; the agent is configured with A only.
  b = await fakeReplica((hello) => welcome({ replicas: [a.url, b!.url, c!.url] })(hello));
  c = await fakeReplica((hello) => welcome({ ackedSeq: ackedInDatabase })(hello));
  const { agent, log } = await withAgent(t, [a.url], [a, b, c]);

  await until("B receives outbox messages", () => b!.outbox.length >= 1);
  // B acknowledges the first message only (durable), and records that in the database.
  ackedInDatabase = b.outbox[0]!.seq!;
  b.send({ type: "ack", v: PROTOCOL_VERSION, seq: ackedInDatabase });
  await until("B receives three more", () => b!.outbox.length >= 4);
  assert.equal(a.hellos.length, 1, "A redirected once");
  assert.equal(b.hellos.length, 1);
  const redirect = log.lines().find((l) => l.msg === "redirected by the server to the node's owner replica");
  assert.ok(redirect, "the redirect is logged");
  assert.equal(redirect.level, 30, "at info");
  assert.equal(redirect.to, agentWebSocketUrl(b.url));
  assert.equal(redirect.owner, "b");

  // The owner goes away: the agent tries the learned list (B again, refused) and reaches C.
  await b.close();
  const sentToB = b.outbox.map((m) => m.seq!);
  await until("C welcomes the agent and receives messages", () => c!.hellos.length >= 1 && c!.outbox.some((m) => m.seq! > Math.max(...sentToB)));
  assert.equal(c.hellos[0]!.outboxId, b.hellos[0]!.outboxId, "the same outbox continues at the other replica");

  const unacked = sentToB.filter((seq) => seq > ackedInDatabase);
  const atC = c.outbox.map((m) => m.seq!);
  const resent = atC.filter((seq) => seq <= Math.max(...sentToB));
  assert.ok(unacked.length >= 3, `B left ${unacked.length} messages unacknowledged`);
  assert.deepEqual(resent, unacked, `C received the ${unacked.length} messages B had not acknowledged, in order, and nothing B acknowledged`);
  // And nothing is missing in between: the seqs C saw run without a gap from the first unacked one.
  const first = atC[0]!;
  assert.equal(first, ackedInDatabase + 1);
  assert.deepEqual(atC.slice(0, 20), Array.from({ length: Math.min(20, atC.length) }, (_, i) => first + i));
  assert.ok(agent.pendingMessages() > 0);
});

test("a redirect loop ends after 3 redirects: back to the list with a warning naming the chain", async (t) => {
  let b: FakeReplica | null = null;
  const a = await fakeReplica(redirectTo(() => b!.url, "b"));
  b = await fakeReplica(redirectTo(() => a.url, "a"));
  const c = await fakeReplica(welcome());
  const { log } = await withAgent(t, [a.url, c.url], [a, b, c]);

  await until("C welcomes the agent", () => c.hellos.length === 1 && c.outbox.length >= 1);
  // A → B → A → B, then B's redirect to A is not followed.
  assert.equal(a.hellos.length, 2);
  assert.equal(b.hellos.length, 2);
  const warning = log.lines().find((l) => /redirects in a row/.test(l.msg));
  assert.ok(warning, "a warning about the loop");
  assert.equal(warning.level, 40);
  const chain = [a, b, a, b, a].map((r) => agentWebSocketUrl(r.url)).join(" → ");
  assert.equal(warning.msg, `more than 3 redirects in a row without a welcome (${chain}): back to the server list after a backoff`);
});

test("a redirect into plain text beyond loopback is refused with a warning; the agent goes on with its list", async (t) => {
  const a = await fakeReplica(redirectTo(() => "http://192.0.2.10:7070", "x"));
  const c = await fakeReplica(welcome());
  const { log } = await withAgent(t, [a.url, c.url], [a, c]);

  await until("C welcomes the agent", () => c.hellos.length === 1 && c.outbox.length >= 1);
  assert.equal(a.hellos.length, 1);
  const warning = log.lines().find((l) => /^refusing the redirect/.test(l.msg));
  assert.ok(warning, "a warning about the refused redirect");
  assert.equal(warning.level, 40);
  assert.match(warning.msg, /to http:\/\/192\.0\.2\.10:7070: refusing to connect to http:\/\/192\.0\.2\.10:7070 in plain text/);
  assert.equal(log.lines().some((l) => l.msg === "connected to server" && String(l.url).includes("192.0.2.10")), false);
});

test("a configured list whose first URL is dead connects to the second", async (t) => {
  const b = await fakeReplica(welcome());
  const { agent } = await withAgent(t, [await deadUrl(), b.url], [b]);
  await until("B welcomes the agent and receives its messages", () => b.hellos.length === 1 && b.outbox.length >= 2);
  assert.equal(b.hellos[0]!.node, "node-a");
  assert.equal(b.hellos[0]!.outboxId, agent.outboxId);
});
