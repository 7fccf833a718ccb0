// The SQLite schema as an ordered list of migrations, and the code that brings a database
// up to date: each missing migration runs in its own transaction, is recorded in
// `schema_migrations` and advances `PRAGMA user_version`; a newer database is refused.
import type Database from "better-sqlite3";

export interface Migration {
  /** 1, 2, 3, ... in order; never reuse or renumber a released version. */
  version: number;
  name: string;
  /** SQL run once, inside a transaction. */
  up: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "create tables",
    up: `
      CREATE TABLE events (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        ts          INTEGER NOT NULL,
        kind        TEXT    NOT NULL,
        incident_id INTEGER,
        node        TEXT,
        service     TEXT,
        data        TEXT    NOT NULL
      );
      CREATE INDEX events_ts ON events (ts);
      CREATE INDEX events_kind ON events (kind);
      CREATE INDEX events_incident_id ON events (incident_id);
      CREATE INDEX events_service ON events (service);

      CREATE TABLE nodes (
        name           TEXT    PRIMARY KEY,
        state          TEXT    NOT NULL,
        since          INTEGER NOT NULL,
        last_heartbeat INTEGER,
        agent_version  TEXT,
        outbox_id      TEXT,
        acked_seq      INTEGER NOT NULL
      );

      CREATE TABLE services (
        name       TEXT    PRIMARY KEY,
        node       TEXT    NOT NULL,
        health     TEXT    NOT NULL,
        since      INTEGER NOT NULL,
        detail     TEXT    NOT NULL,
        pid        INTEGER,
        running    INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE alerts (
        fingerprint TEXT    PRIMARY KEY,
        labels      TEXT    NOT NULL,
        annotations TEXT    NOT NULL,
        state       TEXT    NOT NULL,
        active_at   INTEGER NOT NULL,
        fired_at    INTEGER,
        resolved_at INTEGER,
        value       REAL,
        updated_at  INTEGER NOT NULL
      );

      CREATE TABLE incidents (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        key             TEXT    NOT NULL,
        kind            TEXT    NOT NULL,
        target          TEXT    NOT NULL,
        node            TEXT,
        state           TEXT    NOT NULL,
        title           TEXT    NOT NULL,
        first_signal_at INTEGER NOT NULL,
        detected_at     INTEGER NOT NULL,
        recovered_at    INTEGER,
        resolved_at     INTEGER,
        escalated_at    INTEGER,
        root_cause      TEXT,
        updated_at      INTEGER NOT NULL
      );
      CREATE INDEX incidents_key_state ON incidents (key, state);

      CREATE TABLE notifications (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        receiver        TEXT    NOT NULL,
        payload         TEXT    NOT NULL,
        state           TEXT    NOT NULL,
        attempts        INTEGER NOT NULL,
        next_attempt_at INTEGER NOT NULL,
        last_error      TEXT,
        created_at      INTEGER NOT NULL,
        sent_at         INTEGER
      );
      CREATE INDEX notifications_state_next_attempt_at ON notifications (state, next_attempt_at);
    `,
  },
  {
    version: 2,
    name: "notification log and keepFiringFor deadlines",
    up: `
      CREATE TABLE notification_log (
        receiver  TEXT    NOT NULL,
        group_key TEXT    NOT NULL,
        firing    TEXT    NOT NULL,
        resolved  TEXT    NOT NULL,
        sent_at   INTEGER NOT NULL,
        PRIMARY KEY (receiver, group_key)
      );
      ALTER TABLE alerts ADD COLUMN keep_firing_until INTEGER;
    `,
  },
  {
    version: 3,
    name: "silences",
    up: `
      CREATE TABLE silences (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        matchers   TEXT    NOT NULL,
        starts_at  INTEGER NOT NULL,
        ends_at    INTEGER NOT NULL,
        created_by TEXT    NOT NULL,
        comment    TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        expired_at INTEGER
      );
    `,
  },
  {
    version: 4,
    name: "incident localization and correlated members",
    up: `
      ALTER TABLE incidents ADD COLUMN root_key     TEXT;
      ALTER TABLE incidents ADD COLUMN cause        TEXT;
      ALTER TABLE incidents ADD COLUMN confidence   REAL;
      ALTER TABLE incidents ADD COLUMN localized_at INTEGER;
      ALTER TABLE incidents ADD COLUMN members      TEXT NOT NULL DEFAULT '[]';
    `,
  },
  {
    version: 5,
    name: "service placements after failover, and fenced instances",
    up: `
      CREATE TABLE placements (
        service    TEXT PRIMARY KEY,
        node       TEXT    NOT NULL,
        fenced     TEXT    NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: "processed seq of a node's outbox, apart from the acknowledged one",
    // Before, a message was acknowledged as soon as it was processed: the two were equal.
    up: `
      ALTER TABLE nodes ADD COLUMN processed_seq INTEGER NOT NULL DEFAULT 0;
      UPDATE nodes SET processed_seq = acked_seq;
    `,
  },
  {
    version: 7,
    name: "API tokens (hashed), login sessions and the audit log",
    up: `
      CREATE TABLE api_tokens (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        name         TEXT    NOT NULL,
        role         TEXT    NOT NULL,
        hash         TEXT    NOT NULL UNIQUE,
        created_at   INTEGER NOT NULL,
        created_by   TEXT    NOT NULL,
        last_used_at INTEGER,
        revoked_at   INTEGER
      );
      CREATE TABLE api_sessions (
        hash       TEXT    PRIMARY KEY,
        token_id   INTEGER NOT NULL REFERENCES api_tokens (id),
        csrf       TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE audit_log (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        ts      INTEGER NOT NULL,
        actor   TEXT    NOT NULL,
        via     TEXT    NOT NULL,
        role    TEXT,
        action  TEXT    NOT NULL,
        target  TEXT    NOT NULL,
        result  TEXT    NOT NULL,
        status  INTEGER,
        address TEXT,
        detail  TEXT    NOT NULL
      );
      CREATE INDEX audit_log_ts ON audit_log (ts);
      CREATE INDEX audit_log_actor ON audit_log (actor);
    `,
  },
];

/** The schema version this build of Vigil writes: the last migration's version. */
export function latestSchemaVersion(list: readonly Migration[] = migrations): number {
  return list.length === 0 ? 0 : list[list.length - 1]!.version;
}

/**
 * Applies the migrations of `list` that the database has not recorded yet, in order, and
 * returns the versions it applied. Throws if the database is newer than `list` knows, or if
 * a migration fails (that migration is rolled back; earlier ones stay applied).
 */
export function applyMigrations(db: Database.Database, list: readonly Migration[] = migrations): number[] {
  checkMigrationList(list);
  const latest = latestSchemaVersion(list);
  const found = db.pragma("user_version", { simple: true }) as number;
  if (found > latest) {
    throw new Error(`database schema version ${found} is newer than this Vigil (${latest}): upgrade Vigil`);
  }

  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const isApplied = db.prepare<[number], { one: number }>("SELECT 1 AS one FROM schema_migrations WHERE version = ?");
  const record = db.prepare<[number, string, number]>(
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
  );

  const applied: number[] = [];
  for (const migration of list) {
    // IMMEDIATE takes the write lock before the check, so two processes opening the same
    // file at once cannot both apply a migration: the second waits (busy_timeout), then sees it.
    const applyOne = db.transaction((): boolean => {
      if (isApplied.get(migration.version)) return false;
      db.exec(migration.up);
      record.run(migration.version, migration.name, Date.now());
      db.pragma(`user_version = ${migration.version}`);
      return true;
    });
    let didApply: boolean;
    try {
      didApply = applyOne.immediate();
    } catch (err) {
      throw new Error(`migration ${migration.version} (${migration.name}) failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (didApply) applied.push(migration.version);
  }
  return applied;
}

function checkMigrationList(list: readonly Migration[]): void {
  list.forEach((migration, index) => {
    const expected = index + 1;
    if (migration.version !== expected) {
      throw new Error(
        `migration list is out of order: entry ${index} ("${migration.name}") has version ${migration.version}, expected ${expected}`,
      );
    }
  });
}
