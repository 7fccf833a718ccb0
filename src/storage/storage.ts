// The storage interface: everything the control plane keeps across restarts — the
// journal, nodes, services, alerts, incidents, silences and the notification queue. SQLite
// (storage/sqlite/, the embedded default) and PostgreSQL (storage/postgres/, shared by
// replicas) implement it; every method returns a Promise because PostgreSQL's work is I/O.
// API tokens, sessions and the audit log have their own small interfaces (token-store.ts,
// audit-store.ts), reached as members.
import type { AuditStore } from "./audit-store.js";
import type { TokenStore } from "./token-store.js";

/** One entry of the append-only journal (DESIGN.md §4). */
export interface JournalEvent {
  id: number;
  ts: number;
  kind: string;
  incidentId?: number;
  node?: string;
  service?: string;
  data: Record<string, unknown>;
}
export type NewJournalEvent = Omit<JournalEvent, "id">;

export interface EventQuery {
  /** Only events with id greater than this (for tailing). */
  afterId?: number;
  /** Only events with ts >= since / ts < until. */
  since?: number;
  until?: number;
  kinds?: string[];
  incidentId?: number;
  node?: string;
  service?: string;
  /** Default 1000. */
  limit?: number;
  /** "asc" (default): oldest first; "desc": newest first. */
  order?: "asc" | "desc";
}

/** alive; suspect (φ over the threshold, being probed); unreachable (the server cannot reach it, peers can, or the control plane looks isolated); down (dead); unknown. */
export type NodeState = "alive" | "suspect" | "unreachable" | "down" | "unknown";

export interface NodeRecord {
  name: string;
  state: NodeState;
  /** When the current state began. */
  since: number;
  lastHeartbeat: number | null;
  agentVersion: string | null;
  /** The agent's outbox identity; seqs are unique within it. */
  outboxId: string | null;
  /**
   * The highest seq of this outbox acknowledged to the agent: everything up to it is durable
   * (its samples checkpointed, the rest in this database). The welcome tells the agent this.
   */
  ackedSeq: number;
  /**
   * The highest seq processed (journalled, acted on, its samples appended): ≥ ackedSeq. A
   * re-sent message with seq ≤ processedSeq only has its samples appended again.
   */
  processedSeq: number;
}

export type ServiceHealth = "healthy" | "unhealthy" | "unknown";

export interface ServiceRecord {
  name: string;
  node: string;
  health: ServiceHealth;
  /** When the current health began (for unhealthy: the first failing observation). */
  since: number;
  detail: string;
  pid: number | null;
  running: boolean;
  updatedAt: number;
}

export type AlertState = "pending" | "firing" | "resolved";

export interface AlertRecord {
  /** Stable identity: a hash of the labels (alert/fingerprint.ts). */
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: AlertState;
  /** When the condition first held (pending began). */
  activeAt: number;
  firedAt: number | null;
  resolvedAt: number | null;
  value: number | null;
  updatedAt: number;
  /**
   * While a firing alert's condition has cleared but keepFiringFor holds it: when it resolves
   * (null or absent otherwise). Stored, so the deadline survives a restart.
   */
  keepFiringUntil?: number | null;
}

export type IncidentState = "open" | "mitigating" | "verifying" | "resolved" | "escalated";

export interface IncidentRecord {
  id: number;
  /** What the incident is about: "service:<name>" or "node:<name>"; one open incident per key. */
  key: string;
  kind: "service" | "node";
  /** The service or node name. */
  target: string;
  node: string | null;
  state: IncidentState;
  title: string;
  /** First failing observation (from the agent), detection (here), recovery and resolution. */
  firstSignalAt: number;
  detectedAt: number;
  recoveredAt: number | null;
  resolvedAt: number | null;
  escalatedAt: number | null;
  /** The localization's sentence: "root cause: db on node-b — memory exhausted (...); confidence 0.92". */
  rootCause: string | null;
  /** The component judged the root ("service:db", "node:node-b"), its cause and the confidence in 0..1. */
  rootKey: string | null;
  cause: string | null;
  confidence: number | null;
  /** When the incident was first localized (MTTL is measured to it). */
  localizedAt: number | null;
  /** The components correlated into this incident ("service:api", "node:node-a"), its own key first. */
  members: string[];
  updatedAt: number;
}
export type NewIncident = Omit<IncidentRecord, "id">;

export interface IncidentQuery {
  /** true: only incidents that are not resolved. */
  open?: boolean;
  key?: string;
  limit?: number;
}

export type NotificationState = "pending" | "sent" | "failed";

export interface NotificationRecord {
  id: number;
  receiver: string;
  /** The exact body to deliver (JSON text). */
  payload: string;
  state: NotificationState;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
}
export type NewNotification = Pick<NotificationRecord, "receiver" | "payload" | "createdAt" | "nextAttemptAt">;

/**
 * What a receiver was last told about one aggregation group (alert/notification-dedup.ts):
 * the fingerprints it believes firing and those it was last sent as resolved. It keeps a
 * restart from sending a notification twice and lets a resolved reach whoever saw the firing.
 */
export interface NotificationLogEntry {
  receiver: string;
  /** Alertmanager's group key, e.g. `{}/{severity="critical"}:{alertname="HighCpu"}`. */
  groupKey: string;
  firing: string[];
  resolved: string[];
  sentAt: number;
}

/** A silence (alert/silences.ts): mutes notifications of alerts its matchers match between startsAt and endsAt. */
export interface SilenceRecord {
  /** Assigned by storage: 1, 2, 3, ... */
  id: number;
  /** Label matchers (alert/matchers.ts `Matcher`); all must match. */
  matchers: { name: string; op: "=" | "!=" | "=~" | "!~"; value: string }[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  createdAt: number;
  /** Set when expired on request before endsAt. */
  expiredAt?: number;
}
export type NewSilence = Omit<SilenceRecord, "id">;

/**
 * Where a service runs when that is no longer where its config puts it (after a failover),
 * and the nodes where its old instance is fenced: it must not run there until unfenced.
 */
export interface PlacementRecord {
  service: string;
  node: string;
  fenced: string[];
  updatedAt: number;
}

export interface Storage {
  appendEvent(event: NewJournalEvent): Promise<JournalEvent>;
  listEvents(query?: EventQuery): Promise<JournalEvent[]>;

  /**
   * Stores the node's record. Within one outbox (the same outboxId) the stored ackedSeq and
   * processedSeq only move forward: a writer that knew less (a replica with older positions)
   * cannot send an agent's outbox back; a new outboxId starts them again.
   */
  upsertNode(node: NodeRecord): Promise<void>;
  listNodes(): Promise<NodeRecord[]>;
  /** The node's stored record, or null (read at an agent's hello: another replica may have moved it on). */
  getNode(name: string): Promise<NodeRecord | null>;

  upsertService(service: ServiceRecord): Promise<void>;
  listServices(): Promise<ServiceRecord[]>;

  upsertAlert(alert: AlertRecord): Promise<void>;
  /** Alerts that are pending or firing, plus those resolved at or after `resolvedSince` (default: none). */
  listAlerts(query?: { resolvedSince?: number }): Promise<AlertRecord[]>;

  createIncident(incident: NewIncident): Promise<IncidentRecord>;
  updateIncident(incident: IncidentRecord): Promise<void>;
  getIncident(id: number): Promise<IncidentRecord | null>;
  /** Newest first. */
  listIncidents(query?: IncidentQuery): Promise<IncidentRecord[]>;

  enqueueNotification(n: NewNotification): Promise<NotificationRecord>;
  /** Pending notifications whose nextAttemptAt <= now, oldest first. */
  dueNotifications(now: number, limit?: number): Promise<NotificationRecord[]>;
  /** The earliest nextAttemptAt among pending notifications, or null. */
  nextNotificationDue(): Promise<number | null>;
  updateNotification(n: NotificationRecord): Promise<void>;
  listNotifications(query?: { state?: NotificationState; limit?: number }): Promise<NotificationRecord[]>;

  /** The last entry for (receiver, groupKey), or null when that receiver was never notified of the group. */
  getNotificationLog(receiver: string, groupKey: string): Promise<NotificationLogEntry | null>;
  /** Replaces the entry for (entry.receiver, entry.groupKey). */
  putNotificationLog(entry: NotificationLogEntry): Promise<void>;

  createSilence(silence: NewSilence): Promise<SilenceRecord>;
  /** Replaces the stored silence with the same id (throws when there is none). */
  updateSilence(silence: SilenceRecord): Promise<void>;
  /** Every silence, expired ones included, by id. */
  listSilences(): Promise<SilenceRecord[]>;

  savePlacement(placement: PlacementRecord): Promise<void>;
  listPlacements(): Promise<PlacementRecord[]>;

  /** API tokens (hashed) and login sessions. */
  readonly tokens: TokenStore;
  /** Who did what, when, with what result. */
  readonly audit: AuditStore;

  close(): Promise<void>;
}
