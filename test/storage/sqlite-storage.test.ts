// The SQLite storage on real database files in a temp dir: the shared storage suite
// (storage-suite.ts), then what is SQLite's own: files, WAL, migrations on a file.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { openSqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { applyMigrations, latestSchemaVersion, migrations } from "../../src/storage/sqlite/migrations.js";
import { openStorage } from "../../src/storage/open-storage.js";
import { storageSuite } from "./storage-suite.js";

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

storageSuite(
  "SqliteStorage",
  { location: async () => freshPath(), open: async (path) => openSqliteStorage(path) },
  {
    // Generous so a loaded machine does not fail, yet it catches losing WAL + synchronous=NORMAL:
    // an fsync per commit (rollback journal) takes minutes for 10,000 appends.
    appendBudgetMs: 20_000,
    notNullViolation: (table, column) => new RegExp(`NOT NULL constraint failed: ${table}\\.${column}`),
  },
);

describe("SqliteStorage files", () => {
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
});

describe("SqliteStorage migrations on a file", () => {
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
});

describe("openStorage", () => {
  it("opens SQLite at <dataDir>/vigil.db, creating the directory", async () => {
    const dataDir = join(tempDir, "data-dir", "vigil-data");
    const storage = await openStorage(dataDir, { env: {} });
    const event = await storage.appendEvent({ ts: 1, kind: "signal", data: {} });
    await storage.close();
    assert.ok(existsSync(join(dataDir, "vigil.db")));
    const reopened = await openStorage(dataDir, { env: {} });
    try {
      assert.deepEqual(await reopened.listEvents(), [event]);
    } finally {
      await reopened.close();
    }
  });

  it("keeps SQLite when neither server.storage nor VIGIL_DATABASE_URL is set (an empty one counts as unset)", async () => {
    const dataDir = join(tempDir, "data-dir-env", "vigil-data");
    const storage = await openStorage(dataDir, { env: { VIGIL_DATABASE_URL: " " } });
    await storage.close();
    assert.ok(existsSync(join(dataDir, "vigil.db")));
  });

  it("rejects an empty data directory, a URL in server.data and a storage URL that is not PostgreSQL", async () => {
    await assert.rejects(openStorage("", { env: {} }), /data directory \(server.data\) must be a non-empty path/);
    await assert.rejects(
      openStorage("postgres://vigil@db/vigil", { env: {} }),
      /server.data is a directory \(the series store lives there\); put the PostgreSQL URL in server.storage or \$VIGIL_DATABASE_URL/,
    );
    await assert.rejects(openStorage(tempDir, { url: "mysql://vigil@db/vigil" }), /openStorage: server.storage must be a postgres:\/\/ or postgresql:\/\/ URL/);
    await assert.rejects(openStorage(tempDir, { env: { VIGIL_DATABASE_URL: "/var/lib/vigil" } }), /openStorage: \$VIGIL_DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/);
  });
});
