// API tokens and the dashboard's login sessions, as storage keeps them: only a token's
// SHA-256 hash is stored (never the token), with its name, role and when it was made,
// last used and revoked. A session belongs to a token and dies with it.

/** What a token may do: read (viewer), operate recovery and alerting (operator), administer Vigil (admin). */
export type Role = "viewer" | "operator" | "admin";

export interface TokenRecord {
  id: number;
  name: string;
  role: Role;
  /** SHA-256 of the token text, hex. */
  hash: string;
  createdAt: number;
  /** Who made it: a token's name, or `local:<user>` for `vigil token create` on the data directory. */
  createdBy: string;
  lastUsedAt: number | null;
  revokedAt: number | null;
}
export type NewToken = Pick<TokenRecord, "name" | "role" | "hash" | "createdAt" | "createdBy">;

export interface SessionRecord {
  /** SHA-256 of the session id that the cookie carries, hex. */
  hash: string;
  tokenId: number;
  /** The value mutating requests made with the cookie must send in X-CSRF-Token. */
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

export interface TokenStore {
  createToken(token: NewToken): Promise<TokenRecord>;
  /** Every token, revoked ones included, by id. */
  listTokens(): Promise<TokenRecord[]>;
  getToken(id: number): Promise<TokenRecord | null>;
  findTokenByHash(hash: string): Promise<TokenRecord | null>;
  /** Whether any token was ever created (revoked ones count: revoking the last token must not open the API). */
  hasTokens(): Promise<boolean>;
  touchToken(id: number, usedAt: number): Promise<void>;
  /** Sets revokedAt (once) and ends the token's sessions; false when there is no such token. */
  revokeToken(id: number, revokedAt: number): Promise<boolean>;

  createSession(session: SessionRecord): Promise<void>;
  /** The session and its token, when the session exists (expired or not). */
  findSession(hash: string): Promise<{ session: SessionRecord; token: TokenRecord } | null>;
  deleteSession(hash: string): Promise<void>;
  /** Deletes sessions that expired before `now`; returns how many. */
  deleteExpiredSessions(now: number): Promise<number>;
}
