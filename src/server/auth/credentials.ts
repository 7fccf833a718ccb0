// Token and session-id text: 32 random bytes in base64url behind a recognisable prefix
// (so log scrubbing and secret scanners find them), and the SHA-256 that storage keeps.
// Tokens are high-entropy random strings, so a fast unsalted hash is enough: there is no
// dictionary to attack, and lookup by hash needs it to be deterministic.
import { createHash, randomBytes } from "node:crypto";
import { API_TOKEN_PREFIX, SESSION_ID_PREFIX } from "../../util/secrets.js";

export function newApiToken(): string {
  return API_TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

export function newSessionId(): string {
  return SESSION_ID_PREFIX + randomBytes(32).toString("base64url");
}

export function newCsrfToken(): string {
  return randomBytes(24).toString("base64url");
}

export function hashSecret(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
