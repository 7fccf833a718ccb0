// TokenStore on PostgreSQL (tables api_tokens and api_sessions, migration 1).
import type { NewToken, Role, SessionRecord, TokenRecord, TokenStore } from "../token-store.js";
import type { PostgresDatabase } from "./postgres-database.js";

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

export class PostgresTokenStore implements TokenStore {
  constructor(private readonly db: PostgresDatabase) {}

  createToken(token: NewToken): Promise<TokenRecord> {
    return this.db.attempt("createToken", async (q) => {
      const [row] = await q<TokenRow>(
        "INSERT INTO api_tokens (name, role, hash, created_at, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING *",
        [token.name, token.role, token.hash, token.createdAt, token.createdBy],
      );
      return tokenFromRow(row!);
    });
  }

  listTokens(): Promise<TokenRecord[]> {
    return this.db.attempt("listTokens", async (q) => (await q<TokenRow>("SELECT * FROM api_tokens ORDER BY id")).map(tokenFromRow));
  }

  getToken(id: number): Promise<TokenRecord | null> {
    return this.db.attempt("getToken", async (q) => {
      const [row] = await q<TokenRow>("SELECT * FROM api_tokens WHERE id = $1", [id]);
      return row ? tokenFromRow(row) : null;
    });
  }

  findTokenByHash(hash: string): Promise<TokenRecord | null> {
    return this.db.attempt("findTokenByHash", async (q) => {
      const [row] = await q<TokenRow>("SELECT * FROM api_tokens WHERE hash = $1", [hash]);
      return row ? tokenFromRow(row) : null;
    });
  }

  hasTokens(): Promise<boolean> {
    return this.db.attempt("hasTokens", async (q) => (await q("SELECT 1 FROM api_tokens LIMIT 1")).length > 0);
  }

  touchToken(id: number, usedAt: number): Promise<void> {
    return this.db.attempt("touchToken", async (q) => void (await q("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", [id, usedAt])));
  }

  revokeToken(id: number, revokedAt: number): Promise<boolean> {
    return this.db.transaction("revokeToken", async (q) => {
      const changed = await q("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING id", [id, revokedAt]);
      await q("DELETE FROM api_sessions WHERE token_id = $1", [id]);
      return changed.length > 0;
    });
  }

  createSession(s: SessionRecord): Promise<void> {
    return this.db.attempt("createSession", async (q) => {
      await q("INSERT INTO api_sessions (hash, token_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)", [
        s.hash,
        s.tokenId,
        s.csrf,
        s.createdAt,
        s.expiresAt,
      ]);
    });
  }

  findSession(hash: string): Promise<{ session: SessionRecord; token: TokenRecord } | null> {
    return this.db.attempt("findSession", async (q) => {
      const [row] = await q<TokenRow & { s_hash: string; s_token_id: number; s_csrf: string; s_created_at: number; s_expires_at: number }>(
        `SELECT t.*, s.hash AS s_hash, s.token_id AS s_token_id, s.csrf AS s_csrf, s.created_at AS s_created_at,
           s.expires_at AS s_expires_at
         FROM api_sessions s JOIN api_tokens t ON t.id = s.token_id WHERE s.hash = $1`,
        [hash],
      );
      if (!row) return null;
      return {
        session: { hash: row.s_hash, tokenId: row.s_token_id, csrf: row.s_csrf, createdAt: row.s_created_at, expiresAt: row.s_expires_at },
        token: tokenFromRow(row),
      };
    });
  }

  deleteSession(hash: string): Promise<void> {
    return this.db.attempt("deleteSession", async (q) => void (await q("DELETE FROM api_sessions WHERE hash = $1", [hash])));
  }

  deleteExpiredSessions(now: number): Promise<number> {
    return this.db.attempt("deleteExpiredSessions", async (q) => (await q("DELETE FROM api_sessions WHERE expires_at < $1 RETURNING hash", [now])).length);
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
