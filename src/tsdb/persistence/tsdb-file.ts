// The series store on disk: one SQLite file (better-sqlite3), apart from vigil.db so that
// ingest never contends with the journal. Tables: series (id, name, labels as JSON, and the
// head snapshot of its last checkpoint: last sample, open buckets, raw head chunk),
// rollup_heads (the downsampled levels' head chunks, which change once a bucket) and chunks
// (closed chunks as blobs, by series, level and first ts). WAL with synchronous=NORMAL: a commit survives the process being killed
// (kill -9); a power cut may lose the last commits but never corrupts the file.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { silentLogger, type Logger } from "../../util/logger.js";
import { WalCheckpointer } from "./wal-checkpointer.js";

const SCHEMA_VERSION = 2;
const BUSY_TIMEOUT_MS = 5000;

export interface StoredSeriesRow {
  id: number;
  name: string;
  labels: string;
  head: Uint8Array | null;
}

export interface StoredRollupHeadRow {
  series_id: number;
  level: number;
  data: Uint8Array;
}

export interface StoredChunkRow {
  series_id: number;
  level: number;
  min_ts: number;
  max_ts: number;
  samples: number;
  size: number;
}

type Statement = Database.Statement<unknown[], unknown>;

/** better-sqlite3 binds Buffers as blobs, not plain Uint8Arrays: a view, no copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export class TsdbFile {
  private readonly insertSeriesStatement: Statement;
  private readonly writeHeadStatement: Statement;
  private readonly insertChunkStatement: Statement;
  private readonly readChunkStatement: Statement;
  private readonly deleteExpiredStatement: Statement;
  private readonly deleteSeriesChunksStatement: Statement;
  private readonly deleteSeriesStatement: Statement;
  private readonly writeRollupHeadStatement: Statement;
  private readonly deleteRollupHeadStatement: Statement;
  private readonly deleteSeriesRollupHeadsStatement: Statement;

  private readonly walCheckpointer: WalCheckpointer | null;

  private constructor(
    private readonly db: Database.Database,
    path: string,
    logger: Logger,
  ) {
    this.walCheckpointer = path === ":memory:" ? null : new WalCheckpointer(db, path, logger);
    this.insertSeriesStatement = db.prepare("INSERT OR REPLACE INTO series (id, name, labels, head) VALUES (?, ?, ?, ?)");
    this.writeHeadStatement = db.prepare("UPDATE series SET head = ? WHERE id = ?");
    this.insertChunkStatement = db.prepare(
      "INSERT OR REPLACE INTO chunks (series_id, level, min_ts, max_ts, samples, data) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.readChunkStatement = db.prepare("SELECT data FROM chunks WHERE series_id = ? AND level = ? AND min_ts = ?").pluck();
    this.deleteExpiredStatement = db.prepare(
      "DELETE FROM chunks WHERE rowid IN (SELECT rowid FROM chunks WHERE level = ? AND max_ts < ? LIMIT ?)",
    );
    this.deleteSeriesChunksStatement = db.prepare("DELETE FROM chunks WHERE series_id = ?");
    this.deleteSeriesStatement = db.prepare("DELETE FROM series WHERE id = ?");
    this.writeRollupHeadStatement = db.prepare("INSERT OR REPLACE INTO rollup_heads (series_id, level, data) VALUES (?, ?, ?)");
    this.deleteRollupHeadStatement = db.prepare("DELETE FROM rollup_heads WHERE series_id = ? AND level = ?");
    this.deleteSeriesRollupHeadsStatement = db.prepare("DELETE FROM rollup_heads WHERE series_id = ?");
  }

  /** Opens (creating if needed) the file; throws an Error naming the path when it cannot. */
  static open(path: string, logger: Logger = silentLogger()): TsdbFile {
    let db: Database.Database | undefined;
    try {
      if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
      db = new Database(path);
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      const version = db.pragma("user_version", { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw new Error(`its schema version ${version} is newer than this Vigil's (${SCHEMA_VERSION})`);
      if (version < SCHEMA_VERSION) {
        db.exec(`
          CREATE TABLE IF NOT EXISTS series (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            labels TEXT NOT NULL,
            head BLOB
          );
          CREATE TABLE IF NOT EXISTS chunks (
            series_id INTEGER NOT NULL,
            level INTEGER NOT NULL,
            min_ts INTEGER NOT NULL,
            max_ts INTEGER NOT NULL,
            samples INTEGER NOT NULL,
            data BLOB NOT NULL
          );
          CREATE UNIQUE INDEX IF NOT EXISTS chunks_by_series ON chunks (series_id, level, min_ts);
          CREATE INDEX IF NOT EXISTS chunks_by_age ON chunks (level, max_ts);
          CREATE TABLE IF NOT EXISTS rollup_heads (
            series_id INTEGER NOT NULL,
            level INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (series_id, level)
          );
        `);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }
      return new TsdbFile(db, path, logger);
    } catch (err) {
      db?.close();
      throw new Error(`cannot open the series store at ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  loadSeries(): StoredSeriesRow[] {
    return this.db.prepare("SELECT id, name, labels, head FROM series ORDER BY id").all() as StoredSeriesRow[];
  }

  loadRollupHeads(): StoredRollupHeadRow[] {
    return this.db.prepare("SELECT series_id, level, data FROM rollup_heads").all() as StoredRollupHeadRow[];
  }

  /** Every closed chunk's place and size, without its bytes, in (series, level, min_ts) order. */
  loadChunkIndex(): Iterable<StoredChunkRow> {
    return this.db
      .prepare("SELECT series_id, level, min_ts, max_ts, samples, length(data) AS size FROM chunks ORDER BY series_id, level, min_ts")
      .iterate() as Iterable<StoredChunkRow>;
  }

  readChunk(seriesId: number, level: number, minTs: number): Uint8Array | undefined {
    return this.readChunkStatement.get(seriesId, level, minTs) as Uint8Array | undefined;
  }

  /** Runs `work` in one transaction: all of it is written, or (when it throws) none. */
  transaction(work: () => void): void {
    this.db.transaction(work)();
  }

  insertSeries(id: number, name: string, labels: string, head: Uint8Array): void {
    this.insertSeriesStatement.run(id, name, labels, asBuffer(head));
  }

  writeHead(id: number, head: Uint8Array): void {
    this.writeHeadStatement.run(asBuffer(head), id);
  }

  /** A downsampled level's head chunk; empty bytes delete it. */
  writeRollupHead(seriesId: number, level: number, data: Uint8Array): void {
    if (data.length === 0) this.deleteRollupHeadStatement.run(seriesId, level);
    else this.writeRollupHeadStatement.run(seriesId, level, asBuffer(data));
  }

  insertChunk(seriesId: number, level: number, minTs: number, maxTs: number, samples: number, data: Uint8Array): void {
    this.insertChunkStatement.run(seriesId, level, minTs, maxTs, samples, asBuffer(data));
  }

  /** Deletes at most `limit` chunks of `level` that end before `horizon`; returns how many. */
  deleteChunksEndingBefore(level: number, horizon: number, limit: number): number {
    return this.deleteExpiredStatement.run(level, horizon, limit).changes;
  }

  /** Drops the chunks of levels the store no longer has (its downsampling was configured shorter). */
  deleteLevelsFrom(level: number): number {
    this.db.prepare("DELETE FROM rollup_heads WHERE level >= ?").run(level);
    return this.db.prepare("DELETE FROM chunks WHERE level >= ?").run(level).changes;
  }

  deleteSeries(id: number): void {
    this.deleteSeriesChunksStatement.run(id);
    this.deleteSeriesRollupHeadsStatement.run(id);
    this.deleteSeriesStatement.run(id);
  }

  /** Bytes of the database file (its WAL aside). */
  fileBytes(): number {
    const pages = this.db.pragma("page_count", { simple: true }) as number;
    const pageSize = this.db.pragma("page_size", { simple: true }) as number;
    return pages * pageSize;
  }

  /** After a store checkpoint: copy the WAL into the file, in the background. */
  checkpointWal(): void {
    this.walCheckpointer?.request();
  }

  async close(): Promise<void> {
    await this.walCheckpointer?.close();
    this.db.close();
  }
}
