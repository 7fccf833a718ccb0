// Random secrets (enrollment tokens, agent credentials) and how they are kept: only their
// SHA-256 is stored, so a copy of the database does not let anyone in. The secrets carry
// 256 random bits, so a plain hash (no salt, no stretching) cannot be reversed.
import { createHash, randomBytes } from "node:crypto";

export const ENROLLMENT_TOKEN_PREFIX = "vigil-enroll-";
export const AGENT_CREDENTIAL_PREFIX = "vigil-agent-";

export function newSecret(prefix: string): string {
  return prefix + randomBytes(32).toString("base64url");
}

export function secretHash(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
