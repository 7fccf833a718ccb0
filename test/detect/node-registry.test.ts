// The node registry on a real SQLite file: hello registers a node and restarts de-duplication
// on a new outbox, heartbeats, disconnects and timeouts give verdicts that are stored, and
// after a restart (reopening the file) a node that was alive gets one timeout to reconnect.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeRegistry } from "../../src/detect/node-registry.js";
import { openSqliteStorage, type SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { ManualClock } from "../../src/util/clock.js";

const TIMEOUT_MS = 3_000;

let tempDir: string;
let fileCount = 0;
before(() => {
  tempDir = mkdtempSync(join(tmpdir(), "vigil-node-registry-test-"));
});
after(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

function freshPath(): string {
  fileCount += 1;
  return join(tempDir, `db-${fileCount}.sqlite`);
}

/** A registry over the file at `path`, loaded as the server does at start. */
async function openRegistry(path: string, clock: ManualClock): Promise<{ storage: SqliteStorage; nodes: NodeRegistry }> {
  const storage = openSqliteStorage(path);
  const nodes = new NodeRegistry(storage, clock, TIMEOUT_MS);
  await nodes.load();
  return { storage, nodes };
}

async function storedNode(storage: SqliteStorage, name: string) {
  return (await storage.listNodes()).find((n) => n.name === name);
}

test("hello registers a node, stored with its outbox and agent version", async () => {
  const clock = new ManualClock(1_000_000);
  const { storage, nodes } = await openRegistry(freshPath(), clock);
  try {
    const record = await nodes.hello("node-a", "outbox-1", "0.1.0");
    assert.equal(record.name, "node-a");
    assert.equal(record.state, "unknown");
    assert.equal(record.outboxId, "outbox-1");
    assert.equal(record.ackedSeq, 0);
    assert.deepEqual(await storedNode(storage, "node-a"), record);
    assert.deepEqual(nodes.all().map((n) => n.name), ["node-a"]);
  } finally {
    await storage.close();
  }
});

test("acked only moves forward; a hello with the same outbox keeps it, a new outbox resets it", async () => {
  const clock = new ManualClock(1_000_000);
  const { storage, nodes } = await openRegistry(freshPath(), clock);
  try {
    await nodes.hello("node-a", "outbox-1", "0.1.0");
    await nodes.acked("node-a", 7);
    await nodes.acked("node-a", 5); // a late ack of an older message
    assert.equal(nodes.get("node-a")!.ackedSeq, 7);
    assert.equal((await storedNode(storage, "node-a"))!.ackedSeq, 7);

    // Reconnect of the same agent: de-duplication continues.
    await nodes.hello("node-a", "outbox-1", "0.1.1");
    assert.equal(nodes.get("node-a")!.ackedSeq, 7);
    assert.equal(nodes.get("node-a")!.agentVersion, "0.1.1");

    // A new data dir on the agent numbers its messages from 1 again.
    await nodes.hello("node-a", "outbox-2", "0.1.1");
    assert.equal(nodes.get("node-a")!.ackedSeq, 0);
    assert.equal((await storedNode(storage, "node-a"))!.ackedSeq, 0);
    assert.equal((await storedNode(storage, "node-a"))!.outboxId, "outbox-2");

    await nodes.acked("unknown-node", 3); // ignored, no record created
    assert.equal(nodes.get("unknown-node"), undefined);
  } finally {
    await storage.close();
  }
});

test("heartbeats make a node alive; a timeout and a closed connection make it down, all stored", async () => {
  const clock = new ManualClock(1_000_000);
  const { storage, nodes } = await openRegistry(freshPath(), clock);
  try {
    assert.equal(await nodes.heartbeat("node-a"), null, "a heartbeat before hello is ignored");
    await nodes.hello("node-a", "outbox-1", "0.1.0");
    const up = await nodes.heartbeat("node-a");
    assert.equal(up?.state, "alive");
    assert.equal(up?.since, 1_000_000);
    assert.equal((await storedNode(storage, "node-a"))!.state, "alive");

    clock.advance(1_000);
    assert.equal(await nodes.heartbeat("node-a"), null);
    assert.equal(nodes.get("node-a")!.lastHeartbeat, 1_001_000);

    clock.advance(TIMEOUT_MS - 1);
    assert.deepEqual(await nodes.check(), []);
    clock.advance(1);
    const down = await nodes.check();
    assert.deepEqual(down.map((v) => [v.node, v.state, v.since]), [["node-a", "down", 1_001_000]]);
    const stored = await storedNode(storage, "node-a");
    assert.equal(stored!.state, "down");
    assert.equal(stored!.since, 1_001_000);

    clock.advance(5_000);
    const back = await nodes.heartbeat("node-a");
    assert.equal(back?.state, "alive");
    assert.equal(back?.reason, "heartbeats resumed");
    assert.equal(nodes.get("node-a")!.since, clock.now());

    clock.advance(100);
    const closed = await nodes.disconnected("node-a");
    assert.equal(closed?.state, "down");
    assert.equal(closed?.since, clock.now());
    assert.equal((await storedNode(storage, "node-a"))!.state, "down");
    assert.equal(await nodes.disconnected("node-a"), null);
  } finally {
    await storage.close();
  }
});

test("after a restart, a node that was alive gets one timeout to reconnect", async () => {
  const path = freshPath();
  const clock = new ManualClock(1_000_000);
  const first = await openRegistry(path, clock);
  await first.nodes.hello("node-a", "outbox-1", "0.1.0");
  await first.nodes.heartbeat("node-a");
  await first.nodes.acked("node-a", 42);
  await first.nodes.hello("node-b", "outbox-b", "0.1.0");
  await first.nodes.heartbeat("node-b");
  await first.storage.close();

  // The server is down for a minute; both nodes were alive when it stopped.
  clock.advance(60_000);
  const restartedAt = clock.now();
  const second = await openRegistry(path, clock);
  try {
    const a = second.nodes.get("node-a")!;
    assert.equal(a.state, "alive");
    assert.equal(a.outboxId, "outbox-1");
    assert.equal(a.ackedSeq, 42, "de-duplication continues across the restart");

    // node-a reconnects within the timeout: no verdict, it simply stays alive.
    clock.advance(TIMEOUT_MS - 500);
    const hello = await second.nodes.hello("node-a", "outbox-1", "0.1.0");
    assert.equal(hello.ackedSeq, 42);
    assert.equal(await second.nodes.heartbeat("node-a"), null);

    // node-b never comes back: down once its grace timeout has passed, not before.
    clock.set(restartedAt + TIMEOUT_MS - 1);
    assert.deepEqual(await second.nodes.check(), []);
    clock.set(restartedAt + TIMEOUT_MS);
    const verdicts = await second.nodes.check();
    assert.deepEqual(verdicts.map((v) => [v.node, v.state, v.since]), [["node-b", "down", restartedAt]]);
    assert.equal(second.nodes.get("node-a")!.state, "alive");
    assert.equal((await storedNode(second.storage, "node-b"))!.state, "down");
  } finally {
    await second.storage.close();
  }
});

test("after a restart, a node that was down stays down until its first heartbeat", async () => {
  const path = freshPath();
  const clock = new ManualClock(1_000_000);
  const first = await openRegistry(path, clock);
  await first.nodes.hello("node-a", "outbox-1", "0.1.0");
  await first.nodes.heartbeat("node-a");
  await first.nodes.disconnected("node-a");
  await first.storage.close();

  clock.advance(60_000);
  const second = await openRegistry(path, clock);
  try {
    assert.equal(second.nodes.get("node-a")!.state, "down");
    clock.advance(10 * TIMEOUT_MS);
    assert.deepEqual(await second.nodes.check(), [], "a down node is not reported down again");
    await second.nodes.hello("node-a", "outbox-1", "0.1.0");
    const up = await second.nodes.heartbeat("node-a");
    assert.equal(up?.state, "alive");
    assert.equal((await storedNode(second.storage, "node-a"))!.state, "alive");
  } finally {
    await second.storage.close();
  }
});
