// Storage rows as records: the columns of each table, with JSON columns already decoded
// and booleans as booleans, and the one mapping from a row to its record, shared by the
// SQLite and PostgreSQL storages (SQLite decodes its JSON text columns before mapping).
import type {
  AlertRecord,
  AlertState,
  IncidentRecord,
  IncidentState,
  JournalEvent,
  NodeRecord,
  NodeState,
  NotificationLogEntry,
  NotificationRecord,
  NotificationState,
  PlacementRecord,
  ServiceHealth,
  ServiceRecord,
  SilenceRecord,
} from "./storage.js";

export interface EventRow {
  id: number;
  ts: number;
  kind: string;
  incident_id: number | null;
  node: string | null;
  service: string | null;
  data: Record<string, unknown>;
}
export interface NodeRow {
  name: string;
  state: string;
  since: number;
  last_heartbeat: number | null;
  agent_version: string | null;
  outbox_id: string | null;
  acked_seq: number;
  processed_seq: number;
}
export interface ServiceRow {
  name: string;
  node: string;
  health: string;
  since: number;
  detail: string;
  pid: number | null;
  running: boolean;
  updated_at: number;
}
export interface AlertRow {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  active_at: number;
  fired_at: number | null;
  resolved_at: number | null;
  value: number | null;
  updated_at: number;
  keep_firing_until: number | null;
}
export interface IncidentRow {
  id: number;
  key: string;
  kind: string;
  target: string;
  node: string | null;
  state: string;
  title: string;
  first_signal_at: number;
  detected_at: number;
  recovered_at: number | null;
  resolved_at: number | null;
  escalated_at: number | null;
  root_cause: string | null;
  root_key: string | null;
  cause: string | null;
  confidence: number | null;
  localized_at: number | null;
  members: string[];
  updated_at: number;
}
export interface NotificationRow {
  id: number;
  receiver: string;
  payload: string;
  state: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}
export interface NotificationLogRow {
  receiver: string;
  group_key: string;
  firing: string[];
  resolved: string[];
  sent_at: number;
}
export interface PlacementRow {
  service: string;
  node: string;
  fenced: string[];
  updated_at: number;
}
export interface SilenceRow {
  id: number;
  matchers: SilenceRecord["matchers"];
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string;
  created_at: number;
  expired_at: number | null;
}

export function eventFromRow(row: EventRow): JournalEvent {
  return {
    id: row.id,
    ts: row.ts,
    kind: row.kind,
    ...(row.incident_id !== null && { incidentId: row.incident_id }),
    ...(row.node !== null && { node: row.node }),
    ...(row.service !== null && { service: row.service }),
    data: row.data,
  };
}

export function nodeFromRow(row: NodeRow): NodeRecord {
  return {
    name: row.name,
    state: row.state as NodeState,
    since: row.since,
    lastHeartbeat: row.last_heartbeat,
    agentVersion: row.agent_version,
    outboxId: row.outbox_id,
    ackedSeq: row.acked_seq,
    processedSeq: row.processed_seq,
  };
}

export function serviceFromRow(row: ServiceRow): ServiceRecord {
  return {
    name: row.name,
    node: row.node,
    health: row.health as ServiceHealth,
    since: row.since,
    detail: row.detail,
    pid: row.pid,
    running: row.running,
    updatedAt: row.updated_at,
  };
}

export function alertFromRow(row: AlertRow): AlertRecord {
  return {
    fingerprint: row.fingerprint,
    labels: row.labels,
    annotations: row.annotations,
    state: row.state as AlertState,
    activeAt: row.active_at,
    firedAt: row.fired_at,
    resolvedAt: row.resolved_at,
    value: row.value,
    updatedAt: row.updated_at,
    ...(row.keep_firing_until !== null && { keepFiringUntil: row.keep_firing_until }),
  };
}

export function incidentFromRow(row: IncidentRow): IncidentRecord {
  return {
    id: row.id,
    key: row.key,
    kind: row.kind as IncidentRecord["kind"],
    target: row.target,
    node: row.node,
    state: row.state as IncidentState,
    title: row.title,
    firstSignalAt: row.first_signal_at,
    detectedAt: row.detected_at,
    recoveredAt: row.recovered_at,
    resolvedAt: row.resolved_at,
    escalatedAt: row.escalated_at,
    rootCause: row.root_cause,
    rootKey: row.root_key,
    cause: row.cause,
    confidence: row.confidence,
    localizedAt: row.localized_at,
    members: row.members,
    updatedAt: row.updated_at,
  };
}

export function notificationFromRow(row: NotificationRow): NotificationRecord {
  return {
    id: row.id,
    receiver: row.receiver,
    payload: row.payload,
    state: row.state as NotificationState,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}

export function silenceFromRow(row: SilenceRow): SilenceRecord {
  return {
    id: row.id,
    matchers: row.matchers,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    createdBy: row.created_by,
    comment: row.comment,
    createdAt: row.created_at,
    ...(row.expired_at !== null && { expiredAt: row.expired_at }),
  };
}

export function notificationLogFromRow(row: NotificationLogRow): NotificationLogEntry {
  return { receiver: row.receiver, groupKey: row.group_key, firing: row.firing, resolved: row.resolved, sentAt: row.sent_at };
}

export function placementFromRow(row: PlacementRow): PlacementRecord {
  return { service: row.service, node: row.node, fenced: row.fenced, updatedAt: row.updated_at };
}
