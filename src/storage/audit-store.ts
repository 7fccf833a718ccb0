// The audit log as storage keeps it: who did what, when, and with what result — every
// mutating API call and every recovery action. Append-only, like the journal, but about
// people and credentials rather than about the cluster.

export interface AuditEntry {
  id: number;
  ts: number;
  /** A token's name, "system" for Vigil's own recovery actions, "anonymous" when auth is off, "unauthenticated" when refused. */
  actor: string;
  /** How the actor was identified. */
  via: "token" | "session" | "system" | "local" | "none";
  role: string | null;
  /** "POST /api/v1/silences", "restart", "token.create", ... */
  action: string;
  /** What it was done to: the request's path, "service api on node-a", "token 3". */
  target: string;
  result: "ok" | "denied" | "failed" | "error";
  /** The HTTP status of an API call. */
  status: number | null;
  /** The client's address of an API call. */
  address: string | null;
  detail: Record<string, unknown>;
}
export type NewAuditEntry = Omit<AuditEntry, "id">;

export interface AuditQuery {
  since?: number;
  actor?: string;
  /** Default 100. */
  limit?: number;
}

export interface AuditStore {
  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first. */
  listAudit(query?: AuditQuery): Promise<AuditEntry[]>;
}
