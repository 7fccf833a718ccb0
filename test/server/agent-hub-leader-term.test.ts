// On a replica, the hub puts the leader term on every action (agents fence lower terms),
// and once the replica may no longer act as leader it sends no action and processes no
// agent message: the agent is sent on, to re-send it to the leader. Real websocket client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PROTOCOL_VERSION, type ActionMessage } from "../../src/protocol/messages.js";
import { CLOSE_NOT_LEADER } from "../../src/server/agent-hub.js";
import { waitFor } from "../e2e/harness.js";
import { connectAgent, hubFiles, startHub } from "./hub-fixture.js";

test("actions carry the leader term; once the lease is lost no action is sent and no message processed", async (t) => {
  const files = hubFiles("vigil-hub-term-");
  let term: number | null = 7;
  const server = await startHub(files.paths(), { leaderTerm: () => term });
  t.after(async () => {
    await server.stop();
    files.remove();
  });
  const agent = await connectAgent(server.url);

  const outcome = server.hub.sendAction("node-a", "db", "restart", "test");
  const action = (await waitFor(() => agent.received.find((m) => m.type === "action"), 5000, "the action")) as ActionMessage;
  assert.equal(action.term, 7);
  agent.send({ type: "action.result", v: PROTOCOL_VERSION, seq: 1, actionId: action.actionId, service: "db", action: "restart", ok: true, ts: server.clock.now(), data: {} });
  assert.equal((await outcome).ok, true);

  term = null;
  const refused = await server.hub.sendAction("node-a", "db", "restart", "test");
  assert.deepEqual(refused, { ok: false, error: "this replica no longer holds the leader lease: action not sent" });
  await agent.roundTrip();
  assert.equal(agent.received.filter((m) => m.type === "action").length, 1, "no second action reached the agent");

  // An agent message to a deposed leader: not processed, and the agent is sent on.
  const closed = new Promise<number>((resolve) => agent.socket.once("close", (code) => resolve(code)));
  agent.send({ type: "event", v: PROTOCOL_VERSION, seq: 2, kind: "process.exited", service: "db", ts: server.clock.now(), data: {} });
  assert.equal(await closed, CLOSE_NOT_LEADER);
  assert.deepEqual(server.calls.events, [], "the event was left for the next leader");
});
