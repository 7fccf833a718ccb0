// The hub's acknowledgements against real parts (hub-fixture.ts): a websocket agent client,
// the persistent series store and the node registry on SQLite files. The store checkpoints
// only when a test calls flush(): an ack that arrives before then would be an ack of
// something not durable.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { openSqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { T0, connectAgent, eventMessage, hubFiles, sample, samplesMessage, startHub, until } from "./hub-fixture.js";

const files = hubFiles("vigil-hub-acks-test-");
after(() => files.remove());
const freshPaths = () => files.paths();

test("a message is acknowledged only once a checkpoint made its samples durable; acks are cumulative", async () => {
  const server = await startHub(freshPaths());
  try {
    const agent = await connectAgent(server.url);
    assert.equal(agent.welcomedWith, 0);
    agent.send(samplesMessage(1, sample(T0 - 3000, 1)));
    agent.send(eventMessage(2));
    agent.send(samplesMessage(3, sample(T0 - 2000, 2)));
    await until("three messages processed", () => server.nodes.get("node-a")?.processedSeq === 3);
    // Everything is processed (the event too) but nothing is durable: no checkpoint has run.
    assert.deepEqual(server.calls.events, [2]);
    assert.deepEqual(agent.acks, []);
    assert.equal(server.nodes.get("node-a")!.ackedSeq, 0);

    await server.store.flush();
    await until("the ack", () => agent.acks.length > 0);
    assert.deepEqual(agent.acks, [3], "one cumulative ack for all three");
    await until("the ack recorded", () => server.nodes.get("node-a")!.ackedSeq === 3);

    // With nothing appended since the last checkpoint, a message without samples is durable at once.
    agent.send(eventMessage(4));
    await until("the ack of 4", () => agent.acks.includes(4));

    // A message without samples after samples that are not durable waits for them.
    agent.send(samplesMessage(5, sample(T0 - 1000, 3)));
    agent.send(eventMessage(6));
    await until("6 processed", () => server.nodes.get("node-a")?.processedSeq === 6);
    assert.deepEqual(agent.acks, [3, 4]);
    await server.store.flush();
    await until("the ack of 6", () => agent.acks.includes(6));
    assert.deepEqual(agent.acks, [3, 4, 6]);
    assert.equal(server.store.stats().rejected, 0);
    await agent.close();
  } finally {
    await server.stop();
  }
});

test("after a restart, re-sent messages that were processed are not acted on again; only their samples are re-appended", async () => {
  const paths = freshPaths();
  const first = await startHub(paths);
  const agent = await connectAgent(first.url);
  agent.send(samplesMessage(1, sample(T0 - 5000, 1)));
  await until("1 processed", () => first.nodes.get("node-a")?.processedSeq === 1);
  await first.store.flush();
  await until("the ack of 1", () => agent.acks.includes(1));
  agent.send(samplesMessage(2, sample(T0 - 4000, 2)));
  agent.send(eventMessage(3));
  await until("3 processed", () => first.nodes.get("node-a")?.processedSeq === 3);
  // The server goes away before a checkpoint acknowledged 2 and 3 (its connection first, so
  // the checkpoint that closing the store runs has no one to acknowledge to).
  await agent.close();
  await first.stop();

  const second = await startHub(paths);
  try {
    const again = await connectAgent(second.url);
    assert.equal(again.welcomedWith, 1, "the welcome names the last acknowledged seq: the agent re-sends 2 and 3");
    again.send(samplesMessage(2, sample(T0 - 4000, 2)));
    again.send(eventMessage(3));
    again.send(samplesMessage(4, sample(T0 - 3000, 4)));
    again.send(eventMessage(5));
    await until("5 processed", () => second.nodes.get("node-a")?.processedSeq === 5);
    assert.deepEqual(second.calls.events, [5], "the event of seq 3 is not journalled a second time");
    assert.deepEqual(
      second.calls.samples.map((s) => [s.seq, s.replay]),
      [
        [2, true],
        [4, false],
      ],
      "the samples of seq 2 are appended again, as a replay",
    );
    // This store kept seq 2's sample (the first closed gracefully): the replay's duplicate is
    // counted apart, not as bad input.
    assert.deepEqual(second.store.stats().rejected, 0);
    assert.deepEqual(second.store.stats().replayRejected, 1);
    assert.deepEqual(again.acks, []);
    await second.store.flush();
    await until("the ack of 5", () => again.acks.includes(5));
    await again.close();
  } finally {
    await second.stop();
  }
});

test("a graceful stop checkpoints and acknowledges what became durable before closing the connection", async () => {
  const paths = freshPaths();
  const server = await startHub(paths);
  const agent = await connectAgent(server.url);
  agent.send(samplesMessage(1, sample(T0 - 2000, 1)));
  agent.send(eventMessage(2));
  await until("2 processed", () => server.nodes.get("node-a")?.processedSeq === 2);
  assert.deepEqual(agent.acks, []);
  await server.stop({ flush: true });
  await agent.closed;
  assert.deepEqual(agent.acks, [2]);
  const storage = openSqliteStorage(paths.storage);
  try {
    const [node] = await storage.listNodes();
    assert.equal(node!.ackedSeq, 2, "the ack is recorded before the storage closes");
  } finally {
    await storage.close();
  }
});
