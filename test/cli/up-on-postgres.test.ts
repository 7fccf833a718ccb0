// `vigil up` is the one-machine start on SQLite: with a PostgreSQL storage configured it
// refuses to start (a server on PostgreSQL is a replica that must win the leader lease
// before it acts; `vigil up` would act beside the cluster's leader), naming what to run instead.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "dist/src/cli/main.js");

test("vigil up with $VIGIL_DATABASE_URL set refuses to start, writes nothing, and says what to run", () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-up-pg-"));
  try {
    const data = join(dir, "data");
    const r = spawnSync(process.execPath, [CLI, "up", "--data", data], {
      env: { ...process.env, VIGIL_DATABASE_URL: "postgres://vigil:secret@127.0.0.1:1/vigil" },
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /vigil up runs one server on SQLite .* start `vigil server` on each replica and `vigil agent --server URL1,URL2,\.\.\.` on each node/);
    assert.doesNotMatch(r.stderr, /secret/);
    assert.equal(existsSync(data), false, "no data directory was made");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
