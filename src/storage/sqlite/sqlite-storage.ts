// Storage on one SQLite file (better-sqlite3): the embedded default. Work is synchronous
// inside each method; the Promise shape is the interface's, which PostgreSQL's needs.
// Columns are snake_case, records camelCase; JSON columns hold JSON text.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type {
  AlertRecord,
  EventQuery,
  IncidentQuery,
  IncidentRecord,
  JournalEvent,
  NewIncident,
  PlacementRecord,
  NewJournalEvent,
  NewNotification,
  NewSilence,
  NotificationLogEntry,
  NodeRecord,
  NotificationRecord,
  NotificationState,
  ServiceRecord,
  SilenceRecord,
  Storage,
} from "../storage.js";
import { checkEventData, checkFingerprintLists, checkLimit, checkOrder, printable } from "../record-checks.js";
import {
  alertFromRow,
  eventFromRow,
  incidentFromRow,
  nodeFromRow,
  notificationFromRow,
  notificationLogFromRow,
  placementFromRow,
  serviceFromRow,
  silenceFromRow,
  type AlertRow as SharedAlertRow,
  type EventRow as SharedEventRow,
  type IncidentRow as SharedIncidentRow,
  type NodeRow,
  type NotificationLogRow as SharedNotificationLogRow,
  type NotificationRow,
  type PlacementRow as SharedPlacementRow,
  type ServiceRow as SharedServiceRow,
  type SilenceRow as SharedSilenceRow,
} from "../record-rows.js";
import { applyMigrations } from "./migrations.js";
import { SqliteAuditStore } from "./sqlite-audit-store.js";
import { SqliteTokenStore } from "./sqlite-token-store.js";

const DEFAULT_EVENT_LIMIT = 1000;
const DEFAULT_INCIDENT_LIMIT = 100;
const DEFAULT_NOTIFICATION_LIMIT = 100;
/** How long a statement waits for another connection's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * A shared row (record-rows.ts) as SQLite stores it: the `Json` columns as JSON text, the
 * `Flags` columns as 0/1.
 */
type Stored<Row, Json extends keyof Row, Flags extends keyof Row = never> = Omit<Row, Json | Flags> & { [K in Json]: string } & { [K in Flags]: number };
type EventRow = Stored<SharedEventRow, "data">;
type ServiceRow = Stored<SharedServiceRow, never, "running">;
type AlertRow = Stored<SharedAlertRow, "labels" | "annotations">;
type PlacementRow = Stored<SharedPlacementRow, "fenced">;
type IncidentRow = Stored<SharedIncidentRow, "members">;
type NotificationLogRow = Stored<SharedNotificationLogRow, "firing" | "resolved">;
type SilenceRow = Stored<SharedSilenceRow, "matchers">;

type Params = Record<string, string | number | null>;
type Stmt<Row = unknown> = Database.Statement<[Params], Row>;
type ParamlessStmt<Row> = Database.Statement<[], Row>;

/**
 * Opens (creating if needed) the SQLite database at `path` and brings its schema up to
 * date. The parent directory is created; ":memory:" gives a private in-memory database.
 */
export function openSqliteStorage(path: string): SqliteStorage {
  if (typeof path !== "string" || path === "") {
    throw new Error("openSqliteStorage: path must be a file path or \":memory:\"");
  }
  let db: Database.Database | undefined;
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    // WAL lets readers (another process, a backup) run beside the writer; with
    // synchronous=NORMAL a commit is not fsynced until the checkpoint, so a power cut may
    // lose the last commits but never corrupts the file, which suits a journal of decisions.
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma("foreign_keys = ON");
    applyMigrations(db);
    return new SqliteStorage(db);
  } catch (err) {
    db?.close();
    throw new Error(`cannot open storage at ${path}: ${(err as Error).message}`, { cause: err });
  }
}

export class SqliteStorage implements Storage {
  private readonly insertEvent: Stmt;
  /** listEvents statements by SQL text: one per combination of filters used. */
  private readonly eventQueries = new Map<string, Stmt<EventRow>>();
  private readonly upsertNodeStmt: Stmt;
  private readonly selectNodes: ParamlessStmt<NodeRow>;
  private readonly selectNode: Stmt<NodeRow>;
  private readonly upsertServiceStmt: Stmt;
  private readonly selectServices: ParamlessStmt<ServiceRow>;
  private readonly upsertAlertStmt: Stmt;
  private readonly selectActiveAlerts: ParamlessStmt<AlertRow>;
  private readonly selectAlertsWithResolvedSince: Stmt<AlertRow>;
  private readonly insertIncident: Stmt;
  private readonly updateIncidentStmt: Stmt;
  private readonly selectIncident: Stmt<IncidentRow>;
  private readonly selectIncidents: Stmt<IncidentRow>;
  private readonly selectIncidentsByKey: Stmt<IncidentRow>;
  private readonly insertNotification: Stmt;
  private readonly updateNotificationStmt: Stmt;
  private readonly selectDueNotifications: Stmt<NotificationRow>;
  private readonly selectNextNotificationDue: ParamlessStmt<{ due: number | null }>;
  private readonly selectNotifications: Stmt<NotificationRow>;
  private readonly selectNotificationsByState: Stmt<NotificationRow>;
  private readonly selectNotificationLog: Stmt<NotificationLogRow>;
  private readonly upsertNotificationLog: Stmt;

  private readonly insertSilence: Stmt;
  private readonly updateSilenceStmt: Stmt;
  private readonly selectSilences: ParamlessStmt<SilenceRow>;
  private readonly upsertPlacement: Stmt;
  private readonly selectPlacements: ParamlessStmt<PlacementRow>;

  readonly tokens: SqliteTokenStore;
  readonly audit: SqliteAuditStore;

  /** Takes a database whose schema is current (see openSqliteStorage). */
  constructor(private readonly db: Database.Database) {
    this.tokens = new SqliteTokenStore(db);
    this.audit = new SqliteAuditStore(db);
    this.insertEvent = db.prepare(
      `INSERT INTO events (ts, kind, incident_id, node, service, data)
       VALUES (@ts, @kind, @incidentId, @node, @service, @data)`,
    );
    this.upsertNodeStmt = db.prepare(
      `INSERT INTO nodes (name, state, since, last_heartbeat, agent_version, outbox_id, acked_seq, processed_seq)
       VALUES (@name, @state, @since, @lastHeartbeat, @agentVersion, @outboxId, @ackedSeq, @processedSeq)
       ON CONFLICT (name) DO UPDATE SET
         state = excluded.state, since = excluded.since, last_heartbeat = excluded.last_heartbeat,
         agent_version = excluded.agent_version, outbox_id = excluded.outbox_id,
         acked_seq = CASE WHEN nodes.outbox_id IS excluded.outbox_id THEN max(nodes.acked_seq, excluded.acked_seq) ELSE excluded.acked_seq END,
         processed_seq = CASE WHEN nodes.outbox_id IS excluded.outbox_id THEN max(nodes.processed_seq, excluded.processed_seq) ELSE excluded.processed_seq END`,
    );
    this.selectNodes = db.prepare("SELECT * FROM nodes ORDER BY name");
    this.selectNode = db.prepare("SELECT * FROM nodes WHERE name = @name");
    this.upsertServiceStmt = db.prepare(
      `INSERT INTO services (name, node, health, since, detail, pid, running, updated_at)
       VALUES (@name, @node, @health, @since, @detail, @pid, @running, @updatedAt)
       ON CONFLICT (name) DO UPDATE SET
         node = excluded.node, health = excluded.health, since = excluded.since, detail = excluded.detail,
         pid = excluded.pid, running = excluded.running, updated_at = excluded.updated_at`,
    );
    this.selectServices = db.prepare("SELECT * FROM services ORDER BY name");
    this.upsertAlertStmt = db.prepare(
      `INSERT INTO alerts (fingerprint, labels, annotations, state, active_at, fired_at, resolved_at, value, updated_at,
         keep_firing_until)
       VALUES (@fingerprint, @labels, @annotations, @state, @activeAt, @firedAt, @resolvedAt, @value, @updatedAt,
         @keepFiringUntil)
       ON CONFLICT (fingerprint) DO UPDATE SET
         labels = excluded.labels, annotations = excluded.annotations, state = excluded.state,
         active_at = excluded.active_at, fired_at = excluded.fired_at, resolved_at = excluded.resolved_at,
         value = excluded.value, updated_at = excluded.updated_at, keep_firing_until = excluded.keep_firing_until`,
    );
    this.selectActiveAlerts = db.prepare(
      "SELECT * FROM alerts WHERE state != 'resolved' ORDER BY active_at, fingerprint",
    );
    this.selectAlertsWithResolvedSince = db.prepare(
      `SELECT * FROM alerts WHERE state != 'resolved' OR resolved_at >= @resolvedSince
       ORDER BY active_at, fingerprint`,
    );
    this.insertIncident = db.prepare(
      `INSERT INTO incidents (key, kind, target, node, state, title, first_signal_at, detected_at,
         recovered_at, resolved_at, escalated_at, root_cause, root_key, cause, confidence, localized_at, members, updated_at)
       VALUES (@key, @kind, @target, @node, @state, @title, @firstSignalAt, @detectedAt,
         @recoveredAt, @resolvedAt, @escalatedAt, @rootCause, @rootKey, @cause, @confidence, @localizedAt, @members, @updatedAt)`,
    );
    this.updateIncidentStmt = db.prepare(
      `UPDATE incidents SET key = @key, kind = @kind, target = @target, node = @node, state = @state,
         title = @title, first_signal_at = @firstSignalAt, detected_at = @detectedAt,
         recovered_at = @recoveredAt, resolved_at = @resolvedAt, escalated_at = @escalatedAt,
         root_cause = @rootCause, root_key = @rootKey, cause = @cause, confidence = @confidence,
         localized_at = @localizedAt, members = @members, updated_at = @updatedAt
       WHERE id = @id`,
    );
    this.selectIncident = db.prepare("SELECT * FROM incidents WHERE id = @id");
    // "Newest" is the latest detection; id breaks ties so the order is total.
    const incidentOrder = "ORDER BY detected_at DESC, id DESC LIMIT @limit";
    this.selectIncidents = db.prepare(
      `SELECT * FROM incidents WHERE (@openOnly = 0 OR state != 'resolved') ${incidentOrder}`,
    );
    this.selectIncidentsByKey = db.prepare(
      `SELECT * FROM incidents WHERE key = @key AND (@openOnly = 0 OR state != 'resolved') ${incidentOrder}`,
    );
    this.insertNotification = db.prepare(
      `INSERT INTO notifications (receiver, payload, state, attempts, next_attempt_at, last_error, created_at, sent_at)
       VALUES (@receiver, @payload, 'pending', 0, @nextAttemptAt, NULL, @createdAt, NULL)`,
    );
    this.updateNotificationStmt = db.prepare(
      `UPDATE notifications SET receiver = @receiver, payload = @payload, state = @state, attempts = @attempts,
         next_attempt_at = @nextAttemptAt, last_error = @lastError, created_at = @createdAt, sent_at = @sentAt
       WHERE id = @id`,
    );
    // Oldest means enqueued first, so a receiver gets due messages in the order they were made.
    this.selectDueNotifications = db.prepare(
      `SELECT * FROM notifications WHERE state = 'pending' AND next_attempt_at <= @now
       ORDER BY id LIMIT @limit`,
    );
    this.selectNextNotificationDue = db.prepare(
      "SELECT MIN(next_attempt_at) AS due FROM notifications WHERE state = 'pending'",
    );
    this.selectNotifications = db.prepare("SELECT * FROM notifications ORDER BY id DESC LIMIT @limit");
    this.selectNotificationsByState = db.prepare(
      "SELECT * FROM notifications WHERE state = @state ORDER BY id DESC LIMIT @limit",
    );
    this.insertSilence = db.prepare(
      `INSERT INTO silences (matchers, starts_at, ends_at, created_by, comment, created_at, expired_at)
       VALUES (@matchers, @startsAt, @endsAt, @createdBy, @comment, @createdAt, @expiredAt)`,
    );
    this.updateSilenceStmt = db.prepare(
      `UPDATE silences SET matchers = @matchers, starts_at = @startsAt, ends_at = @endsAt, created_by = @createdBy,
         comment = @comment, created_at = @createdAt, expired_at = @expiredAt
       WHERE id = @id`,
    );
    this.selectSilences = db.prepare("SELECT * FROM silences ORDER BY id");
    this.upsertPlacement = db.prepare(
      `INSERT INTO placements (service, node, fenced, updated_at) VALUES (@service, @node, @fenced, @updatedAt)
       ON CONFLICT (service) DO UPDATE SET node = excluded.node, fenced = excluded.fenced, updated_at = excluded.updated_at`,
    );
    this.selectPlacements = db.prepare("SELECT * FROM placements ORDER BY service");
    this.selectNotificationLog = db.prepare(
      "SELECT * FROM notification_log WHERE receiver = @receiver AND group_key = @groupKey",
    );
    this.upsertNotificationLog = db.prepare(
      `INSERT INTO notification_log (receiver, group_key, firing, resolved, sent_at)
       VALUES (@receiver, @groupKey, @firing, @resolved, @sentAt)
       ON CONFLICT (receiver, group_key) DO UPDATE SET
         firing = excluded.firing, resolved = excluded.resolved, sent_at = excluded.sent_at`,
    );
  }

  appendEvent(event: NewJournalEvent): Promise<JournalEvent> {
    return this.attempt(`appendEvent(${printable(event?.kind)})`, () => {
      checkEventData(event?.data);
      const data = JSON.stringify(event.data);
      const result = this.insertEvent.run({
        ts: event.ts,
        kind: event.kind,
        incidentId: event.incidentId ?? null,
        node: event.node ?? null,
        service: event.service ?? null,
        data,
      });
      // Built from what was stored, so the caller sees exactly what listEvents will return.
      return eventOf({
        id: Number(result.lastInsertRowid),
        ts: event.ts,
        kind: event.kind,
        incident_id: event.incidentId ?? null,
        node: event.node ?? null,
        service: event.service ?? null,
        data,
      });
    });
  }

  listEvents(query: EventQuery = {}): Promise<JournalEvent[]> {
    return this.attempt("listEvents", () => {
      const conditions: string[] = [];
      const params: Params = { limit: checkLimit(query.limit, DEFAULT_EVENT_LIMIT) };
      const filter = (condition: string, name: string, value: string | number | undefined) => {
        if (value === undefined) return;
        conditions.push(condition);
        params[name] = value;
      };
      filter("id > @afterId", "afterId", query.afterId);
      filter("ts >= @since", "since", query.since);
      filter("ts < @until", "until", query.until);
      // One JSON-array parameter instead of "IN (?, ?, ...)" keeps the SQL text, and so the
      // cached statement, the same however many kinds are asked for.
      filter("kind IN (SELECT value FROM json_each(@kinds))", "kinds", query.kinds && JSON.stringify(query.kinds));
      filter("incident_id = @incidentId", "incidentId", query.incidentId);
      filter("node = @node", "node", query.node);
      filter("service = @service", "service", query.service);
      const order = checkOrder(query.order);
      // Journal order is append order (id): an event stamped earlier but stored later comes
      // later, which keeps "afterId" tailing and pagination consistent.
      const sql =
        "SELECT * FROM events" +
        (conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "") +
        ` ORDER BY id ${order} LIMIT @limit`;
      let statement = this.eventQueries.get(sql);
      if (!statement) {
        statement = this.db.prepare<[Params], EventRow>(sql);
        this.eventQueries.set(sql, statement);
      }
      return statement.all(params).map(eventOf);
    });
  }

  upsertNode(node: NodeRecord): Promise<void> {
    return this.attempt(`upsertNode(${printable(node?.name)})`, () => {
      this.upsertNodeStmt.run({
        name: node.name,
        state: node.state,
        since: node.since,
        lastHeartbeat: node.lastHeartbeat,
        agentVersion: node.agentVersion,
        outboxId: node.outboxId,
        ackedSeq: node.ackedSeq,
        processedSeq: node.processedSeq,
      });
    });
  }

  listNodes(): Promise<NodeRecord[]> {
    return this.attempt("listNodes", () => this.selectNodes.all().map(nodeFromRow));
  }

  getNode(name: string): Promise<NodeRecord | null> {
    return this.attempt(`getNode(${printable(name)})`, () => {
      const row = this.selectNode.get({ name });
      return row === undefined ? null : nodeFromRow(row);
    });
  }

  upsertService(service: ServiceRecord): Promise<void> {
    return this.attempt(`upsertService(${printable(service?.name)})`, () => {
      this.upsertServiceStmt.run({
        name: service.name,
        node: service.node,
        health: service.health,
        since: service.since,
        detail: service.detail,
        pid: service.pid,
        running: service.running ? 1 : 0,
        updatedAt: service.updatedAt,
      });
    });
  }

  listServices(): Promise<ServiceRecord[]> {
    return this.attempt("listServices", () => this.selectServices.all().map(serviceOf));
  }

  upsertAlert(alert: AlertRecord): Promise<void> {
    return this.attempt(`upsertAlert(${printable(alert?.fingerprint)})`, () => {
      this.upsertAlertStmt.run({
        fingerprint: alert.fingerprint,
        labels: JSON.stringify(alert.labels),
        annotations: JSON.stringify(alert.annotations),
        state: alert.state,
        activeAt: alert.activeAt,
        firedAt: alert.firedAt,
        resolvedAt: alert.resolvedAt,
        value: alert.value,
        updatedAt: alert.updatedAt,
        keepFiringUntil: alert.keepFiringUntil ?? null,
      });
    });
  }

  listAlerts(query: { resolvedSince?: number } = {}): Promise<AlertRecord[]> {
    return this.attempt("listAlerts", () => {
      const rows =
        query.resolvedSince === undefined
          ? this.selectActiveAlerts.all()
          : this.selectAlertsWithResolvedSince.all({ resolvedSince: query.resolvedSince });
      return rows.map(alertOf);
    });
  }

  createIncident(incident: NewIncident): Promise<IncidentRecord> {
    return this.attempt(`createIncident(${printable(incident?.key)})`, () => {
      const result = this.insertIncident.run(incidentParams(incident));
      return { id: Number(result.lastInsertRowid), ...copyIncidentFields(incident) };
    });
  }

  updateIncident(incident: IncidentRecord): Promise<void> {
    return this.attempt(`updateIncident(${printable(incident?.id)})`, () => {
      const result = this.updateIncidentStmt.run({ id: incident.id, ...incidentParams(incident) });
      if (result.changes === 0) throw new Error(`no incident with id ${incident.id}`);
    });
  }

  getIncident(id: number): Promise<IncidentRecord | null> {
    return this.attempt(`getIncident(${printable(id)})`, () => {
      const row = this.selectIncident.get({ id });
      return row ? incidentOf(row) : null;
    });
  }

  /** Newest first (by detectedAt); `open: true` keeps only unresolved ones, `false` or absent keeps all. */
  listIncidents(query: IncidentQuery = {}): Promise<IncidentRecord[]> {
    return this.attempt("listIncidents", () => {
      const params = { openOnly: query.open === true ? 1 : 0, limit: checkLimit(query.limit, DEFAULT_INCIDENT_LIMIT) };
      const rows =
        query.key === undefined
          ? this.selectIncidents.all(params)
          : this.selectIncidentsByKey.all({ ...params, key: query.key });
      return rows.map(incidentOf);
    });
  }

  enqueueNotification(n: NewNotification): Promise<NotificationRecord> {
    return this.attempt(`enqueueNotification(${printable(n?.receiver)})`, () => {
      const result = this.insertNotification.run({
        receiver: n.receiver,
        payload: n.payload,
        nextAttemptAt: n.nextAttemptAt,
        createdAt: n.createdAt,
      });
      return {
        id: Number(result.lastInsertRowid),
        receiver: n.receiver,
        payload: n.payload,
        state: "pending",
        attempts: 0,
        nextAttemptAt: n.nextAttemptAt,
        lastError: null,
        createdAt: n.createdAt,
        sentAt: null,
      };
    });
  }

  dueNotifications(now: number, limit?: number): Promise<NotificationRecord[]> {
    return this.attempt("dueNotifications", () =>
      this.selectDueNotifications
        .all({ now, limit: checkLimit(limit, DEFAULT_NOTIFICATION_LIMIT) })
        .map(notificationFromRow),
    );
  }

  nextNotificationDue(): Promise<number | null> {
    return this.attempt("nextNotificationDue", () => this.selectNextNotificationDue.get()?.due ?? null);
  }

  updateNotification(n: NotificationRecord): Promise<void> {
    return this.attempt(`updateNotification(${printable(n?.id)})`, () => {
      const result = this.updateNotificationStmt.run({
        id: n.id,
        receiver: n.receiver,
        payload: n.payload,
        state: n.state,
        attempts: n.attempts,
        nextAttemptAt: n.nextAttemptAt,
        lastError: n.lastError,
        createdAt: n.createdAt,
        sentAt: n.sentAt,
      });
      if (result.changes === 0) throw new Error(`no notification with id ${n.id}`);
    });
  }

  /** Newest first; all states unless `state` is given; at most `limit` (default 100). */
  listNotifications(query: { state?: NotificationState; limit?: number } = {}): Promise<NotificationRecord[]> {
    return this.attempt("listNotifications", () => {
      const limit = checkLimit(query.limit, DEFAULT_NOTIFICATION_LIMIT);
      const rows =
        query.state === undefined
          ? this.selectNotifications.all({ limit })
          : this.selectNotificationsByState.all({ state: query.state, limit });
      return rows.map(notificationFromRow);
    });
  }

  getNotificationLog(receiver: string, groupKey: string): Promise<NotificationLogEntry | null> {
    return this.attempt(`getNotificationLog(${printable(receiver)}, ${printable(groupKey)})`, () => {
      const row = this.selectNotificationLog.get({ receiver, groupKey });
      return row ? notificationLogOf(row) : null;
    });
  }

  putNotificationLog(entry: NotificationLogEntry): Promise<void> {
    return this.attempt(`putNotificationLog(${printable(entry?.receiver)}, ${printable(entry?.groupKey)})`, () => {
      checkFingerprintLists(entry);
      this.upsertNotificationLog.run({
        receiver: entry.receiver,
        groupKey: entry.groupKey,
        firing: JSON.stringify(entry.firing),
        resolved: JSON.stringify(entry.resolved),
        sentAt: entry.sentAt,
      });
    });
  }

  createSilence(silence: NewSilence): Promise<SilenceRecord> {
    return this.attempt("createSilence", () => {
      const result = this.insertSilence.run(silenceParams(silence));
      return silenceOf({ id: Number(result.lastInsertRowid), ...silenceRowFields(silence) });
    });
  }

  updateSilence(silence: SilenceRecord): Promise<void> {
    return this.attempt(`updateSilence(${printable(silence?.id)})`, () => {
      const result = this.updateSilenceStmt.run({ id: silence.id, ...silenceParams(silence) });
      if (result.changes === 0) throw new Error(`no silence with id ${silence.id}`);
    });
  }

  listSilences(): Promise<SilenceRecord[]> {
    return this.attempt("listSilences", () => this.selectSilences.all().map(silenceOf));
  }

  savePlacement(p: PlacementRecord): Promise<void> {
    return this.attempt(`savePlacement(${printable(p?.service)})`, () => {
      this.upsertPlacement.run({ service: p.service, node: p.node, fenced: JSON.stringify(p.fenced), updatedAt: p.updatedAt });
    });
  }

  listPlacements(): Promise<PlacementRecord[]> {
    return this.attempt("listPlacements", () =>
      this.selectPlacements.all().map(placementOf),
    );
  }

  close(): Promise<void> {
    return this.attempt("close", () => {
      if (this.db.open) this.db.close();
    });
  }

  /** Runs `work` now and settles with its result; a failure names the operation. */
  private attempt<T>(operation: string, work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (err) {
      return Promise.reject(new Error(`storage ${operation} failed: ${(err as Error).message}`, { cause: err }));
    }
  }
}

function incidentParams(incident: NewIncident): Params {
  return { ...copyIncidentFields(incident), members: JSON.stringify(incident.members) };
}

/** The NewIncident fields only, so extra properties of the caller's object are not echoed back. */
function copyIncidentFields(incident: NewIncident): NewIncident {
  return {
    key: incident.key,
    kind: incident.kind,
    target: incident.target,
    node: incident.node,
    state: incident.state,
    title: incident.title,
    firstSignalAt: incident.firstSignalAt,
    detectedAt: incident.detectedAt,
    recoveredAt: incident.recoveredAt,
    resolvedAt: incident.resolvedAt,
    escalatedAt: incident.escalatedAt,
    rootCause: incident.rootCause,
    rootKey: incident.rootKey,
    cause: incident.cause,
    confidence: incident.confidence,
    localizedAt: incident.localizedAt,
    members: [...incident.members],
    updatedAt: incident.updatedAt,
  };
}

function silenceRowFields(silence: NewSilence): Omit<SilenceRow, "id"> {
  return {
    matchers: JSON.stringify(silence.matchers),
    starts_at: silence.startsAt,
    ends_at: silence.endsAt,
    created_by: silence.createdBy,
    comment: silence.comment,
    created_at: silence.createdAt,
    expired_at: silence.expiredAt ?? null,
  };
}

function silenceParams(silence: NewSilence): Params {
  const row = silenceRowFields(silence);
  return {
    matchers: row.matchers,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    createdBy: row.created_by,
    comment: row.comment,
    createdAt: row.created_at,
    expiredAt: row.expired_at,
  };
}

/** SQLite keeps JSON in text columns and booleans as 0/1: decoded here, mapped by record-rows.ts. */
function eventOf(row: EventRow): JournalEvent {
  return eventFromRow({ ...row, data: JSON.parse(row.data) as Record<string, unknown> });
}

function serviceOf(row: ServiceRow): ServiceRecord {
  return serviceFromRow({ ...row, running: row.running !== 0 });
}

function alertOf(row: AlertRow): AlertRecord {
  return alertFromRow({ ...row, labels: JSON.parse(row.labels) as Record<string, string>, annotations: JSON.parse(row.annotations) as Record<string, string> });
}

function notificationLogOf(row: NotificationLogRow): NotificationLogEntry {
  return notificationLogFromRow({ ...row, firing: JSON.parse(row.firing) as string[], resolved: JSON.parse(row.resolved) as string[] });
}

function placementOf(row: PlacementRow): PlacementRecord {
  return placementFromRow({ ...row, fenced: JSON.parse(row.fenced) as string[] });
}

function incidentOf(row: IncidentRow): IncidentRecord {
  return incidentFromRow({ ...row, members: JSON.parse(row.members) as string[] });
}

/** Built from the row, so what createSilence returns is what listSilences will. */
function silenceOf(row: SilenceRow): SilenceRecord {
  return silenceFromRow({ ...row, matchers: JSON.parse(row.matchers) as SilenceRecord["matchers"] });
}
