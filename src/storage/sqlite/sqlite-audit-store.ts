// AuditStore on the SQLite file (table audit_log, migration 7).
import type Database from "better-sqlite3";
import type { AuditEntry, AuditQuery, AuditStore, NewAuditEntry } from "../audit-store.js";

interface AuditRow {
  id: number;
  ts: number;
  actor: string;
  via: string;
  role: string | null;
  action: string;
  target: string;
  result: string;
  status: number | null;
  address: string | null;
  detail: string;
}

type Params = Record<string, string | number | null>;

const DEFAULT_LIMIT = 100;

export class SqliteAuditStore implements AuditStore {
  private readonly insert: Database.Statement<[Params]>;
  private readonly select: Database.Statement<[Params], AuditRow>;

  constructor(db: Database.Database) {
    this.insert = db.prepare(
      `INSERT INTO audit_log (ts, actor, via, role, action, target, result, status, address, detail)
       VALUES (@ts, @actor, @via, @role, @action, @target, @result, @status, @address, @detail)`,
    );
    // Optional filters as NULL-able parameters keep one statement for every combination.
    this.select = db.prepare(
      `SELECT * FROM audit_log
       WHERE (@since IS NULL OR ts >= @since) AND (@actor IS NULL OR actor = @actor)
       ORDER BY id DESC LIMIT @limit`,
    );
  }

  appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    try {
      const detail = JSON.stringify(entry.detail ?? {});
      const result = this.insert.run({ ...entry, detail });
      return Promise.resolve({ ...entry, id: Number(result.lastInsertRowid) });
    } catch (err) {
      return Promise.reject(new Error(`storage appendAudit failed: ${(err as Error).message}`, { cause: err }));
    }
  }

  listAudit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    try {
      const rows = this.select.all({ since: query.since ?? null, actor: query.actor ?? null, limit: query.limit ?? DEFAULT_LIMIT });
      return Promise.resolve(rows.map(entryFromRow));
    } catch (err) {
      return Promise.reject(new Error(`storage listAudit failed: ${(err as Error).message}`, { cause: err }));
    }
  }
}

function entryFromRow(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    ts: row.ts,
    actor: row.actor,
    via: row.via as AuditEntry["via"],
    role: row.role,
    action: row.action,
    target: row.target,
    result: row.result as AuditEntry["result"],
    status: row.status,
    address: row.address,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
  };
}
