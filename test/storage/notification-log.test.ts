// The notification log and keepFiringFor deadlines in SQLite, on a real file: a database from
// before they existed upgrades. (How entries round-trip is in the shared storage-suite.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openSqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { applyMigrations, migrations } from "../../src/storage/sqlite/migrations.js";
import type { AlertRecord, NotificationLogEntry } from "../../src/storage/storage.js";

function tempFile(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "vigil-nflog-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "vigil.db");
}

const groupKey = '{}/{severity="critical"}:{alertname="HighCpu"}';
const entry: NotificationLogEntry = { receiver: "oncall", groupKey, firing: ["aaaa", "bbbb"], resolved: ["cccc"], sentAt: 1_700_000_000_000 };

const alert: AlertRecord = {
  fingerprint: "0123456789abcdef",
  labels: { alertname: "HighCpu" },
  annotations: {},
  state: "firing",
  activeAt: 1000,
  firedAt: 1000,
  resolvedAt: null,
  value: 0.95,
  updatedAt: 2000,
};

test("a database written before the notification log existed is upgraded, its alerts kept", async (t) => {
  const file = tempFile(t);
  const old = new Database(file);
  applyMigrations(old, migrations.slice(0, 1));
  old
    .prepare(
      `INSERT INTO alerts (fingerprint, labels, annotations, state, active_at, fired_at, resolved_at, value, updated_at)
       VALUES ('0123456789abcdef', '{"alertname":"HighCpu"}', '{}', 'firing', 1000, 1000, NULL, 0.95, 2000)`,
    )
    .run();
  old.close();

  const storage = openSqliteStorage(file);
  t.after(() => storage.close());
  assert.deepEqual(await storage.listAlerts(), [alert]);
  await storage.putNotificationLog(entry);
  assert.deepEqual(await storage.getNotificationLog("oncall", groupKey), entry);
});
