// Agents' identities on the server, in <data>/agents.db (SQLite, its own file): one-time
// enrollment tokens, the credentials they were exchanged for, and revoked nodes. Only
// hashes of tokens and credentials are stored. `vigil token create --agent` and `vigil
// agents revoke` write here directly while the server runs; the server reads at each
// connect and polls for revocations (SQLite's locking keeps the two apart).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { AGENT_CREDENTIAL_PREFIX, ENROLLMENT_TOKEN_PREFIX, newSecret, secretHash } from "./secret-token.js";

export const AGENT_IDENTITY_FILE = "agents.db";
/** Default lifetime of an enrollment token. */
export const ENROLLMENT_TOKEN_TTL_MS = 24 * 3_600_000;

export type EnrollmentResult =
  | { ok: true; node: string; credential: string }
  | { ok: false; error: string };

export type CredentialCheck = { ok: true; node: string } | { ok: false; revoked: boolean; error: string };

export interface AgentIdentityRecord {
  node: string;
  /** When its current credential was issued (null: never enrolled, e.g. only revoked). */
  enrolledAt: number | null;
  revokedAt: number | null;
  /** Unused, unexpired enrollment tokens. */
  pendingTokens: number;
}

/** What the server's agent authentication asks of the store. */
export interface AgentIdentityLookup {
  enroll(token: string, now: number): EnrollmentResult;
  checkCredential(credential: string): CredentialCheck;
  revokedAt(node: string): number | null;
}

export class AgentIdentityStore implements AgentIdentityLookup {
  private constructor(private readonly db: Database.Database) {}

  static open(dataDir: string): AgentIdentityStore {
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(join(dataDir, AGENT_IDENTITY_FILE));
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 5000");
    db.exec(`
      CREATE TABLE IF NOT EXISTS enrollment_tokens (
        hash TEXT PRIMARY KEY, node TEXT NOT NULL, created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL, used_at INTEGER
      );
      CREATE TABLE IF NOT EXISTS credentials (
        hash TEXT PRIMARY KEY, node TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS credentials_node ON credentials (node);
      CREATE TABLE IF NOT EXISTS revoked_nodes (node TEXT PRIMARY KEY, revoked_at INTEGER NOT NULL);
    `);
    return new AgentIdentityStore(db);
  }

  /** A one-time token that `node`'s agent exchanges for its credential; printed once, stored hashed. */
  createEnrollmentToken(node: string, now: number, ttlMs = ENROLLMENT_TOKEN_TTL_MS): { token: string; expiresAt: number } {
    const token = newSecret(ENROLLMENT_TOKEN_PREFIX);
    this.db.prepare("INSERT INTO enrollment_tokens (hash, node, created_at, expires_at) VALUES (?, ?, ?, ?)").run(secretHash(token), node, now, now + ttlMs);
    return { token, expiresAt: now + ttlMs };
  }

  /**
   * Spends an enrollment token: issues the node a new credential, revokes its older ones and
   * lifts a revocation of the node. A token works once, and not after it expired.
   */
  enroll(token: string, now: number): EnrollmentResult {
    return this.db.transaction((): EnrollmentResult => {
      const row = this.db
        .prepare<[string], { node: string; expires_at: number; used_at: number | null }>("SELECT node, expires_at, used_at FROM enrollment_tokens WHERE hash = ?")
        .get(secretHash(token));
      if (!row) return { ok: false, error: "unknown enrollment token" };
      if (row.used_at !== null) return { ok: false, error: `this enrollment token for ${row.node} was used already (a token works once: create a new one with \`vigil token create --agent ${row.node}\`)` };
      if (row.expires_at <= now) return { ok: false, error: `this enrollment token for ${row.node} expired (create a new one with \`vigil token create --agent ${row.node}\`)` };
      this.db.prepare("UPDATE enrollment_tokens SET used_at = ? WHERE hash = ?").run(now, secretHash(token));
      this.db.prepare("UPDATE credentials SET revoked_at = ? WHERE node = ? AND revoked_at IS NULL").run(now, row.node);
      this.db.prepare("DELETE FROM revoked_nodes WHERE node = ?").run(row.node);
      const credential = newSecret(AGENT_CREDENTIAL_PREFIX);
      this.db.prepare("INSERT INTO credentials (hash, node, created_at) VALUES (?, ?, ?)").run(secretHash(credential), row.node, now);
      return { ok: true, node: row.node, credential };
    })();
  }

  /** Issues `node` a credential directly (the `vigil up` agent, which runs in the server's own process). */
  issueCredential(node: string, now: number): string {
    const credential = newSecret(AGENT_CREDENTIAL_PREFIX);
    this.db.prepare("INSERT INTO credentials (hash, node, created_at) VALUES (?, ?, ?)").run(secretHash(credential), node, now);
    return credential;
  }

  checkCredential(credential: string): CredentialCheck {
    const row = this.db
      .prepare<[string], { node: string; revoked_at: number | null }>("SELECT node, revoked_at FROM credentials WHERE hash = ?")
      .get(secretHash(credential));
    if (!row) return { ok: false, revoked: false, error: "unknown agent credential" };
    if (row.revoked_at !== null) return { ok: false, revoked: true, error: `the credential of agent ${row.node} was revoked (enroll it again with a new \`vigil token create --agent ${row.node}\`)` };
    return { ok: true, node: row.node };
  }

  revokedAt(node: string): number | null {
    return this.db.prepare<[string], { revoked_at: number }>("SELECT revoked_at FROM revoked_nodes WHERE node = ?").get(node)?.revoked_at ?? null;
  }

  /**
   * Revokes `node`: its credentials stop working, and so does any certificate naming it,
   * until it is enrolled again. Returns how many credentials were revoked.
   */
  revoke(node: string, now: number): number {
    return this.db.transaction(() => {
      this.db.prepare("INSERT INTO revoked_nodes (node, revoked_at) VALUES (?, ?) ON CONFLICT (node) DO UPDATE SET revoked_at = excluded.revoked_at").run(node, now);
      this.db.prepare("UPDATE enrollment_tokens SET used_at = ? WHERE node = ? AND used_at IS NULL").run(now, node);
      return this.db.prepare("UPDATE credentials SET revoked_at = ? WHERE node = ? AND revoked_at IS NULL").run(now, node).changes;
    })();
  }

  /** Nodes revoked after `after` (ms), oldest first: the server polls this to close their connections. */
  revokedAfter(after: number): { node: string; revokedAt: number }[] {
    return this.db
      .prepare<[number], { node: string; revoked_at: number }>("SELECT node, revoked_at FROM revoked_nodes WHERE revoked_at > ? ORDER BY revoked_at")
      .all(after)
      .map((r) => ({ node: r.node, revokedAt: r.revoked_at }));
  }

  /** The latest revocation's time, or 0. */
  lastRevocation(): number {
    return this.db.prepare<[], { last: number | null }>("SELECT MAX(revoked_at) AS last FROM revoked_nodes").get()?.last ?? 0;
  }

  list(now: number): AgentIdentityRecord[] {
    const rows = this.db
      .prepare<[number, number], { node: string; enrolled_at: number | null; revoked_at: number | null; pending: number }>(`
        WITH nodes AS (
          SELECT node FROM credentials UNION SELECT node FROM revoked_nodes
          UNION SELECT node FROM enrollment_tokens WHERE used_at IS NULL AND expires_at > ?
        )
        SELECT n.node,
          (SELECT MAX(created_at) FROM credentials c WHERE c.node = n.node AND c.revoked_at IS NULL) AS enrolled_at,
          (SELECT revoked_at FROM revoked_nodes r WHERE r.node = n.node) AS revoked_at,
          (SELECT COUNT(*) FROM enrollment_tokens t WHERE t.node = n.node AND t.used_at IS NULL AND t.expires_at > ?) AS pending
        FROM nodes n ORDER BY n.node`)
      .all(now, now);
    return rows.map((r) => ({ node: r.node, enrolledAt: r.enrolled_at, revokedAt: r.revoked_at, pendingTokens: r.pending }));
  }

  close(): void {
    this.db.close();
  }
}
