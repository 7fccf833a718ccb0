// A real edge server (startEdgeServer: Fastify, agent hub, series store in a temp directory,
// SQLite storage) over real sockets, with a replica list the test controls and a fake leader:
// real EdgeLinks on Fastify for the edge link (leader-fixture.ts), a plain node:http server for
// the API. It proves that agents of nodes another replica owns are redirected to it; that an
// owned node's hello reaches the leader and its welcome carries the leader's services; that an
// agent's message is acknowledged only once the leader handled it, and that one the leader
// fails is not acknowledged and its connection closed (1013) so the agent re-sends it; that a
// change of replicas moves a connected agent to its new owner; that an action the leader sends
// while still handling a node's hello waits for its admission; and that the API is passed on
// to the leader (credentials, bodies, cookies; 503 without a leader, 502 when unreachable)
// while /healthz, /api/v1/cluster and /metrics are answered by the edge itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket } from "ws";
import { parseConfig } from "../../../src/config/load.js";
import { AGENT_WS_PATH, PROTOCOL_VERSION, type ServerMessage } from "../../../src/protocol/messages.js";
import { ownerOf } from "../../../src/replicas/node-ownership.js";
import type { ReplicaAddress } from "../../../src/replicas/replica-membership.js";
import { startEdgeServer, type EdgeServer } from "../../../src/server/replicas/edge-server.js";
import type { LeaderAddress } from "../../../src/server/replicas/leader-proxy.js";
import { Shard } from "../../../src/server/replicas/shard.js";
import { openSqliteStorage } from "../../../src/storage/sqlite/sqlite-storage.js";
import { systemClock } from "../../../src/util/clock.js";
import { capturingLogger } from "../../fixtures/capturing-logger.js";
import { CLUSTER_KEY, gate, servicesOf, startLeader, waitFor } from "./leader-fixture.js";

const SELF = "e1";

/** The first node name `node-<i>` (not in `except`) whose owners among each list of replicas are as wanted. */
function nodeOwnedBy(wanted: Array<[replicas: string[], owner: string]>, except: string[] = []): string {
  for (let i = 0; i < 10_000; i++) {
    const node = `node-${i}`;
    if (!except.includes(node) && wanted.every(([replicas, owner]) => ownerOf(node, replicas) === owner)) return node;
  }
  throw new Error(`no node name with owners ${JSON.stringify(wanted)}`);
}

interface EdgeFixture {
  edge: EdgeServer;
  url: string;
  /** The live replicas nodes are spread over; call rebalance() after changing them. */
  replicas: ReplicaAddress[];
  rebalance(): void;
  leader: LeaderAddress | null;
  key: string | null;
  messages(): string[];
}

async function startEdge(t: { after(fn: () => unknown): void }, o: { leader: LeaderAddress | null; key: string | null; replicas: (self: string) => ReplicaAddress[] }): Promise<EdgeFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), "vigil-edge-"));
  const storage = openSqliteStorage(":memory:");
  const log = capturingLogger();
  const config = parseConfig(["server:", "  auth: { mode: off }", "tsdb:", "  checkpointInterval: 1s"].join("\n"), { env: {} });
  const listeners = new Set<() => void>();
  const fixture: EdgeFixture = {
    edge: undefined as unknown as EdgeServer,
    url: "",
    replicas: [],
    rebalance: () => {
      for (const l of listeners) l();
    },
    leader: o.leader,
    key: o.key,
    messages: log.messages,
  };
  fixture.edge = await startEdgeServer({
    config,
    host: "127.0.0.1",
    port: 0,
    tls: null,
    dataDir,
    storage,
    clock: systemClock,
    logger: log.logger,
    shard: new Shard(() => SELF, () => fixture.replicas),
    leader: () => fixture.leader,
    key: () => fixture.key,
    replicaUrls: () => fixture.replicas.map((r) => r.url),
    onReplicasChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    cluster: () => ({
      mode: "replicas",
      self: SELF,
      leader: fixture.leader && { name: fixture.leader.name, term: fixture.leader.term },
      replicas: fixture.replicas.map((r) => ({ name: r.name, url: r.url, role: r.name === fixture.leader?.name ? "leader" : "standby", nodes: null })),
    }),
  });
  t.after(async () => {
    await fixture.edge.close();
    await storage.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  fixture.url = `http://127.0.0.1:${fixture.edge.port}`;
  fixture.replicas = o.replicas(fixture.url);
  return fixture;
}

/** An agent speaking the protocol by hand over a real websocket; records what the server sent and how it closed. */
class RawAgent {
  readonly received: ServerMessage[] = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (raw) => this.received.push(JSON.parse(raw.toString()) as ServerMessage));
    socket.on("close", (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  static async connect(port: number, t: { after(fn: () => unknown): void }): Promise<RawAgent> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${AGENT_WS_PATH}`);
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    const agent = new RawAgent(socket);
    t.after(() => socket.terminate());
    return agent;
  }

  hello(node: string): void {
    this.send({
      type: "hello",
      v: PROTOCOL_VERSION,
      node,
      agentVersion: "t-2",
      outboxId: `outbox-of-${node}`,
      pid: 4242,
      ts: Date.now(),
      services: [{ name: "api", health: "unhealthy", since: 17, running: true }],
    });
  }

  event(seq: number): void {
    this.send({ type: "event", v: PROTOCOL_VERSION, seq, kind: "process.exited", service: "api", ts: Date.now(), data: { code: seq } });
  }

  /** The connection drops (no close handshake). */
  terminate(): void {
    this.socket.terminate();
  }

  send(message: object): void {
    this.socket.send(JSON.stringify(message));
  }

  of<T extends ServerMessage["type"]>(type: T): Array<Extract<ServerMessage, { type: T }>> {
    return this.received.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }

  acks(): number[] {
    return this.of("ack").map((m) => m.seq);
  }
}

test("agents: redirected when another replica owns their node; an owned node's hello reaches the leader, whose services its welcome carries", async (t) => {
  const leader = await startLeader({ name: "r1", term: 7 });
  t.after(() => leader.close());
  const r2 = { name: "r2", url: "http://127.0.0.1:7702" };
  const fx = await startEdge(t, { leader: { name: "r1", url: leader.url, term: 7 }, key: CLUSTER_KEY, replicas: (self) => [{ name: SELF, url: self }, r2] });
  const foreign = nodeOwnedBy([[[SELF, "r2"], "r2"]]);
  const own = nodeOwnedBy([[[SELF, "r2"], SELF]]);

  // Another replica's node: a redirect to its owner, then a normal close; the leader hears nothing of it.
  const stranger = await RawAgent.connect(fx.edge.port, t);
  stranger.hello(foreign);
  await waitFor("the redirected agent's connection closed", () => stranger.closed !== null);
  assert.deepEqual(stranger.received, [{ type: "redirect", v: PROTOCOL_VERSION, url: r2.url, owner: "r2", reason: `node ${foreign} belongs to replica r2` }]);
  assert.equal(stranger.closed!.code, 1000);

  // Its own node: the hello goes to the leader with the agent's services; the welcome carries the leader's answer.
  const agent = await RawAgent.connect(fx.edge.port, t);
  agent.hello(own);
  await waitFor("the welcome", () => agent.of("welcome").length === 1);
  const [welcome] = agent.of("welcome");
  assert.equal(welcome!.node, own);
  assert.deepEqual(welcome!.services, servicesOf(own));
  assert.deepEqual(welcome!.replicas, [fx.url, r2.url]);
  assert.equal(welcome!.ackedSeq, 0);
  assert.deepEqual(leader.calls.hellos, [{ node: own, agentVersion: "t-2", services: [{ name: "api", health: "unhealthy", since: 17, running: true }] }]);
  assert.equal(leader.edges.holderOf(own), SELF);
  assert.equal(leader.edges.holderOf(foreign), null);
  assert.deepEqual(fx.edge.hub.connectedNodes(), [own]);
  assert.equal(agent.closed, null);

  // A leader that cannot register the node now: the agent is told to come back (1013), not welcomed.
  leader.handlers.nodeHello = async () => {
    throw new Error("the database is unreachable");
  };
  const refused = nodeOwnedBy([[[SELF, "r2"], SELF]], [own]);
  const second = await RawAgent.connect(fx.edge.port, t);
  second.hello(refused);
  await waitFor("the refused hello's connection closed", () => second.closed !== null);
  assert.equal(second.closed!.code, 1013);
  assert.deepEqual(second.of("welcome"), []);
  assert.match(second.of("error")[0]!.error, /^not admitted now: the leader could not process node\.hello: the database is unreachable$/);
  // The leader does not count the refused node as held by this edge.
  await waitFor("the leader forgot the refused node", () => leader.edges.holderOf(refused) === null);
  assert.deepEqual(leader.edges.nodes(), [own]);
});

test("an agent's message is acknowledged only once the leader handled it; one the leader fails is not, and the agent re-sends it", async (t) => {
  const held = gate();
  t.after(() => held.open()); // before the leader's close, which waits for its handlers
  const leader = await startLeader({ name: "r1", term: 7 });
  t.after(() => leader.close());
  const fx = await startEdge(t, { leader: { name: "r1", url: leader.url, term: 7 }, key: CLUSTER_KEY, replicas: (self) => [{ name: SELF, url: self }] });
  const node = "node-a";
  const agent = await RawAgent.connect(fx.edge.port, t);
  agent.hello(node);
  await waitFor("the welcome", () => agent.of("welcome").length === 1);

  // Event 1 reaches the leader, whose control plane takes its time: no ack meanwhile, even with
  // everything made durable here.
  let noAckWhileHandling: number[] | null = null;
  leader.handlers.event = async (_node, m) => {
    if (m.seq !== 1) return;
    await fx.edge.store.flush();
    await new Promise((r) => setTimeout(r, 300));
    noAckWhileHandling = agent.acks();
    await held.promise;
  };
  agent.event(1);
  await waitFor("the leader handling event 1", () => noAckWhileHandling !== null);
  assert.deepEqual(noAckWhileHandling, []);
  assert.deepEqual(leader.calls.events, []);
  held.open();
  await waitFor("ack 1", () => agent.acks().includes(1));
  assert.deepEqual(leader.calls.events, [{ node, seq: 1 }]);
  assert.deepEqual(agent.acks(), [1]);

  // Event 2: the leader fails it. No ack; the connection is closed so that the agent re-sends.
  leader.handlers.event = async () => {
    throw new Error("the journal is full");
  };
  agent.event(2);
  await waitFor("the connection closed", () => agent.closed !== null);
  assert.equal(agent.closed!.code, 1013);
  assert.deepEqual(agent.acks(), [1]);
  assert.match(agent.of("error")[0]!.error, /the leader could not process node\.event: the journal is full/);
  assert.deepEqual(leader.calls.events, [{ node, seq: 1 }]);

  // The agent comes back (its welcome says 1 is acknowledged) and re-sends 2, which the leader takes now.
  leader.handlers.event = async () => undefined;
  const again = await RawAgent.connect(fx.edge.port, t);
  again.hello(node);
  await waitFor("the welcome", () => again.of("welcome").length === 1);
  assert.equal(again.of("welcome")[0]!.ackedSeq, 1);
  again.event(2);
  await waitFor("ack 2", () => again.acks().includes(2));
  assert.deepEqual(leader.calls.events, [
    { node, seq: 1 },
    { node, seq: 2 },
  ]);
  assert.equal(again.closed, null);
});

test("an agent that reconnects while its last message waits on the leader stays held: its old connection's leaving does not overtake its new hello", async (t) => {
  const held = gate();
  t.after(() => held.open()); // before the leader's close, which waits for its handlers
  const leader = await startLeader({ name: "r1", term: 7 });
  t.after(() => leader.close());
  const fx = await startEdge(t, { leader: { name: "r1", url: leader.url, term: 7 }, key: CLUSTER_KEY, replicas: (self) => [{ name: SELF, url: self }] });
  const node = "node-r";
  const first = await RawAgent.connect(fx.edge.port, t);
  first.hello(node);
  await waitFor("the welcome", () => first.of("welcome").length === 1);

  // Event 1 waits in the leader's control plane when the connection drops.
  let handling = false;
  leader.handlers.event = async () => {
    handling = true;
    await held.promise;
  };
  first.event(1);
  await waitFor("the leader handling event 1", () => handling);
  first.terminate();
  await waitFor("the edge saw the connection go", () => !fx.edge.hub.isConnected(node));

  // The agent is back at once: its hello goes to the leader (queued there behind event 1).
  const second = await RawAgent.connect(fx.edge.port, t);
  second.hello(node);
  // Time for the relayed hello to reach the leader; not asserted on (it can only hide the race, not fake it).
  await new Promise((r) => setTimeout(r, 300));
  held.open();
  await waitFor("the second connection welcomed", () => second.of("welcome").length === 1);

  // The leader still knows the node is here, and its actions reach the new connection.
  assert.equal(leader.edges.holderOf(node), SELF);
  assert.equal(fx.edge.hub.isConnected(node), true);
  const outcome = leader.edges.sendAction(node, "api", "restart", "unhealthy", { actionId: "act-7" });
  await waitFor("the action reached the agent", () => second.of("action").length === 1);
  assert.deepEqual(second.of("action")[0], { type: "action", v: PROTOCOL_VERSION, actionId: "act-7", action: "restart", service: "api", reason: "unhealthy", term: 7 });
  second.send({ type: "action.result", v: PROTOCOL_VERSION, seq: 2, actionId: "act-7", service: "api", action: "restart", ok: true, ts: Date.now(), data: { pid: 9 } });
  assert.deepEqual(await outcome, { ok: true, data: { pid: 9 } });
});

test("when replicas change, a connected agent whose node another replica owns now is redirected there; the others stay", async (t) => {
  const leader = await startLeader({ name: "r1", term: 7 });
  t.after(() => leader.close());
  const r2 = { name: "r2", url: "http://127.0.0.1:7702" };
  const r3 = { name: "r3", url: "https://vigil-3.example:7703" };
  const fx = await startEdge(t, { leader: { name: "r1", url: leader.url, term: 7 }, key: CLUSTER_KEY, replicas: (self) => [{ name: SELF, url: self }, r2] });
  const moving = nodeOwnedBy([
    [[SELF, "r2"], SELF],
    [[SELF, "r2", "r3"], "r3"],
  ]);
  const staying = nodeOwnedBy([
    [[SELF, "r2"], SELF],
    [[SELF, "r2", "r3"], SELF],
  ]);
  const movingAgent = await RawAgent.connect(fx.edge.port, t);
  movingAgent.hello(moving);
  const stayingAgent = await RawAgent.connect(fx.edge.port, t);
  stayingAgent.hello(staying);
  await waitFor("both welcomed", () => movingAgent.of("welcome").length === 1 && stayingAgent.of("welcome").length === 1);
  assert.deepEqual(fx.edge.hub.connectedNodes().sort(), [moving, staying].sort());

  // Nothing changed yet: a rebalance moves no one.
  fx.rebalance();
  assert.equal(movingAgent.closed, null);

  // r3 joins and wins `moving`.
  fx.replicas = [...fx.replicas, r3];
  fx.rebalance();
  await waitFor("the moved agent's connection closed", () => movingAgent.closed !== null);
  assert.equal(movingAgent.closed!.code, 1000);
  assert.deepEqual(movingAgent.received.at(-1), { type: "redirect", v: PROTOCOL_VERSION, url: r3.url, owner: "r3", reason: `node ${moving} belongs to replica r3` });
  assert.deepEqual(fx.edge.hub.connectedNodes(), [staying]);
  assert.equal(stayingAgent.closed, null);
  // The leader hears that the edge no longer holds it.
  await waitFor("the leader forgot where the moved node was", () => leader.edges.holderOf(moving) === null);
  assert.equal(leader.edges.holderOf(staying), SELF);

  // Its agent coming back here is sent on to r3 too.
  const back = await RawAgent.connect(fx.edge.port, t);
  back.hello(moving);
  await waitFor("redirected again", () => back.closed !== null);
  assert.deepEqual(back.of("redirect").map((m) => m.owner), ["r3"]);
});

test("the API is passed on to the leader; /healthz, /api/v1/cluster and /metrics are the edge's own", async (t) => {
  // The leader's API: records what reaches it and answers with a status, two cookies and a body.
  const seen: Array<{ method: string; url: string; authorization: string | undefined; cookie: string | undefined; body: string }> = [];
  const leaderHttp = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, cookie: req.headers.cookie, body });
      res.statusCode = req.method === "POST" ? 201 : 200;
      res.setHeader("content-type", "application/json");
      res.setHeader("set-cookie", ["a=1; Path=/", "b=2; Path=/"]);
      res.end(JSON.stringify({ answeredBy: "leader", url: req.url }));
    });
  });
  await new Promise<void>((resolve) => leaderHttp.listen(0, "127.0.0.1", () => resolve()));
  t.after(() => new Promise<void>((resolve) => leaderHttp.close(() => resolve())));
  const leaderUrl = `http://127.0.0.1:${(leaderHttp.address() as AddressInfo).port}`;
  // No cluster key: this edge makes no link (the API does not need one).
  const fx = await startEdge(t, { leader: { name: "r1", url: leaderUrl, term: 4 }, key: null, replicas: (self) => [{ name: SELF, url: self }, { name: "r1", url: leaderUrl }] });
  const base = fx.url;

  // Passed on with the credentials, the cookies and the body; the leader's status, cookies and body come back.
  const got = await fetch(`${base}/api/v1/services?x=1`, { headers: { authorization: "Bearer t0ken", cookie: "vigil_session=s1" } });
  assert.equal(got.status, 200);
  assert.deepEqual(await got.json(), { answeredBy: "leader", url: "/api/v1/services?x=1" });
  assert.deepEqual(got.headers.getSetCookie(), ["a=1; Path=/", "b=2; Path=/"]);
  const posted = await fetch(`${base}/api/v1/silences`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer t0ken" }, body: '{"matchers":[]}' });
  assert.equal(posted.status, 201);
  assert.deepEqual(
    seen.map((s) => [s.method, s.url, s.authorization, s.cookie, s.body]),
    [
      ["GET", "/api/v1/services?x=1", "Bearer t0ken", "vigil_session=s1", ""],
      ["POST", "/api/v1/silences", "Bearer t0ken", undefined, '{"matchers":[]}'],
    ],
  );

  // Its own routes.
  assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: "ok", role: "standby", leader: "r1", nodes: 0 });
  assert.deepEqual(await (await fetch(`${base}/api/v1/cluster`)).json(), {
    mode: "replicas",
    self: SELF,
    leader: { name: "r1", term: 4 },
    replicas: [
      { name: SELF, url: base, role: "standby", nodes: null },
      { name: "r1", url: leaderUrl, role: "leader", nodes: null },
    ],
  });
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /^vigil_replica_leader 0$/m);
  assert.match(metrics, /^vigil_replica_leader_term 4$/m, "the term it last read");
  assert.equal(seen.length, 2, "answered by the edge, not passed on");

  // No leader: the API says why.
  fx.leader = null;
  const unavailable = await fetch(`${base}/api/v1/services`);
  assert.equal(unavailable.status, 503);
  assert.match((await unavailable.json()).error, /no replica holds the leader lease right now/);
  assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: "ok", role: "standby", leader: null, nodes: 0 });

  // A leader that cannot be reached: 502 naming it.
  fx.leader = { name: "r9", url: "http://127.0.0.1:1", term: 5 };
  const unreachable = await fetch(`${base}/api/v1/services`);
  assert.equal(unreachable.status, 502);
  assert.match((await unreachable.json()).error, /^the leader r9 \(http:\/\/127\.0\.0\.1:1\) could not be reached/);
  assert.equal(seen.length, 2);
});

test("an action the leader sends while still handling the node's hello reaches the agent once it is welcomed", async (t) => {
  const leader = await startLeader({ name: "r1", term: 7 });
  t.after(() => leader.close());
  const fx = await startEdge(t, { leader: { name: "r1", url: leader.url, term: 7 }, key: CLUSTER_KEY, replicas: (self) => [{ name: SELF, url: self }] });
  const node = "node-a";
  // As a new leader does: the hello's snapshot says a service is down, and recovery restarts it
  // before the hello is answered.
  let outcome: Promise<unknown> | null = null;
  const answer = leader.handlers.nodeHello;
  leader.handlers.nodeHello = async (n, services) => {
    outcome = leader.edges.sendAction(n, "api", "restart", "unhealthy", { actionId: "act-1" });
    await new Promise((r) => setTimeout(r, 100));
    return answer(n, services);
  };
  const agent = await RawAgent.connect(fx.edge.port, t);
  agent.hello(node);
  await waitFor("the action reached the agent", () => agent.of("action").length === 1);
  assert.equal(agent.received[0]!.type, "welcome", "welcomed first");
  const [action] = agent.of("action");
  assert.deepEqual([action!.actionId, action!.action, action!.service, action!.term], ["act-1", "restart", "api", 7]);
  agent.send({ type: "action.result", v: PROTOCOL_VERSION, seq: 1, actionId: "act-1", service: "api", action: "restart", ok: true, ts: Date.now(), data: { pid: 9 } });
  assert.deepEqual(await outcome, { ok: true, data: { pid: 9 } });
});
