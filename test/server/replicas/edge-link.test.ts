// The edge link over real sockets: the leader's end (EdgeLinks on a real Fastify server) and
// an edge's end (EdgeLinkClient) on the system clock. It proves that the cluster key is
// required (and a refusal logged); that requests are handled in order per node and answered
// with their outcome; that requests wait for a leader, survive a dropped link (sent again on
// the next one, with the edge's nodes announced again) and time out when unanswered; that
// the leader's actions, service lists, chaos faults and indirect probes reach the edge holding
// the node and their outcomes come back; that a leader that no longer leads refuses links
// and requests; and that an action for a node between replicas waits for its agent to arrive
// (clusterAgents). No mocks: the control plane is a recording handlers object (leader-fixture.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { WebSocket } from "ws";
import type { ActionKind, AgentService, ChaosStartMessage, ChaosStopMessage, EventMessage, IndirectProbeResult } from "../../../src/protocol/messages.js";
import { PROTOCOL_VERSION } from "../../../src/protocol/messages.js";
import { REPLICA_KEY_HEADER } from "../../../src/replicas/cluster-key.js";
import type { ActionOutcome } from "../../../src/recover/orchestrator.js";
import { EDGE_LINK_PATH, EDGE_LINK_VERSION, type EdgeRequestBody } from "../../../src/server/replicas/edge-link-messages.js";
import { EdgeLinkClient } from "../../../src/server/replicas/edge-link-client.js";
import { systemClock } from "../../../src/util/clock.js";
import { freePort } from "../../fixtures/ports.js";
import { capturingLogger } from "../../fixtures/capturing-logger.js";
import { CLUSTER_KEY, gate, servicesOf, startLeader, waitFor, type FakeLeader } from "./leader-fixture.js";
import { REHOMING_WAIT_MS, clusterAgents } from "../../../src/server/replicas/cluster-agents.js";
import { hubFiles, startHub } from "../hub-fixture.js";

type LeaderRef = { name: string; url: string; term: number } | null;

/** What the leader asked of the edge's agents, in order. */
interface EdgeCalls {
  actions: Array<{ node: string; service: string; action: ActionKind; reason: string; options: { command?: string; actionId: string; term: number } }>;
  services: Array<{ node: string; services: AgentService[] }>;
  chaos: Array<{ node: string; message: ChaosStartMessage | ChaosStopMessage }>;
  probes: Array<{ via: string; target: string; address: string; timeoutMs: number }>;
}

interface Edge {
  client: EdgeLinkClient;
  calls: EdgeCalls;
  /** What an action's agent answers (default: ok with its id). */
  actionOutcome: (actionId: string) => Promise<ActionOutcome>;
  probeResult: (requestId: string) => IndirectProbeResult | null;
  leader: LeaderRef;
  key: string | null;
  messages(): string[];
}

function startEdge(t: { after(fn: () => void): void }, o: { replica?: string; leader: LeaderRef; key?: string | null; requestTimeoutMs?: number }): Edge {
  const log = capturingLogger();
  const calls: EdgeCalls = { actions: [], services: [], chaos: [], probes: [] };
  const edge: Edge = {
    client: undefined as unknown as EdgeLinkClient,
    calls,
    actionOutcome: async (actionId) => ({ ok: true, data: { actionId } }),
    probeResult: () => null,
    leader: o.leader,
    key: o.key === undefined ? CLUSTER_KEY : o.key,
    messages: log.messages,
  };
  edge.client = new EdgeLinkClient({
    replica: o.replica ?? "e1",
    leader: () => edge.leader,
    key: () => edge.key,
    clock: systemClock,
    logger: log.logger,
    requestTimeoutMs: o.requestTimeoutMs ?? 20_000,
    checkIntervalMs: 50,
    commands: {
      action: (node, service, action, reason, options) => {
        calls.actions.push({ node, service, action, reason, options });
        return edge.actionOutcome(options.actionId);
      },
      services: (node, services) => void calls.services.push({ node, services }),
      chaos: (node, message) => void calls.chaos.push({ node, message }),
      indirectProbe: async (via, target, address, timeoutMs) => {
        calls.probes.push({ via, target, address, timeoutMs });
        return edge.probeResult(`${via}->${target}`);
      },
    },
  });
  t.after(() => edge.client.close());
  return edge;
}

const refOf = (leader: FakeLeader, term = leader.lead!.term): LeaderRef => ({ name: leader.lead!.name, url: leader.url, term });

/** A node's hello as the edge relays it; its probe address is 127.0.0.1:1<length of the name>. */
const hello = (node: string, services: Array<{ name: string }> | null = []): EdgeRequestBody => ({
  type: "node.hello",
  node,
  agentVersion: "t-1",
  probeAddress: `127.0.0.1:1${node.length}`,
  services: services && services.map((s) => ({ name: s.name, health: "healthy" as const, since: 1, running: true })),
});

const event = (node: string, seq: number) =>
  ({ type: "node.event", node, event: { type: "event", v: PROTOCOL_VERSION, seq, kind: "process.exited", service: "api", ts: seq, data: {} } satisfies EventMessage }) as const;

/** Settles `p` into a record of how it ended, without throwing. */
function settle<T>(p: Promise<T>): { done: () => boolean; value: () => T | undefined; error: () => Error | undefined } {
  let state: { value?: T; error?: Error } | null = null;
  p.then(
    (value) => (state = { value }),
    (error: Error) => (state = { error }),
  );
  return { done: () => state !== null, value: () => state?.value, error: () => state?.error };
}

/** Opens a raw websocket to the edge link path; resolves with the HTTP refusal status or the close code after an edge.hello. */
function rawLink(url: string, key: string | undefined): Promise<{ status: number } | { closeCode: number; messages: unknown[] }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(new URL(EDGE_LINK_PATH, url.replace(/^http/, "ws")), { headers: key === undefined ? {} : { [REPLICA_KEY_HEADER]: key } });
    const messages: unknown[] = [];
    socket.on("unexpected-response", (req, res) => {
      req.destroy();
      resolve({ status: res.statusCode ?? 0 });
    });
    socket.on("open", () => socket.send(JSON.stringify({ type: "edge.hello", v: EDGE_LINK_VERSION, replica: "raw" })));
    socket.on("message", (data) => messages.push(JSON.parse(data.toString())));
    socket.on("close", (code) => resolve({ closeCode: code, messages }));
    socket.on("error", (err) => (err.message.includes("Unexpected server response") ? undefined : reject(err)));
  });
}

test("the cluster key: a link without it is refused and logged; with it, the edge links and names the leader and its term", async (t) => {
  const leader = await startLeader({ name: "r1", term: 3 });
  t.after(() => leader.close());
  const refusals = () => leader.messages().filter((m) => m === "edge link refused: wrong or missing cluster key").length;

  // Missing and wrong keys, as any client would send them: 401 and a log line each.
  assert.deepEqual(await rawLink(leader.url, undefined), { status: 401 });
  assert.deepEqual(await rawLink(leader.url, "not-the-key"), { status: 401 });
  assert.equal(refusals(), 2);

  // The edge with a wrong key keeps trying and is refused each time; it never links.
  const edge = startEdge(t, { leader: refOf(leader), key: "wrong-key-of-the-same-length-000000" });
  await waitFor("the edge's link refused twice more", () => refusals() >= 4);
  assert.equal(edge.client.linked(), null);
  assert.deepEqual(leader.edges.linkedReplicas(), []);
  assert.ok(edge.messages().includes("the leader refused the edge link"), edge.messages().join("\n"));

  // The right key: linked to r1 in term 3, and the leader knows the edge.
  edge.key = CLUSTER_KEY;
  await waitFor("the edge linked", () => edge.client.linked() !== null);
  assert.deepEqual(edge.client.linked(), { name: "r1", term: 3 });
  await waitFor("the leader lists the edge", () => leader.edges.linkedReplicas().includes("e1"));
  assert.deepEqual(leader.edges.linkedReplicas(), ["e1"]);
});

test("a leader that does not know the cluster key yet answers 503; the edge keeps trying and links once it does", async (t) => {
  const leader = await startLeader({ name: "r1", term: 2, key: null });
  t.after(() => leader.close());
  assert.deepEqual(await rawLink(leader.url, CLUSTER_KEY), { status: 503 });
  const edge = startEdge(t, { leader: refOf(leader) });
  const refused = () => edge.messages().filter((m) => m === "the leader refused the edge link").length;
  await waitFor("the edge refused twice", () => refused() >= 2);
  assert.equal(edge.client.linked(), null);
  leader.key = CLUSTER_KEY;
  await waitFor("the edge linked", () => edge.client.linked() !== null);
  assert.deepEqual(edge.client.linked(), { name: "r1", term: 2 });
});

test("requests are handled in order per node; a hello is answered with the node's services; a handler's failure reaches the requester", async (t) => {
  const held = gate();
  t.after(() => held.open()); // before the leader's close, which waits for its handlers
  const leader = await startLeader({ name: "r1", term: 1 });
  t.after(() => leader.close());
  const edge = startEdge(t, { leader: refOf(leader) });

  // A hello: the control plane sees the agent's snapshot; the edge gets what the node runs.
  assert.deepEqual(await edge.client.request(hello("n1", [{ name: "api" }])), servicesOf("n1"));
  assert.deepEqual(leader.calls.hellos, [{ node: "n1", agentVersion: "t-1", services: [{ name: "api", health: "healthy", since: 1, running: true }] }]);
  assert.equal(leader.edges.holderOf("n1"), "e1");
  assert.equal(leader.edges.probeAddressOf("n1"), "127.0.0.1:12");

  // n1's first event is held up in the control plane: n1's second waits behind it, n2's does not.
  const started: string[] = [];
  leader.handlers.event = async (node, m) => {
    started.push(`${node}:${m.seq}`);
    if (node === "n1" && m.seq === 1) await held.promise;
  };
  const answered: string[] = [];
  const track = (label: string, p: Promise<unknown>) => settle(p.then(() => void answered.push(label)));
  const n1a = track("n1:1", edge.client.request(event("n1", 1)));
  const n1b = track("n1:2", edge.client.request(event("n1", 2)));
  const n2a = track("n2:1", edge.client.request(event("n2", 1)));
  await waitFor("n2's event answered", () => n2a.done());
  assert.deepEqual(started.sort(), ["n1:1", "n2:1"], "n1's second event is not handled before its first is done");
  assert.deepEqual(answered, ["n2:1"]);
  held.open();
  await waitFor("n1's events answered", () => n1a.done() && n1b.done());
  assert.deepEqual(answered, ["n2:1", "n1:1", "n1:2"]);
  assert.deepEqual(leader.calls.events, [
    { node: "n2", seq: 1 },
    { node: "n1", seq: 1 },
    { node: "n1", seq: 2 },
  ]);

  // A control plane that fails: the edge's request fails with its reason; the next one is handled.
  leader.handlers.event = async (_node, m) => {
    if (m.seq === 3) throw new Error("the journal is full");
  };
  await assert.rejects(edge.client.request(event("n1", 3)), /the leader could not process node\.event: the journal is full/);
  await edge.client.request(event("n1", 4));
  assert.deepEqual(leader.calls.events.at(-1), { node: "n1", seq: 4 });
  assert.ok(leader.messages().includes("handling an edge request failed"));
});

test("without a leader a request waits and is delivered once one appears; one left unanswered rejects after requestTimeoutMs, a verdict never", async (t) => {
  const stuck = gate();
  t.after(() => stuck.open()); // before the leader's close, which waits for its handlers
  const leader = await startLeader({ name: "r1", term: 2 });
  t.after(() => leader.close());
  const edge = startEdge(t, { leader: null });

  const waiting = settle(edge.client.request(event("n1", 1)));
  // Several link checks pass (every 50 ms) with no leader: nothing goes anywhere.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(waiting.done(), false);
  assert.equal(edge.client.linked(), null);
  assert.deepEqual(leader.calls.events, []);

  edge.leader = refOf(leader);
  await waitFor("the waiting request answered", () => waiting.done());
  assert.equal(waiting.error(), undefined);
  assert.deepEqual(leader.calls.events, [{ node: "n1", seq: 1 }]);

  // Unanswered: with no leader, and with a leader whose control plane never finishes.
  const lonely = startEdge(t, { replica: "e2", leader: null, requestTimeoutMs: 400 });
  // … but what no agent would re-send (verdicts) waits for a leader however long it takes.
  const verdict = settle(
    lonely.client.request(
      { type: "node.liveness", verdicts: [{ node: "n2", state: "dead", previous: "alive", since: 1, reason: "silent", phi: null, lastSeen: 1 }], freeze: [] },
      { untilAnswered: true },
    ),
  );
  await assert.rejects(lonely.client.request(event("n2", 1)), /^Error: the leader did not answer node\.event within 400 ms \(no leader linked\)$/);
  assert.equal(verdict.done(), false, "still waiting past the request timeout");
  leader.handlers.event = () => stuck.promise;
  lonely.leader = refOf(leader);
  await waitFor("e2 linked", () => lonely.client.linked() !== null);
  await waitFor("the verdict delivered to the leader that appeared", () => verdict.done());
  assert.equal(verdict.error(), undefined);
  assert.deepEqual(leader.calls.liveness.map((l) => [l.replica, l.out.verdicts.map((v) => [v.node, v.state, v.phi])]), [["e2", [["n2", "dead", Infinity]]]]);
  await assert.rejects(lonely.client.request(event("n2", 2)), /^Error: the leader did not answer node\.event within 400 ms$/);
});

test("a dropped link: the edge links again, announces every node it holds and sends again what was not answered", async (t) => {
  const held = gate();
  const stuck = gate();
  t.after(() => {
    held.open();
    stuck.open();
  });
  const port = await freePort();
  let first: FakeLeader | null = await startLeader({ name: "r1", term: 5, port });
  t.after(() => first?.close());
  const edge = startEdge(t, { leader: refOf(first) });
  await edge.client.request(hello("n1", [{ name: "api" }]));
  await edge.client.request(hello("n2"));
  await edge.client.request(hello("n3"));
  await edge.client.request({ type: "node.gone", node: "n3" });
  assert.deepEqual(first.edges.nodes().sort(), ["n1", "n2"]);

  // An event reaches the leader's control plane, which does not finish it before the link drops.
  let handling = false;
  first.handlers.event = async () => {
    handling = true;
    await held.promise;
  };
  const pending = settle(edge.client.request(event("n1", 7)));
  await waitFor("the first leader's control plane handling the event", () => handling);
  const closing = first.close(); // closes the links at once, then waits for its handler
  await waitFor("the edge saw its link close", () => edge.client.linked() === null);
  held.open(); // handled now, but the answer cannot go out any more
  await closing;
  assert.deepEqual(first.calls.events, [{ node: "n1", seq: 7 }]);
  assert.equal(pending.done(), false, "not answered: the edge still waits");
  first = null;

  // The same leader back on the same port (a restart): the link is made again.
  const second = await startLeader({ name: "r1", term: 5, port });
  t.after(() => second.close());
  await waitFor("the waiting event answered by the restarted leader", () => pending.done());
  assert.equal(pending.error(), undefined);
  assert.deepEqual(second.calls.events, [{ node: "n1", seq: 7 }], "handled again (at least once): its answer was lost with the link");
  // Every node held (not n3, which left), announced without a snapshot.
  assert.deepEqual(
    second.calls.hellos.sort((a, b) => a.node.localeCompare(b.node)),
    [
      { node: "n1", agentVersion: "t-1", services: null },
      { node: "n2", agentVersion: "t-1", services: null },
    ],
  );
  assert.deepEqual(second.edges.nodes().sort(), ["n1", "n2"]);
  assert.equal(second.edges.probeAddressOf("n1"), "127.0.0.1:12");
  // What each node runs, as the new leader answered, reaches its agent.
  await waitFor("the new leader's service lists passed to the agents", () => edge.calls.services.length === 2);
  assert.deepEqual(edge.calls.services.map((c) => c.node).sort(), ["n1", "n2"]);

  // Another replica takes the lease: the edge leaves r1 and links to r2, with its waiting request.
  const third = await startLeader({ name: "r2", term: 6 });
  t.after(() => third.close());
  second.handlers.event = () => stuck.promise;
  const moved = settle(edge.client.request(event("n2", 8)));
  edge.leader = refOf(third);
  await waitFor("the waiting event answered by the new leader", () => moved.done());
  assert.equal(moved.error(), undefined);
  assert.deepEqual(edge.client.linked(), { name: "r2", term: 6 });
  assert.deepEqual(third.calls.events, [{ node: "n2", seq: 8 }]);
  assert.deepEqual(third.calls.hellos.map((h) => [h.node, h.services]).sort(), [
    ["n1", null],
    ["n2", null],
  ]);
  await waitFor("r1 no longer counts the edge's nodes", () => second.edges.nodes().length === 0);
  assert.equal(second.edges.holderOf("n1"), null);
});

test("the leader's actions, service lists, chaos faults and indirect probes reach the edge holding the node, and their outcomes come back", async (t) => {
  const never = gate();
  t.after(() => never.open());
  const leader = await startLeader({ name: "r1", term: 9 });
  t.after(() => leader.close());
  const edge = startEdge(t, { leader: refOf(leader) });
  await edge.client.request(hello("n1"));

  // An action carries the leader's term; the agent's outcome is the action's value.
  edge.actionOutcome = async (actionId) => ({ ok: true, data: { pid: 42, actionId } });
  const outcome = await leader.edges.sendAction("n1", "api", "exec", "disk almost full", { command: "rotate", actionId: "act-1" });
  assert.deepEqual(outcome, { ok: true, data: { pid: 42, actionId: "act-1" } });
  assert.deepEqual(edge.calls.actions, [{ node: "n1", service: "api", action: "exec", reason: "disk almost full", options: { command: "rotate", actionId: "act-1", term: 9 } }]);
  edge.actionOutcome = async () => ({ ok: false, error: "service api is fenced here" });
  assert.deepEqual(await leader.edges.sendAction("n1", "api", "restart", "unhealthy"), { ok: false, error: "service api is fenced here" });
  assert.equal(edge.calls.actions[1]!.options.term, 9);
  assert.equal(typeof edge.calls.actions[1]!.options.actionId, "string");

  // Service lists and chaos faults.
  const services: AgentService[] = [{ name: "api", fenced: true }];
  assert.equal(leader.edges.updateServices("n1", services), true);
  const chaos: ChaosStopMessage = { type: "chaos.stop", v: PROTOCOL_VERSION, id: "inj-1" };
  assert.equal(leader.edges.sendChaos("n1", chaos), true);
  await waitFor("the services and the fault reached the edge", () => edge.calls.services.length === 1 && edge.calls.chaos.length === 1);
  assert.deepEqual(edge.calls.services, [{ node: "n1", services }]);
  assert.deepEqual(edge.calls.chaos, [{ node: "n1", message: chaos }]);

  // An indirect probe through n1's agent: its result comes back.
  const result: IndirectProbeResult = { type: "indirect-probe.result", v: PROTOCOL_VERSION, requestId: "agent-side", target: "n2", ok: true, elapsedMs: 3 };
  edge.probeResult = (key) => (key === "n1->n2" ? result : null);
  assert.deepEqual(await leader.edges.indirectProbe("n1", "n2", "127.0.0.1:7999", 1500), result);
  assert.deepEqual(edge.calls.probes, [{ via: "n1", target: "n2", address: "127.0.0.1:7999", timeoutMs: 1500 }]);

  // A node no edge holds.
  assert.deepEqual(await leader.edges.sendAction("n9", "api", "restart", "r"), { ok: false, error: "node n9 is not connected" });
  assert.equal(leader.edges.updateServices("n9", services), false);
  assert.equal(leader.edges.sendChaos("n9", chaos), false);
  assert.equal(await leader.edges.indirectProbe("n9", "n1", "127.0.0.1:7999", 1500), null);

  // The link closes while an action runs: it fails naming the replica.
  edge.actionOutcome = () => never.promise.then(() => ({ ok: true }));
  const running = settle(leader.edges.sendAction("n1", "api", "restart", "unhealthy"));
  await waitFor("the action reached the edge", () => edge.calls.actions.length === 3);
  edge.client.close();
  await waitFor("the pending action settled", () => running.done());
  assert.deepEqual(running.value(), { ok: false, error: "the link to replica e1 closed" });
  assert.equal(leader.edges.holderOf("n1"), null);
  assert.deepEqual(leader.calls.linksClosed, ["e1"], "the control plane hears the link closed (a freeze it reported ends with it)");
  assert.deepEqual(await leader.edges.sendAction("n1", "api", "restart", "r"), { ok: false, error: "node n1 is not connected" });
});

test("a leader that no longer leads refuses new links, fails requests and sends no action", async (t) => {
  const leader = await startLeader({ name: "r1", term: 4 });
  t.after(() => leader.close());
  const edge = startEdge(t, { leader: refOf(leader) });
  await edge.client.request(hello("n1"));
  assert.equal(leader.calls.hellos.length, 1);

  leader.lead = null;
  await assert.rejects(edge.client.request(event("n1", 1)), /the leader could not process node\.event: this replica no longer holds the leader lease/);
  await assert.rejects(edge.client.request(hello("n2")), /this replica no longer holds the leader lease/);
  assert.deepEqual(leader.calls.events, []);
  assert.equal(leader.calls.hellos.length, 1);
  assert.deepEqual(await leader.edges.sendAction("n1", "api", "restart", "r"), { ok: false, error: "this replica no longer holds the leader lease: action not sent" });
  assert.deepEqual(edge.calls.actions, []);

  // A new link: the key is right, the hello is answered with a close, not a welcome.
  assert.deepEqual(await rawLink(leader.url, CLUSTER_KEY), { closeCode: 1012, messages: [] });
  const late = startEdge(t, { replica: "e2", leader: { name: "r1", url: leader.url, term: 4 } });
  const failed = await rawLink(leader.url, CLUSTER_KEY);
  assert.deepEqual(failed, { closeCode: 1012, messages: [] });
  assert.equal(late.client.linked(), null);
  assert.equal(leader.edges.linkedReplicas().includes("e2"), false);

  // Leading again (as a new term): links are welcomed again.
  leader.lead = { name: "r1", term: 5 };
  late.leader = refOf(leader);
  await waitFor("e2 linked", () => late.client.linked() !== null);
  assert.deepEqual(late.client.linked(), { name: "r1", term: 5 });
});

test("an action for a node between replicas waits for its agent to arrive at one, then goes there; a node that never comes fails after the wait", async (t) => {
  const leader = await startLeader({ name: "r1", term: 3 });
  t.after(() => leader.close());
  // The leader's own hub (no agent connected to it here) beside its edge links.
  const files = hubFiles("cluster-agents-");
  t.after(() => files.remove());
  const own = await startHub(files.paths());
  t.after(() => own.stop());
  const agents = clusterAgents("r1", own.hub, leader.edges, systemClock);
  const edge = startEdge(t, { leader: refOf(leader) });
  await waitFor("linked", () => edge.client.linked() !== null);

  // n1 is re-homing: the action is sent while it is nowhere, and its agent arrives at the edge 300 ms later.
  const sent = Date.now();
  const pending = agents.sendAction("n1", "api", "restart", "unhealthy");
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(agents.isConnected("n1"), false);
  await edge.client.request(hello("n1"));
  assert.deepEqual(await pending, { ok: true, data: { actionId: edge.calls.actions[0]!.options.actionId } });
  assert.equal(agents.holderOf!("n1"), "e1");
  assert.ok(Date.now() - sent >= 300);

  // A node that never arrives: "not connected" once the wait is over.
  const started = Date.now();
  assert.deepEqual(await agents.sendAction("n9", "api", "restart", "unhealthy"), { ok: false, error: "node n9 is not connected" });
  assert.ok(Date.now() - started >= REHOMING_WAIT_MS - 200, `failed after ${Date.now() - started} ms`);
});
