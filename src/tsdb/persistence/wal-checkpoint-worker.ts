// Worker thread: copies the series store's WAL into its database file on request (SQLite
// PASSIVE checkpoint, which never blocks the writer), so that the copying and its fsyncs
// happen off the event loop. workerData: { path }. Messages in: "checkpoint"; out: the result.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

const db = new Database((workerData as { path: string }).path);
parentPort!.on("message", (message: unknown) => {
  if (message !== "checkpoint") return;
  try {
    const [result] = db.pragma("wal_checkpoint(PASSIVE)") as { busy: number; log: number; checkpointed: number }[];
    parentPort!.postMessage({ ok: true, ...result });
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: (err as Error).message });
  }
});
