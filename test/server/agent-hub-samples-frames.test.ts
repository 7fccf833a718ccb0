// Samples messages in both wire forms over a real websocket into the hub, the persistent
// store and the node registry (hub-fixture.ts): binary samples frames are ingested, numbered
// in the same outbox sequence as JSON messages, acknowledged only once durable, replayed
// after a restart like JSON ones; a malformed frame is refused whole with the reason; an
// agent's samples labelled with another node are left out; JSON samples (older agents) still count.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { WebSocket } from "ws";
import { encodeSamplesFrame, SAMPLES_FRAME_LAYOUT } from "../../src/protocol/samples-frame.js";
import type { Sample } from "../../src/protocol/messages.js";
import { T0, connectAgent, eventMessage, hubFiles, sample, samplesMessage, startHub, until, type ServerSide } from "./hub-fixture.js";

const files = hubFiles("vigil-hub-frames-test-");
after(() => files.remove());

const pointsOf = (server: ServerSide, labels: Record<string, string>) =>
  server.store.range("node_load1", labels, -Infinity, Infinity).flatMap((s) => s.points.map((p) => [p.ts, p.value]));

test("the welcome offers binary samples frames; a frame is ingested and acknowledged only once a checkpoint made it durable", async () => {
  const server = await startHub(files.paths());
  try {
    const agent = await connectAgent(server.url);
    assert.deepEqual(agent.welcome.samplesFrames, [SAMPLES_FRAME_LAYOUT]);
    agent.sendFrame(encodeSamplesFrame(1, [sample(T0 - 3000, 1), sample(T0 - 2000, 2)]));
    agent.send(eventMessage(2));
    agent.send(samplesMessage(3, sample(T0 - 1000, 3)));
    await until("three messages processed", () => server.nodes.get("node-a")?.processedSeq === 3);
    assert.deepEqual(
      server.calls.samples.map((c) => [c.seq, c.accepted, c.rejected]),
      [
        [1, 2, 0],
        [3, 1, 0],
      ],
      "the binary frame and the JSON message, in outbox order",
    );
    assert.deepEqual(pointsOf(server, { node: "node-a" }), [
      [T0 - 3000, 1],
      [T0 - 2000, 2],
      [T0 - 1000, 3],
    ]);
    assert.deepEqual(agent.acks, [], "nothing is durable before a checkpoint");
    await server.store.flush();
    await until("the ack", () => agent.acks.length > 0);
    assert.deepEqual(agent.acks, [3]);
    assert.deepEqual(agent.errors, []);
    await agent.close();
  } finally {
    await server.stop();
  }
});

test("after a restart, a re-sent binary frame processed before is only re-appended (replay); an acknowledged one is answered with the ack", async () => {
  const paths = files.paths();
  const first = await startHub(paths);
  const agent = await connectAgent(first.url);
  agent.sendFrame(encodeSamplesFrame(1, [sample(T0 - 5000, 1)]));
  await until("1 processed", () => first.nodes.get("node-a")?.processedSeq === 1);
  await first.store.flush();
  await until("the ack of 1", () => agent.acks.includes(1));
  agent.sendFrame(encodeSamplesFrame(2, [sample(T0 - 4000, 2)]));
  await until("2 processed", () => first.nodes.get("node-a")?.processedSeq === 2);
  await agent.close();
  await first.stop();

  const second = await startHub(paths);
  try {
    // A new connection: the hub has no series table cached for it, and needs none.
    const again = await connectAgent(second.url);
    assert.equal(again.welcomedWith, 1);
    again.sendFrame(encodeSamplesFrame(1, [sample(T0 - 5000, 1)]));
    again.sendFrame(encodeSamplesFrame(2, [sample(T0 - 4000, 2)]));
    again.sendFrame(encodeSamplesFrame(3, [sample(T0 - 3000, 3)]));
    await until("3 processed", () => second.nodes.get("node-a")?.processedSeq === 3);
    assert.deepEqual(
      second.calls.samples.map((c) => [c.seq, c.replay]),
      [
        [2, true],
        [3, false],
      ],
      "seq 1 was acknowledged: not appended again; seq 2 is a replay",
    );
    assert.equal(second.store.stats().replayRejected, 1, "the store kept seq 2's sample: its duplicate is expected, counted apart");
    assert.equal(second.store.stats().rejected, 0);
    assert.ok(again.acks.includes(1), "the acknowledged seq is acknowledged again");
    await second.store.flush();
    await until("the ack of 3", () => again.acks.includes(3));
    assert.deepEqual(pointsOf(second, { node: "node-a" }).map(([ts]) => ts), [T0 - 5000, T0 - 4000, T0 - 3000]);
    await again.close();
  } finally {
    await second.stop();
  }
});

test("a malformed frame is refused whole with the reason and not processed; the connection goes on", async () => {
  const server = await startHub(files.paths());
  try {
    const agent = await connectAgent(server.url);
    const good = encodeSamplesFrame(1, [sample(T0 - 2000, 1), sample(T0 - 1000, 2)]);
    const nan = Buffer.from(good);
    nan.writeDoubleLE(Number.NaN, nan.length - 8);
    agent.sendFrame(nan);
    agent.sendFrame(good.subarray(0, good.length - 3));
    agent.sendFrame(Buffer.from("not a frame"));
    await until("three errors", () => agent.errors.length === 3);
    assert.match(agent.errors[0]!, /^invalid samples frame: samples\[1\]\.value at byte \d+: expected a finite number, got NaN$/);
    assert.match(agent.errors[1]!, /^invalid samples frame: values at byte \d+: the frame ends/);
    assert.match(agent.errors[2]!, /^invalid samples frame: magic at byte 0/);
    assert.deepEqual(server.calls.samples, [], "no sample of a refused frame is stored, not even the valid one");
    agent.sendFrame(good);
    await until("1 processed", () => server.nodes.get("node-a")?.processedSeq === 1);
    assert.deepEqual(pointsOf(server, { node: "node-a" }), [
      [T0 - 2000, 1],
      [T0 - 1000, 2],
    ]);
    await agent.close();
  } finally {
    await server.stop();
  }
});

test("a binary frame before hello is refused", async () => {
  const server = await startHub(files.paths());
  try {
    const socket = new WebSocket(server.url);
    await new Promise((resolve) => socket.once("open", resolve));
    const error = new Promise<string>((resolve) => socket.once("message", (data) => resolve(JSON.parse(data.toString()).error)));
    socket.send(encodeSamplesFrame(1, [sample(T0, 1)]), { binary: true });
    assert.equal(await error, "expected hello before a binary samples frame");
    socket.close();
  } finally {
    await server.stop();
  }
});

test("an agent speaks only for its own node: samples of a frame labelled with another node are left out, the rest stored", async () => {
  const server = await startHub(files.paths());
  try {
    const agent = await connectAgent(server.url);
    const of = (node: string | undefined, ts: number, value: number): Sample => ({ name: "node_load1", labels: node === undefined ? {} : { node }, ts, value });
    agent.sendFrame(encodeSamplesFrame(1, [of("node-a", T0 - 2000, 1), of("node-b", T0 - 2000, 9), of(undefined, T0 - 2000, 3), of("node-a", T0 - 1000, 2)]));
    await until("1 processed", () => server.nodes.get("node-a")?.processedSeq === 1);
    assert.deepEqual(server.calls.samples.map((c) => c.accepted), [3]);
    assert.deepEqual(pointsOf(server, { node: "node-a" }), [
      [T0 - 2000, 1],
      [T0 - 1000, 2],
    ]);
    assert.deepEqual(server.store.find("node_load1", { node: "node-b" }), []);
    await agent.close();
  } finally {
    await server.stop();
  }
});

test("the same series table in every frame of a connection: each frame's samples land in their own series", async () => {
  const server = await startHub(files.paths());
  try {
    const agent = await connectAgent(server.url);
    const collection = (ts: number, base: number): Sample[] => ["0", "1", "2"].map((cpu, i) => ({ name: "node_load1", labels: { node: "node-a", cpu }, ts, value: base + i }));
    for (let seq = 1; seq <= 5; seq++) agent.sendFrame(encodeSamplesFrame(seq, collection(T0 - 10_000 + seq * 1000, seq * 10)));
    // A frame with another table in between, then the first table again.
    agent.sendFrame(encodeSamplesFrame(6, [sample(T0 - 1000, 7)]));
    agent.sendFrame(encodeSamplesFrame(7, collection(T0 - 500, 70)));
    await until("7 processed", () => server.nodes.get("node-a")?.processedSeq === 7);
    for (const cpu of ["0", "1", "2"]) {
      const values = pointsOf(server, { node: "node-a", cpu }).map(([, v]) => v);
      assert.deepEqual(values, [10, 20, 30, 40, 50, 70].map((v) => v + Number(cpu)), `cpu ${cpu}`);
    }
    assert.equal(server.store.find("node_load1", { node: "node-a" }).length, 4, "three cpu series and the other frame's one");
    await agent.close();
  } finally {
    await server.stop();
  }
});
