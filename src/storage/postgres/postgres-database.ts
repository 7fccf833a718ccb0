// The pool as the PostgreSQL stores use it: every operation runs through attempt(), which
// fails with "storage <operation> failed: <cause>" like the SQLite storage, and refuses to
// run once the storage is closed; transaction() runs several statements on one connection.
import type pg from "pg";

/** Runs one statement and returns its rows. */
export type Query = <Row = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<Row[]>;

export class PostgresDatabase {
  private closed = false;
  private closing: Promise<void> | null = null;

  constructor(private readonly pool: pg.Pool) {}

  /** Runs `work` with a query function on the pool; a failure names the operation. */
  async attempt<T>(operation: string, work: (query: Query) => Promise<T>): Promise<T> {
    try {
      if (this.closed) throw new Error("the database connection is not open (storage closed)");
      return await work(async (sql, params) => (await this.pool.query(sql, params)).rows);
    } catch (err) {
      throw new Error(`storage ${operation} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Like attempt(), inside BEGIN … COMMIT on one connection; any failure rolls back. */
  transaction<T>(operation: string, work: (query: Query) => Promise<T>): Promise<T> {
    return this.attempt(operation, async () => {
      const client = await this.pool.connect();
      try {
        await client.query("BEGIN");
        const result = await work(async (sql, params) => (await client.query(sql, params)).rows);
        await client.query("COMMIT");
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    });
  }

  /** Idempotent; waits for the pool's connections to close. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= this.pool.end();
    return this.closing.catch((err: Error) => {
      throw new Error(`storage close failed: ${err.message}`, { cause: err });
    });
  }
}
