// The node registry on a real SQLite file: hello registers a node and restarts de-duplication
// on a new outbox; the failure detector's verdicts (heartbeats, closed connections, probe
// results, silence) are stored; after a restart a node that was alive gets a fresh start.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeRegistry, type NodeRegistryOptions } from "../../src/detect/node-registry.js";
import { openSqliteStorage, type SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { ManualClock } from "../../src/util/clock.js";

/** Heartbeats every 500 ms; the detector's defaults for that interval. */
const INTERVAL = 500;

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
async function openRegistry(path: string, clock: ManualClock, shard: NodeRegistryOptions = {}): Promise<{ storage: SqliteStorage; nodes: NodeRegistry }> {
  const storage = openSqliteStorage(path);
  const nodes = new NodeRegistry(storage, clock, { heartbeatIntervalMs: INTERVAL }, shard);
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

test("processed and acked are kept apart, both only move forward, survive a restart and reset on a new outbox", async () => {
  const path = freshPath();
  const clock = new ManualClock(1_000_000);
  const first = await openRegistry(path, clock);
  await first.nodes.hello("node-a", "outbox-1", "0.1.0");
  for (const seq of [1, 2, 3, 4, 5]) await first.nodes.processed("node-a", seq);
  await first.nodes.processed("node-a", 2); // never backwards
  await first.nodes.acked("node-a", 3); // seqs 4 and 5 are processed, not yet durable
  assert.deepEqual(pick(first.nodes.get("node-a")!), { processedSeq: 5, ackedSeq: 3 });
  await first.storage.close();

  // A crash before 4 and 5 were durable: the restarted server welcomes the agent with 3 and
  // knows that 4 and 5 were processed already.
  const second = await openRegistry(path, clock);
  try {
    assert.deepEqual(pick(second.nodes.get("node-a")!), { processedSeq: 5, ackedSeq: 3 });
    const record = await second.nodes.hello("node-a", "outbox-1", "0.1.0");
    assert.deepEqual(pick(record), { processedSeq: 5, ackedSeq: 3 });
    // An ack never leaves processed behind (records written before processed was kept).
    await second.nodes.acked("node-a", 7);
    assert.deepEqual(pick(second.nodes.get("node-a")!), { processedSeq: 7, ackedSeq: 7 });
    await second.nodes.hello("node-a", "outbox-2", "0.1.0");
    assert.deepEqual(pick((await storedNode(second.storage, "node-a"))!), { processedSeq: 0, ackedSeq: 0 });
  } finally {
    await second.storage.close();
  }
});

test("replicas sharing the database: a hello goes on from the positions another replica stored, never from older ones", async () => {
  const path = freshPath();
  const clock = new ManualClock(1_000_000);
  // Replicas of a cluster (each owning every node here): the records are shared.
  const replica = { owns: () => true };
  const a = await openRegistry(path, clock, replica);
  const fresh = await openRegistry(path, clock, replica); // started before node-a was ever seen
  try {
    await a.nodes.hello("node-a", "outbox-1", "0.1.0");
    for (const seq of [1, 2, 3]) await a.nodes.processed("node-a", seq);
    await a.nodes.acked("node-a", 3);
    const b = await openRegistry(path, clock, replica); // loads node-a at 3/3
    try {
      // node-a stays with replica a a while longer, then moves to replica b.
      for (const seq of [4, 5, 6, 7, 8]) await a.nodes.processed("node-a", seq);
      await a.nodes.acked("node-a", 6);
      assert.deepEqual(pick(b.nodes.get("node-a")!), { processedSeq: 3, ackedSeq: 3 }, "b's own view is old");
      const atB = await b.nodes.hello("node-a", "outbox-1", "0.1.0");
      assert.deepEqual(pick(atB), { processedSeq: 8, ackedSeq: 6 }, "b goes on from what a stored: 4..8 are not processed twice");
      assert.deepEqual(pick((await storedNode(b.storage, "node-a"))!), { processedSeq: 8, ackedSeq: 6 }, "b's hello wrote nothing older back");
      // A replica that had never seen the node takes the stored record as it is.
      const atFresh = await fresh.nodes.hello("node-a", "outbox-1", "0.1.0");
      assert.deepEqual(pick(atFresh), { processedSeq: 8, ackedSeq: 6 });
      // A new outbox (a new agent data directory) starts again wherever it arrives.
      assert.deepEqual(pick(await b.nodes.hello("node-a", "outbox-2", "0.1.0")), { processedSeq: 0, ackedSeq: 0 });
    } finally {
      await b.storage.close();
    }
  } finally {
    await a.storage.close();
    await fresh.storage.close();
  }
});

function pick(n: { processedSeq: number; ackedSeq: number }): { processedSeq: number; ackedSeq: number } {
  return { processedSeq: n.processedSeq, ackedSeq: n.ackedSeq };
}

/** Heartbeats from `name` every 500 ms for `count` beats, ticking the detector as the server does. */
async function beat(nodes: NodeRegistry, clock: ManualClock, name: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    clock.advance(INTERVAL);
    await nodes.heartbeat(name);
    await nodes.tick();
  }
}

test("heartbeats make a node alive; a closed connection with a failed direct probe makes it down, stored", async () => {
  const clock = new ManualClock(1_000_000);
  const { storage, nodes } = await openRegistry(freshPath(), clock);
  try {
    await nodes.hello("node-a", "o", "0.1.0");
    const first = await nodes.heartbeat("node-a");
    assert.deepEqual(first.verdicts.map((v) => v.state), ["alive"]);
    await beat(nodes, clock, "node-a", 20);
    assert.equal((await storedNode(storage, "node-a"))!.state, "alive");
    assert.ok(nodes.status("node-a")!.phi < 1, "a node heard from on time has a low φ");

    const closed = await nodes.disconnected("node-a");
    assert.deepEqual(closed.verdicts.map((v) => v.state), ["suspect"]);
    assert.ok(closed.requests.some((r) => r.kind === "direct-probe" && r.node === "node-a"), "the suspect is probed directly");
    const probed = await nodes.directProbeResult("node-a", false);
    assert.deepEqual(probed.verdicts.map((v) => v.state), ["dead"]);
    const stored = (await storedNode(storage, "node-a"))!;
    assert.equal(stored.state, "down");
    assert.equal(stored.since, clock.now());
  } finally {
    await storage.close();
  }
});

test("a closed connection whose direct probe succeeds is a reconnect, not a death", async () => {
  const clock = new ManualClock(1_000_000);
  const { storage, nodes } = await openRegistry(freshPath(), clock);
  try {
    await nodes.hello("node-a", "o", "0.1.0");
    await nodes.heartbeat("node-a");
    await beat(nodes, clock, "node-a", 10);
    await nodes.disconnected("node-a");
    const probed = await nodes.directProbeResult("node-a", true);
    assert.deepEqual(probed.verdicts.map((v) => v.state), ["alive"]);
    assert.equal((await storedNode(storage, "node-a"))!.state, "alive");
  } finally {
    await storage.close();
  }
});

test("a silent node becomes suspect, and dead within 2 s once its probes fail", async () => {
  const clock = new ManualClock(1_000_000);
  const { storage, nodes } = await openRegistry(freshPath(), clock);
  try {
    await nodes.hello("node-a", "o", "0.1.0");
    await nodes.heartbeat("node-a");
    await beat(nodes, clock, "node-a", 40);
    const silentSince = clock.now();
    let deadAt: number | null = null;
    for (let t = 0; t < 5_000 && deadAt === null; t += 100) {
      clock.advance(100);
      const out = await nodes.tick();
      for (const r of out.requests) if (r.kind === "direct-probe") await nodes.directProbeResult(r.node, false);
      if ((await storedNode(storage, "node-a"))!.state === "down") deadAt = clock.now();
    }
    assert.ok(deadAt !== null, "declared dead");
    assert.ok(deadAt! - silentSince <= 2_000, `dead ${deadAt! - silentSince} ms after its last heartbeat`);
  } finally {
    await storage.close();
  }
});

test("after a restart, a node that was alive is given a fresh start and stays alive when it reconnects", async () => {
  const path = freshPath();
  const clock = new ManualClock(1_000_000);
  const first = await openRegistry(path, clock);
  await first.nodes.hello("node-a", "o", "0.1.0");
  await first.nodes.heartbeat("node-a");
  await beat(first.nodes, clock, "node-a", 5);
  await first.nodes.acked("node-a", 42);
  await first.storage.close();

  clock.advance(10_000); // the server was down for 10 s
  const second = await openRegistry(path, clock);
  try {
    assert.equal(second.nodes.get("node-a")!.state, "alive");
    assert.equal(second.nodes.get("node-a")!.ackedSeq, 42);
    await beat(second.nodes, clock, "node-a", 3);
    assert.equal((await storedNode(second.storage, "node-a"))!.state, "alive");
  } finally {
    await second.storage.close();
  }
});
