// The node registry of a replica in a sharded cluster, on a real SQLite file and a manual
// clock: only the nodes it owns are judged; when its owner leaves, a node newly owned here is
// not judged during the re-homing grace (no false NodeDown while its agent finds its way
// here), and is judged normally after it — from a fresh start, so a node that died with its
// replica is still declared dead; a node no longer owned here is never judged here again.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeRegistry } from "../../src/detect/node-registry.js";
import type { FailureDetectorOutput } from "../../src/detect/failure/failure-detector.js";
import { openSqliteStorage, type SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { ManualClock } from "../../src/util/clock.js";

const INTERVAL = 500;
const GRACE = 10_000;

let tempDir: string;
before(() => {
  tempDir = mkdtempSync(join(tmpdir(), "vigil-node-registry-sharding-"));
});
after(() => rmSync(tempDir, { recursive: true, force: true }));

/** Two nodes known alive (written by the replicas that held them), one registry whose ownership the test sets. */
async function setup(owned: Set<string>): Promise<{ storage: SqliteStorage; nodes: NodeRegistry; clock: ManualClock }> {
  const clock = new ManualClock(1_000_000);
  const storage = openSqliteStorage(join(tempDir, `db-${Math.random()}.sqlite`));
  for (const name of ["mine", "theirs"]) {
    await storage.upsertNode({ name, state: "alive", since: clock.now(), lastHeartbeat: clock.now(), agentVersion: "t", outboxId: "o", ackedSeq: 0, processedSeq: 0 });
  }
  const nodes = new NodeRegistry(storage, clock, { heartbeatIntervalMs: INTERVAL }, { owns: (n) => owned.has(n), rehomeGraceMs: GRACE });
  await nodes.load();
  return { storage, nodes, clock };
}

/** Advances the clock in detector ticks, collecting every verdict. */
async function run(nodes: NodeRegistry, clock: ManualClock, ms: number, heartbeats: string[] = []): Promise<FailureDetectorOutput["verdicts"][number][]> {
  const verdicts: FailureDetectorOutput["verdicts"][number][] = [];
  for (let t = 0; t < ms; t += 100) {
    clock.advance(100);
    if (t % INTERVAL === 0) for (const node of heartbeats) verdicts.push(...(await nodes.heartbeat(node)).verdicts);
    const out = await nodes.tick();
    verdicts.push(...out.verdicts);
    // Probes fail: nobody answers for a node that is not here.
    for (const r of out.requests) if (r.kind === "direct-probe") verdicts.push(...(await nodes.directProbeResult(r.node, false)).verdicts);
  }
  return verdicts;
}

test("only owned nodes are judged: a silent node owned elsewhere draws no verdict here", async () => {
  const owned = new Set(["mine"]);
  const { storage, nodes, clock } = await setup(owned);
  try {
    const verdicts = await run(nodes, clock, 20_000, ["mine"]);
    assert.deepEqual(verdicts.filter((v) => v.node === "theirs"), []);
    assert.equal(nodes.get("theirs")!.state, "alive", "its state is the owner's to change (applyRemote)");
  } finally {
    await storage.close();
  }
});

test("a node newly owned here is not judged during the re-homing grace; its agent arriving ends the grace", async () => {
  const owned = new Set(["mine"]);
  const { storage, nodes, clock } = await setup(owned);
  try {
    owned.add("theirs"); // its owner left
    assert.deepEqual(nodes.rebalance(), { adopted: ["theirs"], released: [] });
    assert.deepEqual(nodes.rehomingNodes(), ["theirs"]);
    const during = await run(nodes, clock, GRACE - 1000, ["mine"]);
    assert.deepEqual(during.filter((v) => v.node === "theirs"), [], "silent, but within its grace");
    // Its agent arrives: judged from now on, alive.
    const after = await run(nodes, clock, 5000, ["mine", "theirs"]);
    assert.deepEqual(after.filter((v) => v.node === "theirs" && v.state !== "alive"), []);
    assert.deepEqual(nodes.rehomingNodes(), []);
    assert.equal(nodes.get("theirs")!.state, "alive");
  } finally {
    await storage.close();
  }
});

test("a node that died with its replica is declared dead after the grace, by normal detection", async () => {
  const owned = new Set(["mine"]);
  const { storage, nodes, clock } = await setup(owned);
  try {
    owned.add("theirs");
    nodes.rebalance();
    const verdicts = await run(nodes, clock, GRACE + 15_000, ["mine"]);
    const dead = verdicts.find((v) => v.node === "theirs" && v.state === "dead");
    assert.ok(dead, `theirs declared dead: ${JSON.stringify(verdicts)}`);
    assert.ok(dead.since >= 1_000_000 + GRACE, `not before its grace ended (dead at +${dead.since - 1_000_000} ms)`);
    assert.equal((await storage.listNodes()).find((n) => n.name === "theirs")!.state, "down");
  } finally {
    await storage.close();
  }
});

test("a node no longer owned here is released: never judged here again", async () => {
  const owned = new Set(["mine", "theirs"]);
  const { storage, nodes, clock } = await setup(owned);
  try {
    await run(nodes, clock, 2000, ["mine", "theirs"]);
    owned.delete("theirs"); // a replica joined and wins it
    assert.deepEqual(nodes.rebalance(), { adopted: [], released: ["theirs"] });
    const verdicts = await run(nodes, clock, 20_000, ["mine"]);
    assert.deepEqual(verdicts.filter((v) => v.node === "theirs"), []);
  } finally {
    await storage.close();
  }
});
