// Chooses and opens the server's storage from its configured location. Today that is a
// data directory holding SQLite's vigil.db; a postgres:// URL is where PostgreSQL will plug in.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Storage } from "./storage.js";
import { openSqliteStorage } from "./sqlite/sqlite-storage.js";

export const SQLITE_FILE_NAME = "vigil.db";

/** Opens (creating if needed) the storage in `dataDir`: SQLite at `<dataDir>/vigil.db`. */
export async function openStorage(dataDir: string): Promise<Storage> {
  if (typeof dataDir !== "string" || dataDir.trim() === "") {
    throw new Error("openStorage: the data directory (server.data) must be a non-empty path");
  }
  if (/^postgres(ql)?:\/\//i.test(dataDir)) {
    throw new Error("openStorage: PostgreSQL storage is not supported by this Vigil yet; set server.data to a directory");
  }
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (err) {
    throw new Error(`openStorage: cannot create data directory ${dataDir}: ${(err as Error).message}`, { cause: err });
  }
  return openSqliteStorage(join(dataDir, SQLITE_FILE_NAME));
}
