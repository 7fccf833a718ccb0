// Who a request is: a bearer token (Authorization: Bearer vgt_...) or a dashboard session
// cookie, looked up by hash in the token store on every request (so a token created or
// revoked with `vigil token` on the data directory counts at once). Also logs in (token →
// session) and out.
import type { Clock } from "../../util/clock.js";
import type { Role, SessionRecord, TokenRecord, TokenStore } from "../../storage/token-store.js";
import { hashSecret, newCsrfToken, newSessionId } from "./credentials.js";
import { sessionIdFromCookie } from "./session-cookie.js";

export interface Actor {
  /** The token's name; "anonymous" when auth is off and no credentials were given. */
  name: string;
  role: Role;
  via: "token" | "session" | "none";
  tokenId: number | null;
  /** With a session: its hash (to log out) and the CSRF token mutating requests must send. */
  session?: { hash: string; csrf: string; expiresAt: number };
}

export type Authentication =
  | { kind: "actor"; actor: Actor }
  /** No credentials were presented. */
  | { kind: "none" }
  /** Credentials were presented and are wrong: they count as a failed attempt. */
  | { kind: "invalid"; reason: string };

export interface CredentialHeaders {
  authorization?: string | undefined;
  cookie?: string | undefined;
}

/** How often a token's last-used time is written at most. */
const TOUCH_INTERVAL_MS = 60_000;

export class Authenticator {
  private readonly lastTouched = new Map<number, number>();

  constructor(
    private readonly tokens: TokenStore,
    private readonly clock: Clock,
    private readonly sessionTtlMs: number,
  ) {}

  async authenticate(headers: CredentialHeaders): Promise<Authentication> {
    if (headers.authorization !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization);
      if (!m) return { kind: "invalid", reason: 'malformed Authorization header: expected "Bearer <token>"' };
      const token = await this.tokenFor(m[1]!);
      return token ? { kind: "actor", actor: this.actorOf(token, "token") } : { kind: "invalid", reason: "invalid or revoked token" };
    }
    const sessionId = sessionIdFromCookie(headers.cookie);
    if (sessionId === null) return { kind: "none" };
    const found = await this.tokens.findSession(hashSecret(sessionId));
    if (!found || found.token.revokedAt !== null || found.session.expiresAt <= this.clock.now()) {
      return { kind: "invalid", reason: "the session has expired or was ended: log in again" };
    }
    return { kind: "actor", actor: this.actorOf(found.token, "session", found.session) };
  }

  /** Exchanges a token for a new session; null when the token is wrong or revoked. */
  async login(tokenText: string): Promise<{ actor: Actor; sessionId: string; csrf: string; expiresAt: number } | null> {
    const token = await this.tokenFor(tokenText);
    if (!token) return null;
    const now = this.clock.now();
    await this.tokens.deleteExpiredSessions(now);
    const sessionId = newSessionId();
    const session: SessionRecord = { hash: hashSecret(sessionId), tokenId: token.id, csrf: newCsrfToken(), createdAt: now, expiresAt: now + this.sessionTtlMs };
    await this.tokens.createSession(session);
    return { actor: this.actorOf(token, "session", session), sessionId, csrf: session.csrf, expiresAt: session.expiresAt };
  }

  async logout(sessionHash: string): Promise<void> {
    await this.tokens.deleteSession(sessionHash);
  }

  private async tokenFor(text: string): Promise<TokenRecord | null> {
    const token = await this.tokens.findTokenByHash(hashSecret(text));
    if (!token || token.revokedAt !== null) return null;
    const now = this.clock.now();
    if (now - (this.lastTouched.get(token.id) ?? -Infinity) >= TOUCH_INTERVAL_MS) {
      this.lastTouched.set(token.id, now);
      await this.tokens.touchToken(token.id, now);
    }
    return token;
  }

  private actorOf(token: TokenRecord, via: "token" | "session", session?: SessionRecord): Actor {
    return {
      name: token.name,
      role: token.role,
      via,
      tokenId: token.id,
      ...(session && { session: { hash: session.hash, csrf: session.csrf, expiresAt: session.expiresAt } }),
    };
  }
}
