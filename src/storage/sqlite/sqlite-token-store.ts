// TokenStore on the SQLite file (tables api_tokens and api_sessions, migration 7).
import type Database from "better-sqlite3";
import type { NewToken, Role, SessionRecord, TokenRecord, TokenStore } from "../token-store.js";

interface TokenRow {
  id: number;
  name: string;
  role: string;
  hash: string;
  created_at: number;
  created_by: string;
  last_used_at: number | null;
  revoked_at: number | null;
}
interface SessionRow {
  hash: string;
  token_id: number;
  csrf: string;
  created_at: number;
  expires_at: number;
}

type Params = Record<string, string | number | null>;

export class SqliteTokenStore implements TokenStore {
  private readonly insertToken: Database.Statement<[Params]>;
  private readonly selectTokens: Database.Statement<[], TokenRow>;
  private readonly selectToken: Database.Statement<[Params], TokenRow>;
  private readonly selectTokenByHash: Database.Statement<[Params], TokenRow>;
  private readonly selectAnyToken: Database.Statement<[], { one: number }>;
  private readonly touch: Database.Statement<[Params]>;
  private readonly revoke: Database.Statement<[Params]>;
  private readonly deleteSessionsOf: Database.Statement<[Params]>;
  private readonly insertSession: Database.Statement<[Params]>;
  private readonly selectSession: Database.Statement<[Params], SessionRow>;
  private readonly deleteSessionStmt: Database.Statement<[Params]>;
  private readonly deleteExpired: Database.Statement<[Params]>;

  constructor(private readonly db: Database.Database) {
    this.insertToken = db.prepare(
      `INSERT INTO api_tokens (name, role, hash, created_at, created_by) VALUES (@name, @role, @hash, @createdAt, @createdBy)`,
    );
    this.selectTokens = db.prepare("SELECT * FROM api_tokens ORDER BY id");
    this.selectToken = db.prepare("SELECT * FROM api_tokens WHERE id = @id");
    this.selectTokenByHash = db.prepare("SELECT * FROM api_tokens WHERE hash = @hash");
    this.selectAnyToken = db.prepare("SELECT 1 AS one FROM api_tokens LIMIT 1");
    this.touch = db.prepare("UPDATE api_tokens SET last_used_at = @usedAt WHERE id = @id");
    this.revoke = db.prepare("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, @revokedAt) WHERE id = @id");
    this.deleteSessionsOf = db.prepare("DELETE FROM api_sessions WHERE token_id = @id");
    this.insertSession = db.prepare(
      `INSERT INTO api_sessions (hash, token_id, csrf, created_at, expires_at) VALUES (@hash, @tokenId, @csrf, @createdAt, @expiresAt)`,
    );
    this.selectSession = db.prepare("SELECT * FROM api_sessions WHERE hash = @hash");
    this.deleteSessionStmt = db.prepare("DELETE FROM api_sessions WHERE hash = @hash");
    this.deleteExpired = db.prepare("DELETE FROM api_sessions WHERE expires_at < @now");
  }

  createToken(token: NewToken): Promise<TokenRecord> {
    return attempt("createToken", () => {
      const result = this.insertToken.run({ ...token });
      return { ...token, id: Number(result.lastInsertRowid), lastUsedAt: null, revokedAt: null };
    });
  }

  listTokens(): Promise<TokenRecord[]> {
    return attempt("listTokens", () => this.selectTokens.all().map(tokenFromRow));
  }

  getToken(id: number): Promise<TokenRecord | null> {
    return attempt("getToken", () => {
      const row = this.selectToken.get({ id });
      return row ? tokenFromRow(row) : null;
    });
  }

  findTokenByHash(hash: string): Promise<TokenRecord | null> {
    return attempt("findTokenByHash", () => {
      const row = this.selectTokenByHash.get({ hash });
      return row ? tokenFromRow(row) : null;
    });
  }

  hasTokens(): Promise<boolean> {
    return attempt("hasTokens", () => this.selectAnyToken.get() !== undefined);
  }

  touchToken(id: number, usedAt: number): Promise<void> {
    return attempt("touchToken", () => void this.touch.run({ id, usedAt }));
  }

  revokeToken(id: number, revokedAt: number): Promise<boolean> {
    return attempt("revokeToken", () =>
      this.db.transaction(() => {
        const changed = this.revoke.run({ id, revokedAt }).changes > 0;
        this.deleteSessionsOf.run({ id });
        return changed;
      })(),
    );
  }

  createSession(s: SessionRecord): Promise<void> {
    return attempt("createSession", () => void this.insertSession.run({ ...s }));
  }

  findSession(hash: string): Promise<{ session: SessionRecord; token: TokenRecord } | null> {
    return attempt("findSession", () => {
      const row = this.selectSession.get({ hash });
      if (!row) return null;
      const token = this.selectToken.get({ id: row.token_id });
      if (!token) return null;
      return {
        session: { hash: row.hash, tokenId: row.token_id, csrf: row.csrf, createdAt: row.created_at, expiresAt: row.expires_at },
        token: tokenFromRow(token),
      };
    });
  }

  deleteSession(hash: string): Promise<void> {
    return attempt("deleteSession", () => void this.deleteSessionStmt.run({ hash }));
  }

  deleteExpiredSessions(now: number): Promise<number> {
    return attempt("deleteExpiredSessions", () => this.deleteExpired.run({ now }).changes);
  }
}

function tokenFromRow(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    hash: row.hash,
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

function attempt<T>(operation: string, work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(new Error(`storage ${operation} failed: ${(err as Error).message}`, { cause: err }));
  }
}
