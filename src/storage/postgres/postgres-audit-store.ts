// AuditStore on PostgreSQL (table audit_log, migration 1; detail as JSONB).
import type { AuditEntry, AuditQuery, AuditStore, NewAuditEntry } from "../audit-store.js";
import type { PostgresDatabase } from "./postgres-database.js";

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
  detail: Record<string, unknown>;
}

const DEFAULT_LIMIT = 100;

export class PostgresAuditStore implements AuditStore {
  constructor(private readonly db: PostgresDatabase) {}

  appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    return this.db.attempt("appendAudit", async (q) => {
      const [row] = await q<AuditRow>(
        `INSERT INTO audit_log (ts, actor, via, role, action, target, result, status, address, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb) RETURNING *`,
        [
          entry.ts,
          entry.actor,
          entry.via,
          entry.role,
          entry.action,
          entry.target,
          entry.result,
          entry.status,
          entry.address,
          JSON.stringify(entry.detail ?? {}),
        ],
      );
      return entryFromRow(row!);
    });
  }

  listAudit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    return this.db.attempt("listAudit", async (q) => {
      // Optional filters as NULL-able parameters keep one statement for every combination.
      const rows = await q<AuditRow>(
        `SELECT * FROM audit_log
         WHERE ($1::bigint IS NULL OR ts >= $1) AND ($2::text IS NULL OR actor = $2)
         ORDER BY id DESC LIMIT $3`,
        [query.since ?? null, query.actor ?? null, query.limit ?? DEFAULT_LIMIT],
      );
      return rows.map(entryFromRow);
    });
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
    detail: row.detail,
  };
}
