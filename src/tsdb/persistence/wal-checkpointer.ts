// Keeps the series store's write-ahead log short without blocking the event loop: SQLite's
// automatic WAL checkpoint would run inside a commit on the main thread, copying megabytes
// and fsyncing (bench/tsdb.ts: the p99 slice fell from 37 to 20 ms without it); a worker thread with
// its own connection checkpoints after each store checkpoint. Should the worker fail, the
// main connection checkpoints automatically again, slower but bounded.
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import type { Logger } from "../../util/logger.js";

/** Pages after which SQLite checkpoints by itself (its default), when the worker is gone. */
const AUTOMATIC_CHECKPOINT_PAGES = 1000;

export class WalCheckpointer {
  private worker: Worker | null;
  private busy = false;
  /** Completed background checkpoints. */
  completed = 0;

  constructor(
    private readonly db: Database.Database,
    path: string,
    private readonly logger: Logger,
  ) {
    db.pragma("wal_autocheckpoint = 0");
    this.worker = new Worker(new URL("./wal-checkpoint-worker.js", import.meta.url), { workerData: { path } });
    this.worker.unref();
    this.worker.on("message", (result: { ok: boolean; error?: string }) => {
      this.busy = false;
      if (result.ok) this.completed++;
      else this.logger.warn({ error: result.error }, "series store: background WAL checkpoint failed; will retry");
    });
    this.worker.on("error", (err) => this.fallBack(err));
    this.worker.on("exit", (code) => {
      if (this.worker !== null) this.fallBack(new Error(`the WAL checkpoint worker exited (${code})`));
    });
  }

  /** Asks for a checkpoint unless one is running. */
  request(): void {
    if (this.worker === null || this.busy) return;
    this.busy = true;
    this.worker.postMessage("checkpoint");
  }

  /** Stops the worker (the main connection's close then checkpoints the rest). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private fallBack(err: unknown): void {
    this.worker = null;
    this.logger.error({ err }, "series store: the WAL checkpoint worker failed; checkpointing on the main thread instead");
    this.db.pragma(`wal_autocheckpoint = ${AUTOMATIC_CHECKPOINT_PAGES}`);
  }
}
