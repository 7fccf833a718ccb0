// Storage on PostgreSQL (`pg`, a connection pool): the shared store of several server
// replicas. Same records, queries and error messages as the SQLite storage; columns are
// snake_case, records camelCase; times are BIGINT ms read back as numbers (postgres-pool.ts),
// JSON is JSONB, and every statement's result is built from what the database returned.
import type pg from "pg";
import type {
  AlertRecord,
  EventQuery,
  IncidentQuery,
  IncidentRecord,
  JournalEvent,
  NewIncident,
  NewJournalEvent,
  NewNotification,
  NewSilence,
  NodeRecord,
  NotificationLogEntry,
  NotificationRecord,
  NotificationState,
  PlacementRecord,
  ServiceRecord,
  SilenceRecord,
  Storage,
} from "../storage.js";
import {
  alertFromRow,
  eventFromRow,
  incidentFromRow,
  nodeFromRow,
  notificationFromRow,
  notificationLogFromRow,
  placementFromRow,
  silenceFromRow,
  serviceFromRow,
  type AlertRow,
  type EventRow,
  type IncidentRow,
  type NodeRow,
  type NotificationLogRow,
  type NotificationRow,
  type PlacementRow,
  type ServiceRow,
  type SilenceRow,
} from "../record-rows.js";
import { checkEventData, checkFingerprintLists, checkLimit, checkOrder, printable } from "../record-checks.js";
import { SecretScrubber } from "../../util/secrets.js";
import { applyMigrations } from "./migrations.js";
import { createPool, describePostgresUrl, parsePostgresUrl, type PoolOptions } from "./postgres-pool.js";
import { PostgresAuditStore } from "./postgres-audit-store.js";
import { PostgresTokenStore } from "./postgres-token-store.js";
import { PostgresDatabase } from "./postgres-database.js";

const DEFAULT_EVENT_LIMIT = 1000;
const DEFAULT_INCIDENT_LIMIT = 100;
const DEFAULT_NOTIFICATION_LIMIT = 100;


/**
 * Connects to the database at `url` (postgres://USER:PASSWORD@HOST:PORT/DATABASE) and brings
 * its schema up to date. Errors name the host, port and database, never the password.
 */
export async function openPostgresStorage(url: string, options: PoolOptions = {}): Promise<PostgresStorage> {
  let parsed: URL;
  try {
    parsed = parsePostgresUrl(url);
  } catch (err) {
    throw new Error(`cannot open PostgreSQL storage: ${(err as Error).message}`, { cause: err });
  }
  const where = describePostgresUrl(parsed);
  const scrubber = new SecretScrubber(parsed.password === "" ? [] : [parsed.password, decodeURIComponent(parsed.password)]);
  const pool = createPool(url, options);
  try {
    await applyMigrations(pool);
    return new PostgresStorage(pool);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(scrubber.scrub(`cannot open storage at ${where}: ${reason(err)}`), { cause: err });
  }
}

/** pg's connection errors can be an AggregateError (one per address tried) with an empty message. */
function reason(err: unknown): string {
  const e = err as Error & { errors?: Error[]; code?: string };
  if (e.message) return e.message;
  if (Array.isArray(e.errors) && e.errors.length > 0) return e.errors.map((x) => x.message).join("; ");
  return e.code ?? String(err);
}

export class PostgresStorage implements Storage {
  private readonly db: PostgresDatabase;
  readonly tokens: PostgresTokenStore;
  readonly audit: PostgresAuditStore;

  /** Takes a pool whose database schema is current (see openPostgresStorage). */
  constructor(pool: pg.Pool) {
    this.db = new PostgresDatabase(pool);
    this.tokens = new PostgresTokenStore(this.db);
    this.audit = new PostgresAuditStore(this.db);
  }

  appendEvent(event: NewJournalEvent): Promise<JournalEvent> {
    return this.db.attempt(`appendEvent(${printable(event?.kind)})`, async (q) => {
      checkEventData(event?.data);
      const [row] = await q<EventRow>(
        `INSERT INTO events (ts, kind, incident_id, node, service, data) VALUES ($1, $2, $3, $4, $5, $6::jsonb)
         RETURNING *`,
        [event.ts, event.kind, event.incidentId ?? null, event.node ?? null, event.service ?? null, JSON.stringify(event.data)],
      );
      return eventFromRow(row!);
    });
  }

  listEvents(query: EventQuery = {}): Promise<JournalEvent[]> {
    return this.db.attempt("listEvents", async (q) => {
      const conditions: string[] = [];
      const params: unknown[] = [];
      const filter = (condition: (param: string) => string, value: unknown) => {
        if (value === undefined) return;
        params.push(value);
        conditions.push(condition(`$${params.length}`));
      };
      const limit = checkLimit(query.limit, DEFAULT_EVENT_LIMIT);
      const order = checkOrder(query.order);
      filter((p) => `id > ${p}`, query.afterId);
      filter((p) => `ts >= ${p}`, query.since);
      filter((p) => `ts < ${p}`, query.until);
      filter((p) => `kind = ANY(${p}::text[])`, query.kinds);
      filter((p) => `incident_id = ${p}`, query.incidentId);
      filter((p) => `node = ${p}`, query.node);
      filter((p) => `service = ${p}`, query.service);
      params.push(limit);
      // Journal order is append order (id), as in SQLite: a late observation comes later.
      const sql =
        "SELECT * FROM events" +
        (conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "") +
        ` ORDER BY id ${order} LIMIT $${params.length}`;
      return (await q<EventRow>(sql, params)).map(eventFromRow);
    });
  }

  upsertNode(node: NodeRecord): Promise<void> {
    return this.db.attempt(`upsertNode(${printable(node?.name)})`, async (q) => {
      await q(
        `INSERT INTO nodes (name, state, since, last_heartbeat, agent_version, outbox_id, acked_seq, processed_seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (name) DO UPDATE SET
           state = excluded.state, since = excluded.since, last_heartbeat = excluded.last_heartbeat,
           agent_version = excluded.agent_version, outbox_id = excluded.outbox_id,
           acked_seq = CASE WHEN nodes.outbox_id IS NOT DISTINCT FROM excluded.outbox_id THEN GREATEST(nodes.acked_seq, excluded.acked_seq) ELSE excluded.acked_seq END,
           processed_seq = CASE WHEN nodes.outbox_id IS NOT DISTINCT FROM excluded.outbox_id THEN GREATEST(nodes.processed_seq, excluded.processed_seq) ELSE excluded.processed_seq END`,
        [node.name, node.state, node.since, node.lastHeartbeat, node.agentVersion, node.outboxId, node.ackedSeq, node.processedSeq],
      );
    });
  }

  listNodes(): Promise<NodeRecord[]> {
    return this.db.attempt("listNodes", async (q) => (await q<NodeRow>("SELECT * FROM nodes ORDER BY name COLLATE \"C\"")).map(nodeFromRow));
  }

  getNode(name: string): Promise<NodeRecord | null> {
    return this.db.attempt(`getNode(${printable(name)})`, async (q) => {
      const [row] = await q<NodeRow>("SELECT * FROM nodes WHERE name = $1", [name]);
      return row === undefined ? null : nodeFromRow(row);
    });
  }

  upsertService(service: ServiceRecord): Promise<void> {
    return this.db.attempt(`upsertService(${printable(service?.name)})`, async (q) => {
      await q(
        `INSERT INTO services (name, node, health, since, detail, pid, running, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (name) DO UPDATE SET
           node = excluded.node, health = excluded.health, since = excluded.since, detail = excluded.detail,
           pid = excluded.pid, running = excluded.running, updated_at = excluded.updated_at`,
        [service.name, service.node, service.health, service.since, service.detail, service.pid, service.running === true, service.updatedAt],
      );
    });
  }

  listServices(): Promise<ServiceRecord[]> {
    return this.db.attempt("listServices", async (q) =>
      (await q<ServiceRow>("SELECT * FROM services ORDER BY name COLLATE \"C\"")).map(serviceFromRow),
    );
  }

  upsertAlert(alert: AlertRecord): Promise<void> {
    return this.db.attempt(`upsertAlert(${printable(alert?.fingerprint)})`, async (q) => {
      await q(
        `INSERT INTO alerts (fingerprint, labels, annotations, state, active_at, fired_at, resolved_at, value, updated_at,
           keep_firing_until)
         VALUES ($1, $2::jsonb, $3::jsonb, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (fingerprint) DO UPDATE SET
           labels = excluded.labels, annotations = excluded.annotations, state = excluded.state,
           active_at = excluded.active_at, fired_at = excluded.fired_at, resolved_at = excluded.resolved_at,
           value = excluded.value, updated_at = excluded.updated_at, keep_firing_until = excluded.keep_firing_until`,
        [
          alert.fingerprint,
          jsonParam(alert.labels),
          jsonParam(alert.annotations),
          alert.state,
          alert.activeAt,
          alert.firedAt,
          alert.resolvedAt,
          alert.value,
          alert.updatedAt,
          alert.keepFiringUntil ?? null,
        ],
      );
    });
  }

  listAlerts(query: { resolvedSince?: number } = {}): Promise<AlertRecord[]> {
    return this.db.attempt("listAlerts", async (q) => {
      const order = 'ORDER BY active_at, fingerprint COLLATE "C"';
      const rows =
        query.resolvedSince === undefined
          ? await q<AlertRow>(`SELECT * FROM alerts WHERE state <> 'resolved' ${order}`)
          : await q<AlertRow>(`SELECT * FROM alerts WHERE state <> 'resolved' OR resolved_at >= $1 ${order}`, [query.resolvedSince]);
      return rows.map(alertFromRow);
    });
  }

  createIncident(incident: NewIncident): Promise<IncidentRecord> {
    return this.db.attempt(`createIncident(${printable(incident?.key)})`, async (q) => {
      const [row] = await q<IncidentRow>(
        `INSERT INTO incidents (key, kind, target, node, state, title, first_signal_at, detected_at, recovered_at,
           resolved_at, escalated_at, root_cause, root_key, cause, confidence, localized_at, members, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::jsonb, $18)
         RETURNING *`,
        incidentParams(incident),
      );
      return incidentFromRow(row!);
    });
  }

  updateIncident(incident: IncidentRecord): Promise<void> {
    return this.db.attempt(`updateIncident(${printable(incident?.id)})`, async (q) => {
      const rows = await q(
        `UPDATE incidents SET key = $1, kind = $2, target = $3, node = $4, state = $5, title = $6,
           first_signal_at = $7, detected_at = $8, recovered_at = $9, resolved_at = $10, escalated_at = $11,
           root_cause = $12, root_key = $13, cause = $14, confidence = $15, localized_at = $16, members = $17::jsonb,
           updated_at = $18
         WHERE id = $19 RETURNING id`,
        [...incidentParams(incident), incident.id],
      );
      if (rows.length === 0) throw new Error(`no incident with id ${incident.id}`);
    });
  }

  getIncident(id: number): Promise<IncidentRecord | null> {
    return this.db.attempt(`getIncident(${printable(id)})`, async (q) => {
      const [row] = await q<IncidentRow>("SELECT * FROM incidents WHERE id = $1", [id]);
      return row ? incidentFromRow(row) : null;
    });
  }

  /** Newest first (by detectedAt, then id); `open: true` keeps only unresolved ones. */
  listIncidents(query: IncidentQuery = {}): Promise<IncidentRecord[]> {
    return this.db.attempt("listIncidents", async (q) => {
      const limit = checkLimit(query.limit, DEFAULT_INCIDENT_LIMIT);
      const rows = await q<IncidentRow>(
        `SELECT * FROM incidents
         WHERE ($1::boolean = false OR state <> 'resolved') AND ($2::text IS NULL OR key = $2)
         ORDER BY detected_at DESC, id DESC LIMIT $3`,
        [query.open === true, query.key ?? null, limit],
      );
      return rows.map(incidentFromRow);
    });
  }

  enqueueNotification(n: NewNotification): Promise<NotificationRecord> {
    return this.db.attempt(`enqueueNotification(${printable(n?.receiver)})`, async (q) => {
      const [row] = await q<NotificationRow>(
        `INSERT INTO notifications (receiver, payload, state, attempts, next_attempt_at, last_error, created_at, sent_at)
         VALUES ($1, $2, 'pending', 0, $3, NULL, $4, NULL) RETURNING *`,
        [n.receiver, n.payload, n.nextAttemptAt, n.createdAt],
      );
      return notificationFromRow(row!);
    });
  }

  dueNotifications(now: number, limit?: number): Promise<NotificationRecord[]> {
    return this.db.attempt("dueNotifications", async (q) => {
      const rows = await q<NotificationRow>(
        "SELECT * FROM notifications WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2",
        [now, checkLimit(limit, DEFAULT_NOTIFICATION_LIMIT)],
      );
      return rows.map(notificationFromRow);
    });
  }

  nextNotificationDue(): Promise<number | null> {
    return this.db.attempt("nextNotificationDue", async (q) => {
      const [row] = await q<{ due: number | null }>("SELECT MIN(next_attempt_at) AS due FROM notifications WHERE state = 'pending'");
      return row?.due ?? null;
    });
  }

  updateNotification(n: NotificationRecord): Promise<void> {
    return this.db.attempt(`updateNotification(${printable(n?.id)})`, async (q) => {
      const rows = await q(
        `UPDATE notifications SET receiver = $1, payload = $2, state = $3, attempts = $4, next_attempt_at = $5,
           last_error = $6, created_at = $7, sent_at = $8
         WHERE id = $9 RETURNING id`,
        [n.receiver, n.payload, n.state, n.attempts, n.nextAttemptAt, n.lastError, n.createdAt, n.sentAt, n.id],
      );
      if (rows.length === 0) throw new Error(`no notification with id ${n.id}`);
    });
  }

  /** Newest first; all states unless `state` is given; at most `limit` (default 100). */
  listNotifications(query: { state?: NotificationState; limit?: number } = {}): Promise<NotificationRecord[]> {
    return this.db.attempt("listNotifications", async (q) => {
      const rows = await q<NotificationRow>(
        "SELECT * FROM notifications WHERE ($1::text IS NULL OR state = $1) ORDER BY id DESC LIMIT $2",
        [query.state ?? null, checkLimit(query.limit, DEFAULT_NOTIFICATION_LIMIT)],
      );
      return rows.map(notificationFromRow);
    });
  }

  getNotificationLog(receiver: string, groupKey: string): Promise<NotificationLogEntry | null> {
    return this.db.attempt(`getNotificationLog(${printable(receiver)}, ${printable(groupKey)})`, async (q) => {
      const [row] = await q<NotificationLogRow>("SELECT * FROM notification_log WHERE receiver = $1 AND group_key = $2", [receiver, groupKey]);
      return row ? notificationLogFromRow(row) : null;
    });
  }

  putNotificationLog(entry: NotificationLogEntry): Promise<void> {
    return this.db.attempt(`putNotificationLog(${printable(entry?.receiver)}, ${printable(entry?.groupKey)})`, async (q) => {
      checkFingerprintLists(entry);
      await q(
        `INSERT INTO notification_log (receiver, group_key, firing, resolved, sent_at) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5)
         ON CONFLICT (receiver, group_key) DO UPDATE SET
           firing = excluded.firing, resolved = excluded.resolved, sent_at = excluded.sent_at`,
        [entry.receiver, entry.groupKey, JSON.stringify(entry.firing), JSON.stringify(entry.resolved), entry.sentAt],
      );
    });
  }

  createSilence(silence: NewSilence): Promise<SilenceRecord> {
    return this.db.attempt("createSilence", async (q) => {
      const [row] = await q<SilenceRow>(
        `INSERT INTO silences (matchers, starts_at, ends_at, created_by, comment, created_at, expired_at)
         VALUES ($1::jsonb, $2, $3, $4, $5, $6, $7) RETURNING *`,
        silenceParams(silence),
      );
      return silenceFromRow(row!);
    });
  }

  updateSilence(silence: SilenceRecord): Promise<void> {
    return this.db.attempt(`updateSilence(${printable(silence?.id)})`, async (q) => {
      const rows = await q(
        `UPDATE silences SET matchers = $1::jsonb, starts_at = $2, ends_at = $3, created_by = $4, comment = $5,
           created_at = $6, expired_at = $7
         WHERE id = $8 RETURNING id`,
        [...silenceParams(silence), silence.id],
      );
      if (rows.length === 0) throw new Error(`no silence with id ${silence.id}`);
    });
  }

  listSilences(): Promise<SilenceRecord[]> {
    return this.db.attempt("listSilences", async (q) => (await q<SilenceRow>("SELECT * FROM silences ORDER BY id")).map(silenceFromRow));
  }

  savePlacement(p: PlacementRecord): Promise<void> {
    return this.db.attempt(`savePlacement(${printable(p?.service)})`, async (q) => {
      await q(
        `INSERT INTO placements (service, node, fenced, updated_at) VALUES ($1, $2, $3::jsonb, $4)
         ON CONFLICT (service) DO UPDATE SET node = excluded.node, fenced = excluded.fenced, updated_at = excluded.updated_at`,
        [p.service, p.node, jsonParam(p.fenced), p.updatedAt],
      );
    });
  }

  listPlacements(): Promise<PlacementRecord[]> {
    return this.db.attempt("listPlacements", async (q) =>
      (await q<PlacementRow>('SELECT * FROM placements ORDER BY service COLLATE "C"')).map(placementFromRow),
    );
  }

  /** Ends the pool (waiting for queries in flight); later calls fail as on a closed SQLite database. */
  close(): Promise<void> {
    return this.db.close();
  }
}

/** JSON text for a JSONB parameter; undefined stays NULL so a NOT NULL column names the field. */
function jsonParam(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** $1..$18 of the incident statements. */
function incidentParams(i: NewIncident): unknown[] {
  return [
    i.key,
    i.kind,
    i.target,
    i.node,
    i.state,
    i.title,
    i.firstSignalAt,
    i.detectedAt,
    i.recoveredAt,
    i.resolvedAt,
    i.escalatedAt,
    i.rootCause,
    i.rootKey,
    i.cause,
    i.confidence,
    i.localizedAt,
    jsonParam(i.members),
    i.updatedAt,
  ];
}

/** $1..$7 of the silence statements. */
function silenceParams(s: NewSilence): unknown[] {
  return [jsonParam(s.matchers), s.startsAt, s.endsAt, s.createdBy, s.comment, s.createdAt, s.expiredAt ?? null];
}

