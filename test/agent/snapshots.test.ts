// Snapshots of real directories: the schedule (one soon after configuring, then every
// `every`, on a manual clock), pruning to `keep`, events for bad paths instead of crashes,
// leftovers of an interrupted copy, and restoring into a directory that is gone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NoSnapshotError, SnapshotStore } from "../../src/agent/snapshot-store.js";
import { Snapshots, type SnapshotEvent } from "../../src/agent/snapshots.js";
import type { AgentService } from "../../src/protocol/messages.js";
import { ManualClock } from "../../src/util/clock.js";
import { silentLogger } from "../../src/util/logger.js";
import { tempDir, waitFor } from "./process-helpers.js";

function harness() {
  const dir = tempDir("snapshots");
  const clock = new ManualClock(Date.UTC(2024, 0, 2, 3, 4, 5, 123));
  const root = join(dir.path, "agent", "snapshots");
  const store = new SnapshotStore(root);
  const events: SnapshotEvent[] = [];
  const snapshots = new Snapshots({ store, clock, logger: silentLogger(), onEvent: (e) => events.push(e), firstDelayMs: 1000 });
  return {
    dir: dir.path,
    root,
    clock,
    store,
    events,
    snapshots,
    async cleanup(): Promise<void> {
      await snapshots.stop();
      dir.remove();
    },
  };
}

const service = (name: string, path: string, every = 60_000, keep = 2): AgentService => ({ name, snapshot: { path, every, keep } });

test("a snapshot is taken soon after configuring, then every `every`; the newest `keep` are kept", async () => {
  const h = harness();
  try {
    const data = join(h.dir, "data");
    mkdirSync(join(data, "sub"), { recursive: true });
    writeFileSync(join(data, "a.txt"), "one");
    writeFileSync(join(data, "sub", "b.txt"), "two!");
    symlinkSync("a.txt", join(data, "link"));
    h.snapshots.reconcile([service("db", data)]);

    h.clock.advance(999);
    assert.equal(h.events.length, 0);
    h.clock.advance(1);
    await waitFor(() => h.events.length === 1, 10_000, "the first snapshot");
    const first = h.events[0]!;
    assert.equal(first.kind, "snapshot.taken");
    assert.ok(first.kind === "snapshot.taken");
    assert.equal(first.data.id, "2024-01-02T030406.123Z");
    assert.equal(first.data.path, data);
    assert.equal(first.data.files, 3);
    assert.equal(first.data.bytes, 3 + 4 + "a.txt".length);
    const copy = join(h.root, "db", first.data.id);
    assert.equal(readFileSync(join(copy, "a.txt"), "utf8"), "one");
    assert.equal(readFileSync(join(copy, "sub", "b.txt"), "utf8"), "two!");
    assert.equal(readFileSync(join(copy, "link"), "utf8"), "one", "the link is kept as a link");

    for (let i = 2; i <= 4; i++) {
      writeFileSync(join(data, "a.txt"), `version ${i}`);
      h.clock.advance(60_000);
      await waitFor(() => h.events.length === i, 10_000, `snapshot ${i}`);
    }
    const ids = readdirSync(join(h.root, "db")).sort();
    assert.deepEqual(ids, ["2024-01-02T030606.123Z", "2024-01-02T030706.123Z"]);
    assert.deepEqual(h.events.map((e) => e.kind === "snapshot.taken" && e.data.pruned), [[], [], ["2024-01-02T030406.123Z"], ["2024-01-02T030506.123Z"]]);
    assert.equal(readFileSync(join(h.root, "db", ids[1]!, "a.txt"), "utf8"), "version 4");
    assert.equal((await h.store.latest("db"))?.takenAt, Date.UTC(2024, 0, 2, 3, 7, 6, 123));

    // Removed from the config: no more snapshots.
    h.snapshots.reconcile([]);
    h.clock.advance(600_000);
    assert.equal(h.clock.pendingTimers(), 0);
    assert.equal(h.events.length, 4);
  } finally {
    await h.cleanup();
  }
});

test("bad paths give a snapshot.failed event naming the problem, and the schedule goes on", async () => {
  const h = harness();
  try {
    const file = join(h.dir, "file.txt");
    writeFileSync(file, "not a dir");
    const missing = join(h.dir, "missing");
    h.snapshots.reconcile([service("a", missing), service("b", file), service("c", h.dir)]);
    h.clock.advance(1000);
    await waitFor(() => h.events.length === 3, 10_000, "three events");
    const byService = Object.fromEntries(h.events.map((e) => [e.service, e]));
    assert.deepEqual(byService.a, { kind: "snapshot.failed", service: "a", data: { service: "a", path: missing, error: `snapshot path "${missing}" does not exist` } });
    assert.equal(byService.b!.kind === "snapshot.failed" && byService.b!.data.error, `snapshot path "${file}" is not a directory`);
    assert.equal(
      byService.c!.kind === "snapshot.failed" && byService.c!.data.error,
      `snapshot path "${h.dir}" contains the agent's snapshot directory "${h.root}": it would copy itself`,
    );
    // The path appears later: the next run succeeds.
    mkdirSync(missing);
    writeFileSync(join(missing, "x"), "x");
    h.clock.advance(60_000);
    await waitFor(() => h.events.length === 6, 10_000, "the next round");
    assert.equal(h.events.filter((e) => e.service === "a").at(-1)?.kind, "snapshot.taken");
  } finally {
    await h.cleanup();
  }
});

test("an interrupted copy never counts as a snapshot and is cleaned up by the next one", async () => {
  const h = harness();
  try {
    const data = join(h.dir, "data");
    mkdirSync(data);
    writeFileSync(join(data, "x"), "x");
    // What a kill -9 during a copy leaves behind.
    mkdirSync(join(h.root, "db", ".tmp-2024-01-01T000000.000Z"), { recursive: true });
    assert.deepEqual(await h.store.list("db"), []);
    await assert.rejects(h.store.restoreLatest("db", data), NoSnapshotError);
    h.snapshots.reconcile([service("db", data)]);
    h.clock.advance(1000);
    await waitFor(() => h.events.length === 1, 10_000, "a snapshot");
    assert.deepEqual(readdirSync(join(h.root, "db")), ["2024-01-02T030406.123Z"]);
  } finally {
    await h.cleanup();
  }
});

test("restoring into a data directory that was deleted recreates it from the snapshot", async () => {
  const h = harness();
  try {
    const data = join(h.dir, "data");
    mkdirSync(data);
    writeFileSync(join(data, "state"), "good");
    h.snapshots.reconcile([service("db", data)]);
    assert.equal((await h.snapshots.take("db"))?.kind, "snapshot.taken");
    rmSync(data, { recursive: true });
    const restored = await h.snapshots.restoreLatest("db", data);
    assert.equal(restored.id, "2024-01-02T030405.123Z");
    assert.equal(readFileSync(join(data, "state"), "utf8"), "good");
    assert.deepEqual(readdirSync(h.dir).sort(), ["agent", "data"]);
  } finally {
    await h.cleanup();
  }
});
