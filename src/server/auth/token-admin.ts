// Issuing, listing and revoking API tokens: shared by the admin API (/api/v1/tokens) and by
// `vigil token` working directly on a data directory. The token text exists only in the
// answer to its creation; storage keeps its hash.
import type { Role, TokenRecord, TokenStore } from "../../storage/token-store.js";
import { hashSecret, newApiToken } from "./credentials.js";

/** A token as shown to people: everything but the hash. */
export type TokenView = Omit<TokenRecord, "hash">;

export function tokenView(record: TokenRecord): TokenView {
  const { hash: _hash, ...view } = record;
  return view;
}

export async function issueToken(
  store: TokenStore,
  request: { name: string; role: Role; createdBy: string },
  now: number,
): Promise<{ token: TokenView; secret: string }> {
  const secret = newApiToken();
  const record = await store.createToken({ name: request.name, role: request.role, hash: hashSecret(secret), createdAt: now, createdBy: request.createdBy });
  return { token: tokenView(record), secret };
}

/** null when there is no token `id`. */
export async function revokeToken(store: TokenStore, id: number, now: number): Promise<{ token: TokenView; alreadyRevoked: boolean } | null> {
  const before = await store.getToken(id);
  if (!before) return null;
  await store.revokeToken(id, now);
  const after = (await store.getToken(id))!;
  return { token: tokenView(after), alreadyRevoked: before.revokedAt !== null };
}
