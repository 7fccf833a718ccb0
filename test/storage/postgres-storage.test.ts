// The PostgreSQL storage on a real PostgreSQL (postgres-server.ts: a throwaway cluster, or
// VIGIL_TEST_DATABASE_URL): the shared storage suite, then what is PostgreSQL's own —
// migrations recorded once under the advisory lock when replicas open together, a newer
// schema refused, int8 read as numbers, and connection errors that name host and port but
// never the password. Skipped loudly without PostgreSQL, unless VIGIL_REQUIRE_POSTGRES=1.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { openPostgresStorage } from "../../src/storage/postgres/postgres-storage.js";
import { applyMigrations, latestSchemaVersion, migrations } from "../../src/storage/postgres/migrations.js";
import { createPool } from "../../src/storage/postgres/postgres-pool.js";
import { openStorage } from "../../src/storage/open-storage.js";
import { freePort } from "../fixtures/ports.js";
import { skipPostgres, usePostgres } from "./postgres-server.js";
import { storageSuite } from "./storage-suite.js";

const postgres = usePostgres();

function fresh(): Promise<string> {
  return postgres.freshDatabaseUrl();
}

/** Runs `body` with a raw pool on `url`, ended afterwards. */
async function withPool<T>(url: string, body: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = createPool(url, { max: 2 });
  try {
    return await body(pool);
  } finally {
    await pool.end();
  }
}

describe("PostgreSQL storage", { skip: skipPostgres && "no PostgreSQL (see the notice above)" }, () => {
  storageSuite(
    "PostgresStorage",
    { location: fresh, open: (url) => openPostgresStorage(url) },
    { notNullViolation: (table, column) => new RegExp(`null value in column "${column}" of relation "${table}" violates not-null constraint`) },
  );

  describe("PostgresStorage migrations", () => {
    it("several replicas opening an empty database at once all succeed, and each migration runs once", async () => {
      const url = await fresh();
      const opened = await Promise.all(Array.from({ length: 4 }, () => openPostgresStorage(url)));
      try {
        const events = await Promise.all(opened.map((s, i) => s.appendEvent({ ts: i, kind: "signal", data: { replica: i } })));
        // One shared journal: every replica sees every replica's event.
        assert.equal((await opened[0]!.listEvents()).length, 4);
        assert.deepEqual(new Set(events.map((e) => e.id)).size, 4);
      } finally {
        await Promise.all(opened.map((s) => s.close()));
      }
      await withPool(url, async (pool) => {
        const { rows } = await pool.query("SELECT version, name FROM schema_migrations ORDER BY version");
        assert.deepEqual(rows, migrations.map((m) => ({ version: m.version, name: m.name })));
      });
    });

    it("applies each migration once, records it, and later applies only a new one", async () => {
      const url = await fresh();
      await (await openPostgresStorage(url)).close();
      await (await openPostgresStorage(url)).close();
      await withPool(url, async (pool) => {
        assert.deepEqual(await applyMigrations(pool), []);
        const next = { version: latestSchemaVersion() + 1, name: "add event source", up: "ALTER TABLE events ADD COLUMN source TEXT" };
        assert.deepEqual(await applyMigrations(pool, [...migrations, next]), [next.version]);
        assert.deepEqual(await applyMigrations(pool, [...migrations, next]), []);
        const { rows } = await pool.query("SELECT COUNT(*) AS n FROM schema_migrations");
        assert.deepEqual(rows, [{ n: migrations.length + 1 }]);
      });
    });

    it("rolls back a failing migration and says which one failed", async () => {
      const url = await fresh();
      await withPool(url, async (pool) => {
        await applyMigrations(pool);
        const broken = { version: latestSchemaVersion() + 1, name: "broken", up: "CREATE TABLE extra (x INTEGER); CREATE TABLE events (y INTEGER)" };
        await assert.rejects(applyMigrations(pool, [...migrations, broken]), new RegExp(`migration ${broken.version} \\(broken\\) failed: relation "events" already exists`));
        const { rows } = await pool.query("SELECT to_regclass('extra') AS extra, MAX(version) AS latest FROM schema_migrations");
        assert.deepEqual(rows, [{ extra: null, latest: latestSchemaVersion() }]);
        await assert.rejects(
          applyMigrations(pool, [{ version: 2, name: "skips one", up: "" }]),
          /migration list is out of order: entry 0 \("skips one"\) has version 2, expected 1/,
        );
      });
    });

    it("refuses a database written by a newer Vigil", async () => {
      const url = await fresh();
      await (await openPostgresStorage(url)).close();
      const latest = latestSchemaVersion();
      await withPool(url, (pool) => pool.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from the future', 0)", [latest + 1]));
      await assert.rejects(openPostgresStorage(url), (err: Error) =>
        err.message.includes(`database schema version ${latest + 1} is newer than this Vigil (${latest}): upgrade Vigil`),
      );
    });
  });

  describe("PostgresStorage values and connections", () => {
    it("reads BIGINT milliseconds back as numbers, and refuses one beyond 2^53 rather than rounding it", async () => {
      const url = await fresh();
      const storage = await openPostgresStorage(url);
      try {
        const event = await storage.appendEvent({ ts: Number.MAX_SAFE_INTEGER, kind: "signal", data: {} });
        assert.equal(typeof event.id, "number");
        assert.equal((await storage.listEvents())[0]!.ts, Number.MAX_SAFE_INTEGER);
        await withPool(url, (pool) => pool.query("UPDATE events SET ts = 9007199254740993"));
        await assert.rejects(storage.listEvents(), /storage listEvents failed: integer 9007199254740993 is beyond JavaScript's safe integer range/);
      } finally {
        await storage.close();
      }
    });

    it("a pool with a statement timeout ends a statement that runs longer, and refuses a bad timeout", async () => {
      const url = await fresh();
      const pool = createPool(url, { max: 1, statementTimeoutMs: 300 });
      try {
        await assert.rejects(pool.query("SELECT pg_sleep(30)"), /canceling statement due to statement timeout|Query read timeout/);
        assert.deepEqual((await pool.query("SELECT 1 AS one")).rows, [{ one: 1 }], "the pool works on afterwards");
      } finally {
        await pool.end();
      }
      assert.throws(() => createPool(url, { statementTimeoutMs: 0 }), /PostgreSQL pool option statementTimeoutMs must be a positive whole number, got 0/);
    });

    it("an unreachable server fails naming host and port, never the password", async () => {
      const port = await freePort();
      const url = `postgres://vigil:s3cret-pa55@127.0.0.1:${port}/vigil`;
      await assert.rejects(openPostgresStorage(url), (err: Error) => {
        assert.match(err.message, new RegExp(`^cannot open storage at postgres://vigil@127\\.0\\.0\\.1:${port}/vigil: .*ECONNREFUSED`));
        assert.ok(!err.message.includes("s3cret-pa55"), err.message);
        return true;
      });
    });

    it("a malformed URL or a wrong database fails clearly, without repeating the URL", async () => {
      await assert.rejects(openPostgresStorage("postgres://vigil:pa55word@[bad/vigil"), (err: Error) => {
        assert.equal(err.message, "cannot open PostgreSQL storage: not a valid URL: expected postgres://USER:PASSWORD@HOST:PORT/DATABASE");
        return true;
      });
      const u = new URL(postgres.url());
      u.pathname = "/no_such_database";
      u.password = "hunter22";
      await assert.rejects(openPostgresStorage(u.href), (err: Error) => {
        assert.match(err.message, new RegExp(`^cannot open storage at postgres://postgres@127\\.0\\.0\\.1:${u.port}/no_such_database: database "no_such_database" does not exist`));
        assert.ok(!err.message.includes("hunter22"), err.message);
        return true;
      });
    });

    it("openStorage opens PostgreSQL for a postgres:// or postgresql:// URL, and from VIGIL_DATABASE_URL", async () => {
      const url = await fresh();
      const first = await openStorage("/nonexistent/vigil-data-unused", { url });
      const event = await first.appendEvent({ ts: 1, kind: "signal", data: {} });
      await first.close();
      const second = await openStorage("/nonexistent/vigil-data-unused", { url: url.replace(/^postgres:/, "postgresql:") });
      try {
        assert.deepEqual(await second.listEvents(), [event]);
      } finally {
        await second.close();
      }
      const third = await openStorage("/nonexistent/vigil-data-unused", { env: { VIGIL_DATABASE_URL: url } });
      try {
        assert.deepEqual(await third.listEvents(), [event]);
      } finally {
        await third.close();
      }
    });
  });
});
