// Chooses and opens the server's storage from where it is configured: a PostgreSQL URL
// (server.storage, else $VIGIL_DATABASE_URL) opens the shared PostgreSQL storage; without
// one, SQLite's vigil.db in the data directory, the embedded default. The data directory
// is still the server's either way (the series store and agent identities stay local).
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Storage } from "./storage.js";
import { openSqliteStorage } from "./sqlite/sqlite-storage.js";
import { openPostgresStorage } from "./postgres/postgres-storage.js";
import { isPostgresUrl } from "./postgres/postgres-pool.js";

export const SQLITE_FILE_NAME = "vigil.db";
/** The environment variable naming the PostgreSQL database when server.storage does not. */
export const DATABASE_URL_ENV = "VIGIL_DATABASE_URL";

export interface OpenStorageOptions {
  /** server.storage: a postgres:// or postgresql:// URL. */
  url?: string;
  /** Where $VIGIL_DATABASE_URL is read (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Told when an idle PostgreSQL connection fails (the pool replaces it). */
  onIdleClientError?: (err: Error) => void;
}

/** The PostgreSQL URL the storage will use (server.storage, else $VIGIL_DATABASE_URL), or null for SQLite. */
export function storageUrl(options: Pick<OpenStorageOptions, "url" | "env"> = {}): string | null {
  const url = options.url ?? (options.env ?? process.env)[DATABASE_URL_ENV];
  return url === undefined || url.trim() === "" ? null : url.trim();
}

/**
 * Opens (creating if needed) the storage: PostgreSQL when a URL is configured (see
 * storageUrl), else SQLite at `<dataDir>/vigil.db`.
 */
export async function openStorage(dataDir: string, options: OpenStorageOptions = {}): Promise<Storage> {
  const url = storageUrl(options);
  if (url !== null) {
    if (!isPostgresUrl(url)) {
      const source = options.url !== undefined ? "server.storage" : `$${DATABASE_URL_ENV}`;
      throw new Error(`openStorage: ${source} must be a postgres:// or postgresql:// URL`);
    }
    return openPostgresStorage(url, { ...(options.onIdleClientError && { onIdleClientError: options.onIdleClientError }) });
  }
  if (typeof dataDir !== "string" || dataDir.trim() === "") {
    throw new Error("openStorage: the data directory (server.data) must be a non-empty path");
  }
  if (isPostgresUrl(dataDir)) {
    throw new Error(
      `openStorage: server.data is a directory (the series store lives there); put the PostgreSQL URL in server.storage or $${DATABASE_URL_ENV}`,
    );
  }
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (err) {
    throw new Error(`openStorage: cannot create data directory ${dataDir}: ${(err as Error).message}`, { cause: err });
  }
  return openSqliteStorage(join(dataDir, SQLITE_FILE_NAME));
}
