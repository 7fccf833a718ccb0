// Where `vigil token` works: through a running server's admin API (with an admin token), or
// directly on the data directory — whoever can write the server's data directory already
// holds everything a token could give, so this is how the first admin token is made
// (like `grafana cli admin reset-admin-password` or kubeadm's admin.conf).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { issueToken, revokeToken, type TokenView } from "../../server/auth/token-admin.js";
import type { Role } from "../../server/auth/roles.js";
import { openStorage, SQLITE_FILE_NAME, storageUrl } from "../../storage/open-storage.js";
import type { Storage } from "../../storage/storage.js";
import { apiRequest, type ApiTarget } from "../api-get.js";


export interface TokenAdmin {
  /** Where it works, for messages: "the server at URL" or "the data directory DIR". */
  where: string;
  create(request: { name: string; role: Role }): Promise<{ token: TokenView; secret: string } | null>;
  list(): Promise<TokenView[] | null>;
  revoke(id: number): Promise<{ token: TokenView; alreadyRevoked: boolean } | null>;
  close(): Promise<void>;
}

/** Through the admin API; failures are printed (apiRequest) and answered with null. */
export function remoteTokenAdmin(command: string, target: ApiTarget): TokenAdmin {
  return {
    where: `the server at ${target.base}`,
    create: (request) => apiRequest(command, target, "POST", "/api/v1/tokens", request),
    list: async () => (await apiRequest<{ tokens: TokenView[] }>(command, target, "GET", "/api/v1/tokens"))?.tokens ?? null,
    revoke: (id) => apiRequest(command, target, "DELETE", `/api/v1/tokens/${id}`),
    close: async () => undefined,
  };
}

/**
 * Directly on the data directory's database (safe beside a running server: SQLite in WAL
 * mode; the server looks tokens up on every request). `create` makes the directory when
 * it does not exist yet (the first admin token before the first start); the others need it.
 * Each change is written to the audit log as done by `local:<user>`.
 */
export async function localTokenAdmin(
  command: string,
  dataDir: string,
  user: string,
  now: () => number,
  location: { url?: string } = {},
): Promise<TokenAdmin> {
  // With a PostgreSQL storage (server.storage or $VIGIL_DATABASE_URL) the tokens are there, not in the directory.
  const onPostgres = storageUrl(location) !== null;
  const exists = onPostgres || existsSync(join(dataDir, SQLITE_FILE_NAME));
  let storage: Storage | null = null;
  const open = async (create: boolean): Promise<Storage | null> => {
    if (!exists && !create) {
      console.error(`vigil ${command}: no Vigil data in ${dataDir} (${SQLITE_FILE_NAME} not found): pass --data DIR, or --server URL with --token`);
      return null;
    }
    storage ??= await openStorage(dataDir, location);
    return storage;
  };
  const actor = `local:${user}`;
  const audit = (s: Storage, action: string, target: string) =>
    s.audit.appendAudit({ ts: now(), actor, via: "local", role: null, action, target, result: "ok", status: null, address: null, detail: { dataDir } });
  return {
    where: onPostgres ? "the PostgreSQL storage" : `the data directory ${dataDir}`,
    async create(request) {
      const s = await open(true);
      if (!s) return null;
      const issued = await issueToken(s.tokens, { ...request, createdBy: actor }, now());
      await audit(s, "token.create", `token ${issued.token.id}`);
      return issued;
    },
    async list() {
      const s = await open(false);
      return s ? (await s.tokens.listTokens()).map(({ hash: _hash, ...view }) => view) : null;
    },
    async revoke(id) {
      const s = await open(false);
      if (!s) return null;
      const revoked = await revokeToken(s.tokens, id, now());
      if (!revoked) {
        console.error(`vigil ${command}: no token ${id} in ${dataDir}`);
        return null;
      }
      await audit(s, "token.revoke", `token ${id}`);
      return revoked;
    },
    close: async () => {
      await storage?.close();
    },
  };
}
