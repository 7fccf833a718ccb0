// The SQLite storage on real database files in a temp dir: every record round-trips, the
// queries filter and order as documented, data survives a reopen, and migrations run once.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { openSqliteStorage, type SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { applyMigrations, latestSchemaVersion, migrations } from "../../src/storage/sqlite/migrations.js";
import { openStorage } from "../../src/storage/open-storage.js";
import type {
  AlertRecord,
  IncidentRecord,
  NewIncident,
  NodeRecord,
  ServiceRecord,
} from "../../src/storage/storage.js";

let tempDir: string;
let fileCount = 0;
before(() => {
  tempDir = mkdtempSync(join(tmpdir(), "vigil-sqlite-test-"));
});
after(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

function freshPath(): string {
  fileCount += 1;
  return join(tempDir, `db-${fileCount}`, "vigil.db");
}

/** Opens a fresh database file, runs `body`, and closes the storage even if `body` fails. */
async function withStorage(body: (storage: SqliteStorage, path: string) => Promise<void>): Promise<void> {
  const path = freshPath();
  const storage = openSqliteStorage(path);
  try {
    await body(storage, path);
  } finally {
    await storage.close();
  }
}

function incident(overrides: Partial<NewIncident> = {}): NewIncident {
  return {
    key: "service:api",
    kind: "service",
    target: "api",
    node: "node-a",
    state: "open",
    title: "api is unhealthy",
    firstSignalAt: 1_000,
    detectedAt: 1_500,
    recoveredAt: null,
    resolvedAt: null,
    escalatedAt: null,
    rootCause: null,
    rootKey: null,
    cause: null,
    confidence: null,
    localizedAt: null,
    members: ["service:api"],
    updatedAt: 1_500,
    ...overrides,
  };
}

function alert(fingerprint: string, overrides: Partial<AlertRecord> = {}): AlertRecord {
  return {
    fingerprint,
    labels: { alertname: "HighCpu", node: "node-a" },
    annotations: { summary: "CPU above 90%" },
    state: "firing",
    activeAt: 1_000,
    firedAt: 31_000,
    resolvedAt: null,
    value: 0.97,
    updatedAt: 31_000,
    ...overrides,
  };
}

describe("SqliteStorage records", () => {
  it("creates the parent directory, uses WAL, and also works in memory", async () => {
    const path = join(tempDir, "nested", "deeper", "vigil.db");
    const storage = openSqliteStorage(path);
    await storage.appendEvent({ ts: 1, kind: "signal", data: {} });
    await storage.close();
    assert.ok(existsSync(path));
    const raw = new Database(path, { readonly: true });
    try {
      assert.equal(raw.pragma("journal_mode", { simple: true }), "wal");
    } finally {
      raw.close();
    }

    const memory = openSqliteStorage(":memory:");
    const stored = await memory.appendEvent({ ts: 5, kind: "signal", data: { a: 1 } });
    assert.deepEqual(await memory.listEvents(), [stored]);
    await memory.close();
  });

  it("round-trips journal events, omitting absent optional fields", async () => {
    await withStorage(async (storage) => {
      const data = {
        probability: 0.83,
        nested: { list: [1, "two", null, { three: true }], empty: {} },
        text: "naïve ✓ \"quoted\" \n newline",
        big: 1_700_000_000_123,
      };
      const full = await storage.appendEvent({
        ts: 1_700_000_000_000,
        kind: "incident.opened",
        incidentId: 0,
        node: "node-a",
        service: "api",
        data,
      });
      const bare = await storage.appendEvent({ ts: 1_700_000_000_001, kind: "freeze.on", data: {} });

      assert.deepEqual(full, {
        id: full.id,
        ts: 1_700_000_000_000,
        kind: "incident.opened",
        incidentId: 0,
        node: "node-a",
        service: "api",
        data,
      });
      assert.deepEqual(bare, { id: full.id + 1, ts: 1_700_000_000_001, kind: "freeze.on", data: {} });
      const listed = await storage.listEvents();
      assert.deepEqual(listed, [full, bare]);
      assert.deepEqual(Object.keys(listed[1]!).sort(), ["data", "id", "kind", "ts"]);
    });
  });

  it("upserts and lists nodes and services", async () => {
    await withStorage(async (storage) => {
      const nodeB: NodeRecord = {
        name: "node-b",
        state: "unknown",
        since: 10,
        lastHeartbeat: null,
        agentVersion: null,
        outboxId: null,
        ackedSeq: 0,
        processedSeq: 0,
      };
      const nodeA: NodeRecord = {
        name: "node-a",
        state: "alive",
        since: 20,
        lastHeartbeat: 25,
        agentVersion: "0.1.0",
        outboxId: "outbox-7f3a",
        ackedSeq: 42,
        processedSeq: 45,
      };
      await storage.upsertNode(nodeB);
      await storage.upsertNode(nodeA);
      assert.deepEqual(await storage.listNodes(), [nodeA, nodeB]);
      const nodeADown: NodeRecord = { ...nodeA, state: "down", since: 90, ackedSeq: 57, processedSeq: 60 };
      await storage.upsertNode(nodeADown);
      assert.deepEqual(await storage.listNodes(), [nodeADown, nodeB]);

      const api: ServiceRecord = {
        name: "api",
        node: "node-a",
        health: "healthy",
        since: 5,
        detail: "HTTP 200",
        pid: 4242,
        running: true,
        updatedAt: 6,
      };
      const db: ServiceRecord = {
        name: "db",
        node: "node-b",
        health: "unknown",
        since: 0,
        detail: "",
        pid: null,
        running: false,
        updatedAt: 0,
      };
      await storage.upsertService(db);
      await storage.upsertService(api);
      assert.deepEqual(await storage.listServices(), [api, db]);
      const apiDown: ServiceRecord = { ...api, health: "unhealthy", detail: "connection refused", pid: null, running: false };
      await storage.upsertService(apiDown);
      assert.deepEqual(await storage.listServices(), [apiDown, db]);
    });
  });

  it("saves, replaces and lists service placements with their fenced nodes", async () => {
    await withStorage(async (storage) => {
      assert.deepEqual(await storage.listPlacements(), []);
      await storage.savePlacement({ service: "db", node: "node-c", fenced: ["node-b"], updatedAt: 1 });
      await storage.savePlacement({ service: "api", node: "node-a", fenced: [], updatedAt: 2 });
      await storage.savePlacement({ service: "db", node: "node-c", fenced: [], updatedAt: 3 });
      assert.deepEqual(await storage.listPlacements(), [
        { service: "api", node: "node-a", fenced: [], updatedAt: 2 },
        { service: "db", node: "node-c", fenced: [], updatedAt: 3 },
      ]);
    });
  });

  it("round-trips alerts and lists resolved ones only from resolvedSince", async () => {
    await withStorage(async (storage) => {
      const pending = alert("fp-pending", { state: "pending", activeAt: 1, firedAt: null, value: null });
      const firing = alert("fp-firing", { activeAt: 2, labels: { alertname: "Disk", "mount/point": "/var ✓" } });
      const resolvedEarly = alert("fp-resolved-early", { state: "resolved", activeAt: 3, resolvedAt: 100 });
      const resolvedLate = alert("fp-resolved-late", { state: "resolved", activeAt: 4, resolvedAt: 200, annotations: {} });
      for (const a of [resolvedLate, firing, resolvedEarly, pending]) await storage.upsertAlert(a);

      assert.deepEqual(await storage.listAlerts(), [pending, firing]);
      assert.deepEqual(await storage.listAlerts({ resolvedSince: 200 }), [pending, firing, resolvedLate]);
      assert.deepEqual(await storage.listAlerts({ resolvedSince: 100 }), [pending, firing, resolvedEarly, resolvedLate]);

      const firingResolved = { ...firing, state: "resolved" as const, resolvedAt: 300, updatedAt: 300 };
      await storage.upsertAlert(firingResolved);
      assert.deepEqual(await storage.listAlerts(), [pending]);
      assert.deepEqual(await storage.listAlerts({ resolvedSince: 250 }), [pending, firingResolved]);
    });
  });

  it("creates, gets and updates incidents", async () => {
    await withStorage(async (storage) => {
      const created = await storage.createIncident(incident());
      assert.deepEqual(created, { id: created.id, ...incident() });
      assert.deepEqual(await storage.getIncident(created.id), created);
      assert.equal(await storage.getIncident(created.id + 100), null);

      const resolved: IncidentRecord = {
        ...created,
        state: "resolved",
        recoveredAt: 4_000,
        resolvedAt: 6_000,
        rootCause: "root cause: db on node-b — memory exhausted; confidence 0.9",
        rootKey: "service:db",
        cause: "memory",
        confidence: 0.9,
        localizedAt: 2_000,
        members: ["service:api", "service:db"],
        updatedAt: 6_000,
      };
      await storage.updateIncident(resolved);
      assert.deepEqual(await storage.getIncident(created.id), resolved);

      await assert.rejects(storage.updateIncident({ ...resolved, id: 999 }), /updateIncident\(999\) failed: no incident with id 999/);
    });
  });

  it("lists incidents newest first, filtered by open and key, limited", async () => {
    await withStorage(async (storage) => {
      const oldResolved = await storage.createIncident(incident({ detectedAt: 100, state: "resolved", resolvedAt: 150 }));
      const dbNode = await storage.createIncident(incident({ key: "node:node-b", kind: "node", target: "node-b", detectedAt: 300, state: "escalated", escalatedAt: 350 }));
      const apiOpen = await storage.createIncident(incident({ detectedAt: 500, state: "mitigating" }));
      // Created last but detected earliest of the open ones: order follows detection.
      const lateRecorded = await storage.createIncident(incident({ key: "service:db", target: "db", detectedAt: 200 }));

      const ids = (list: IncidentRecord[]) => list.map((i) => i.id);
      assert.deepEqual(ids(await storage.listIncidents()), [apiOpen.id, dbNode.id, lateRecorded.id, oldResolved.id]);
      assert.deepEqual(ids(await storage.listIncidents({ open: true })), [apiOpen.id, dbNode.id, lateRecorded.id]);
      assert.deepEqual(ids(await storage.listIncidents({ open: false })), [apiOpen.id, dbNode.id, lateRecorded.id, oldResolved.id]);
      assert.deepEqual(ids(await storage.listIncidents({ key: "service:api" })), [apiOpen.id, oldResolved.id]);
      assert.deepEqual(ids(await storage.listIncidents({ key: "service:api", open: true })), [apiOpen.id]);
      assert.deepEqual(ids(await storage.listIncidents({ limit: 2 })), [apiOpen.id, dbNode.id]);
      assert.deepEqual(await storage.listIncidents({ key: "service:none" }), []);

      for (let i = 0; i < 105; i++) await storage.createIncident(incident({ key: `service:s${i}`, detectedAt: 1_000 + i }));
      assert.equal((await storage.listIncidents()).length, 100);
    });
  });

  it("queues notifications: due, next due, update, list", async () => {
    await withStorage(async (storage) => {
      assert.equal(await storage.nextNotificationDue(), null);
      const first = await storage.enqueueNotification({ receiver: "oncall", payload: '{"a":1}', createdAt: 100, nextAttemptAt: 300 });
      const second = await storage.enqueueNotification({ receiver: "slack", payload: "{}", createdAt: 200, nextAttemptAt: 200 });
      const third = await storage.enqueueNotification({ receiver: "oncall", payload: '{"b":[2]}', createdAt: 250, nextAttemptAt: 1_000 });
      assert.deepEqual(first, {
        id: first.id,
        receiver: "oncall",
        payload: '{"a":1}',
        state: "pending",
        attempts: 0,
        nextAttemptAt: 300,
        lastError: null,
        createdAt: 100,
        sentAt: null,
      });

      assert.equal(await storage.nextNotificationDue(), 200);
      assert.deepEqual(await storage.dueNotifications(199), []);
      assert.deepEqual(await storage.dueNotifications(200), [second]);
      assert.deepEqual(await storage.dueNotifications(300), [first, second]);
      assert.deepEqual(await storage.dueNotifications(300, 1), [first]);

      const firstRetry = { ...first, attempts: 1, nextAttemptAt: 2_000, lastError: "HTTP 503 Service Unavailable" };
      const secondSent = { ...second, state: "sent" as const, attempts: 1, sentAt: 210 };
      await storage.updateNotification(firstRetry);
      await storage.updateNotification(secondSent);
      assert.deepEqual(await storage.dueNotifications(1_500), [third]);
      assert.equal(await storage.nextNotificationDue(), 1_000);

      const thirdFailed = { ...third, state: "failed" as const, attempts: 5, lastError: "gave up" };
      await storage.updateNotification(thirdFailed);
      assert.equal(await storage.nextNotificationDue(), 2_000);
      assert.deepEqual(await storage.dueNotifications(10_000), [firstRetry]);

      assert.deepEqual(await storage.listNotifications(), [thirdFailed, secondSent, firstRetry]);
      assert.deepEqual(await storage.listNotifications({ state: "sent" }), [secondSent]);
      assert.deepEqual(await storage.listNotifications({ state: "pending" }), [firstRetry]);
      assert.deepEqual(await storage.listNotifications({ limit: 1 }), [thirdFailed]);

      await assert.rejects(storage.updateNotification({ ...first, id: 77 }), /updateNotification\(77\) failed: no notification with id 77/);
    });
  });
});

describe("SqliteStorage event queries", () => {
  it("honours every EventQuery field", async () => {
    await withStorage(async (storage) => {
      const e1 = await storage.appendEvent({ ts: 100, kind: "signal", node: "node-a", service: "api", data: { p: 0.9 } });
      const e2 = await storage.appendEvent({ ts: 200, kind: "alert.firing", node: "node-a", service: "api", data: {} });
      const e3 = await storage.appendEvent({ ts: 300, kind: "incident.opened", incidentId: 1, node: "node-a", service: "api", data: {} });
      const e4 = await storage.appendEvent({ ts: 400, kind: "action.started", incidentId: 1, node: "node-b", service: "db", data: {} });
      // Stored last with an earlier timestamp (a late agent observation): it stays last in journal order.
      const e5 = await storage.appendEvent({ ts: 150, kind: "signal", node: "node-b", data: {} });
      const e6 = await storage.appendEvent({ ts: 500, kind: "incident.resolved", incidentId: 2, data: {} });

      assert.deepEqual(await storage.listEvents(), [e1, e2, e3, e4, e5, e6]);
      assert.deepEqual(await storage.listEvents({ order: "asc" }), [e1, e2, e3, e4, e5, e6]);
      assert.deepEqual(await storage.listEvents({ order: "desc" }), [e6, e5, e4, e3, e2, e1]);
      assert.deepEqual(await storage.listEvents({ afterId: e3.id }), [e4, e5, e6]);
      assert.deepEqual(await storage.listEvents({ since: 200 }), [e2, e3, e4, e6]);
      assert.deepEqual(await storage.listEvents({ until: 200 }), [e1, e5]);
      assert.deepEqual(await storage.listEvents({ since: 150, until: 400 }), [e2, e3, e5]);
      assert.deepEqual(await storage.listEvents({ kinds: ["signal"] }), [e1, e5]);
      assert.deepEqual(await storage.listEvents({ kinds: ["signal", "incident.resolved"] }), [e1, e5, e6]);
      assert.deepEqual(await storage.listEvents({ kinds: [] }), []);
      assert.deepEqual(await storage.listEvents({ incidentId: 1 }), [e3, e4]);
      assert.deepEqual(await storage.listEvents({ node: "node-b" }), [e4, e5]);
      assert.deepEqual(await storage.listEvents({ service: "api" }), [e1, e2, e3]);
      assert.deepEqual(await storage.listEvents({ limit: 2 }), [e1, e2]);
      assert.deepEqual(await storage.listEvents({ limit: 2, order: "desc" }), [e6, e5]);
      assert.deepEqual(await storage.listEvents({ limit: 0 }), []);
      assert.deepEqual(
        await storage.listEvents({ afterId: e1.id, since: 100, until: 450, kinds: ["signal", "action.started"], node: "node-b", order: "desc" }),
        [e5, e4],
      );
      assert.deepEqual(await storage.listEvents({ service: "api", incidentId: 1, kinds: ["incident.opened"] }), [e3]);
    });
  });

  it("returns at most 1000 events by default and rejects a bad limit or order", async () => {
    await withStorage(async (storage) => {
      for (let i = 0; i < 1_005; i++) await storage.appendEvent({ ts: i, kind: "signal", data: { i } });
      const page = await storage.listEvents();
      assert.equal(page.length, 1_000);
      assert.equal(page[999]!.data.i, 999);
      assert.equal((await storage.listEvents({ afterId: page[999]!.id })).length, 5);

      await assert.rejects(storage.listEvents({ limit: -1 }), /listEvents failed: limit must be a non-negative integer, got -1/);
      await assert.rejects(storage.listEvents({ limit: 1.5 }), /limit must be a non-negative integer/);
      await assert.rejects(
        storage.listEvents({ order: "newest" as "desc" }),
        /listEvents failed: order must be "asc" or "desc", got "newest"/,
      );
      await assert.rejects(storage.listIncidents({ limit: -5 }), /listIncidents failed: limit must be/);
      await assert.rejects(storage.dueNotifications(0, -1), /dueNotifications failed: limit must be/);
    });
  });

  it("appends 10,000 events one by one and reports the time", async (t) => {
    await withStorage(async (storage) => {
      const started = performance.now();
      for (let i = 0; i < 10_000; i++) {
        await storage.appendEvent({ ts: 1_700_000_000_000 + i, kind: "signal", node: "node-a", service: "api", data: { i, p: 0.5 } });
      }
      const elapsedMs = performance.now() - started;
      t.diagnostic(`appended 10,000 events in ${elapsedMs.toFixed(0)} ms`);
      // Generous so a loaded machine does not fail, yet it catches losing WAL + synchronous=NORMAL:
      // an fsync per commit (rollback journal) takes minutes for 10,000 appends.
      assert.ok(elapsedMs < 20_000, `appending 10,000 events took ${elapsedMs.toFixed(0)} ms`);
      assert.equal((await storage.listEvents({ limit: 20_000 })).length, 10_000);
    });
  });
});

describe("SqliteStorage lifecycle and errors", () => {
  it("keeps everything across a close and reopen (a server restart)", async () => {
    const path = freshPath();
    const beforeRestart = openSqliteStorage(path);
    const event = await beforeRestart.appendEvent({ ts: 10, kind: "incident.opened", incidentId: 1, data: { why: "probe failed" } });
    const node: NodeRecord = { name: "node-a", state: "alive", since: 1, lastHeartbeat: 9, agentVersion: "0.1.0", outboxId: "o1", ackedSeq: 12, processedSeq: 14 };
    const service: ServiceRecord = { name: "api", node: "node-a", health: "unhealthy", since: 8, detail: "timeout", pid: 99, running: true, updatedAt: 9 };
    const firing = alert("fp-1");
    await beforeRestart.upsertNode(node);
    await beforeRestart.upsertService(service);
    await beforeRestart.upsertAlert(firing);
    const opened = await beforeRestart.createIncident(incident());
    const queued = await beforeRestart.enqueueNotification({ receiver: "oncall", payload: "{}", createdAt: 10, nextAttemptAt: 10 });
    await beforeRestart.close();

    const afterRestart = openSqliteStorage(path);
    try {
      assert.deepEqual(await afterRestart.listEvents(), [event]);
      assert.deepEqual(await afterRestart.listNodes(), [node]);
      assert.deepEqual(await afterRestart.listServices(), [service]);
      assert.deepEqual(await afterRestart.listAlerts(), [firing]);
      assert.deepEqual(await afterRestart.listIncidents(), [opened]);
      assert.deepEqual(await afterRestart.listNotifications(), [queued]);
      // Ids continue after the stored ones rather than being reused.
      const next = await afterRestart.appendEvent({ ts: 11, kind: "incident.resolved", data: {} });
      assert.equal(next.id, event.id + 1);
      assert.equal((await afterRestart.createIncident(incident())).id, opened.id + 1);
    } finally {
      await afterRestart.close();
    }
  });

  it("migration 4 takes a node's processed seq from its acked seq (they were one before)", async () => {
    const path = freshPath();
    mkdirSync(dirname(path), { recursive: true });
    const raw = new Database(path);
    try {
      applyMigrations(raw, migrations.filter((m) => m.version <= 3));
      raw
        .prepare("INSERT INTO nodes (name, state, since, last_heartbeat, agent_version, outbox_id, acked_seq) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .run("node-a", "alive", 1, 2, "0.1.0", "o1", 42);
    } finally {
      raw.close();
    }
    const storage = openSqliteStorage(path);
    try {
      const [node] = await storage.listNodes();
      assert.equal(node!.ackedSeq, 42);
      assert.equal(node!.processedSeq, 42);
    } finally {
      await storage.close();
    }
  });

  it("applies each migration once and records it", async () => {
    const path = freshPath();
    await openSqliteStorage(path).close();
    await openSqliteStorage(path).close();

    const raw = new Database(path);
    try {
      const recorded = raw.prepare("SELECT version, name FROM schema_migrations ORDER BY version").all();
      assert.deepEqual(recorded, migrations.map((m) => ({ version: m.version, name: m.name })));
      assert.equal(raw.pragma("user_version", { simple: true }), latestSchemaVersion());
      assert.deepEqual(applyMigrations(raw), []);

      // A later Vigil with one more migration applies only that one.
      const next = { version: latestSchemaVersion() + 1, name: "add event source", up: "ALTER TABLE events ADD COLUMN source TEXT" };
      assert.deepEqual(applyMigrations(raw, [...migrations, next]), [next.version]);
      assert.deepEqual(applyMigrations(raw, [...migrations, next]), []);
      assert.deepEqual(raw.prepare("SELECT COUNT(*) AS n FROM schema_migrations").get(), { n: migrations.length + 1 });
      assert.equal(raw.pragma("user_version", { simple: true }), next.version);
    } finally {
      raw.close();
    }
  });

  it("rolls back a failing migration and says which one failed", () => {
    const raw = new Database(":memory:");
    try {
      applyMigrations(raw);
      const broken = { version: latestSchemaVersion() + 1, name: "broken", up: "CREATE TABLE extra (x); CREATE TABLE events (y)" };
      assert.throws(
        () => applyMigrations(raw, [...migrations, broken]),
        new RegExp(`migration ${broken.version} \\(broken\\) failed: table events already exists`),
      );
      assert.equal(raw.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").get(), undefined);
      assert.equal(raw.pragma("user_version", { simple: true }), latestSchemaVersion());
      assert.throws(
        () => applyMigrations(raw, [{ version: 2, name: "skips one", up: "" }]),
        /migration list is out of order: entry 0 \("skips one"\) has version 2, expected 1/,
      );
    } finally {
      raw.close();
    }
  });

  it("refuses a database written by a newer Vigil", async () => {
    const path = freshPath();
    await openSqliteStorage(path).close();
    const raw = new Database(path);
    const latest = latestSchemaVersion();
    raw.pragma(`user_version = ${latest + 1}`);
    raw.close();
    assert.throws(
      () => openSqliteStorage(path),
      (err: Error) => err.message.includes(`database schema version ${latest + 1} is newer than this Vigil (${latest}): upgrade Vigil`),
    );
  });

  it("refuses a file that is not a database, naming the path", () => {
    const path = join(tempDir, "not-a-db.db");
    writeFileSync(path, "this is plain text, not SQLite ".repeat(50));
    assert.throws(() => openSqliteStorage(path), (err: Error) => err.message.startsWith(`cannot open storage at ${path}:`) && /not a database/.test(err.message));
  });

  it("closes idempotently and rejects calls after close", async () => {
    const storage = openSqliteStorage(freshPath());
    await storage.close();
    await storage.close();
    await assert.rejects(storage.listNodes(), /storage listNodes failed: .*not open/);
    await assert.rejects(storage.appendEvent({ ts: 1, kind: "signal", data: {} }), /storage appendEvent\("signal"\) failed/);
  });

  it("rejects bad records with the operation and SQLite's reason", async () => {
    await withStorage(async (storage) => {
      await assert.rejects(
        storage.appendEvent({ ts: 1, kind: "signal", data: null as unknown as Record<string, unknown> }),
        /appendEvent\("signal"\) failed: event.data must be an object/,
      );
      await assert.rejects(
        storage.upsertNode({ name: "node-a", state: null as unknown as "alive", since: 1, lastHeartbeat: null, agentVersion: null, outboxId: null, ackedSeq: 0, processedSeq: 0 }),
        /storage upsertNode\("node-a"\) failed: NOT NULL constraint failed: nodes.state/,
      );
    });
  });
});

describe("openStorage", () => {
  it("opens SQLite at <dataDir>/vigil.db, creating the directory", async () => {
    const dataDir = join(tempDir, "data-dir", "vigil-data");
    const storage = await openStorage(dataDir);
    const event = await storage.appendEvent({ ts: 1, kind: "signal", data: {} });
    await storage.close();
    assert.ok(existsSync(join(dataDir, "vigil.db")));
    const reopened = await openStorage(dataDir);
    try {
      assert.deepEqual(await reopened.listEvents(), [event]);
    } finally {
      await reopened.close();
    }
  });

  it("rejects an empty location and a PostgreSQL URL with a clear error", async () => {
    await assert.rejects(openStorage(""), /data directory \(server.data\) must be a non-empty path/);
    await assert.rejects(openStorage("postgres://vigil@db/vigil"), /PostgreSQL storage is not supported/);
  });
});
