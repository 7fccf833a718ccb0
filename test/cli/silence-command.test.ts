// `vigil silence add|list|expire` as a user runs them: the built CLI as a real process
// against the silence API on a real socket with real SQLite.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Fastify, { type FastifyInstance } from "fastify";
import { MaintenanceStage } from "../../src/alert/maintenance.js";
import { SilenceStage } from "../../src/alert/silences.js";
import { registerSilenceRoutes } from "../../src/server/http/silence-routes.js";
import { Journal } from "../../src/storage/journal.js";
import { openSqliteStorage, type SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { systemClock } from "../../src/util/clock.js";

const CLI = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "dist/src/cli/main.js");

let dir: string;
let storage: SqliteStorage;
let http: FastifyInstance;
let server: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "vigil-silence-cli-"));
  storage = openSqliteStorage(join(dir, "vigil.db"));
  const silences = new SilenceStage({ storage, journal: new Journal(storage, systemClock), clock: systemClock });
  await silences.load();
  http = Fastify({ logger: false });
  registerSilenceRoutes(http, { silences, maintenance: new MaintenanceStage([]), clock: systemClock });
  server = await http.listen({ host: "127.0.0.1", port: 0 });
});

after(async () => {
  await http.close();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI (asynchronously: the server answering it lives in this process). */
function vigil(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, VIGIL_SERVER: server, USER: "tester" }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolveRun({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe("vigil silence", () => {
  it("add creates a silence and prints what it mutes, until when, by whom", async () => {
    const r = await vigil("silence", "add", 'service="api"', "env=~prod.*", "--duration", "2h", "--comment", "deploy v2", "--author", "alice");
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines[0], 'Silence 1 created (active): service="api", env=~"prod.*"');
    const [, from, until] = /^ {2}from (\S+ \S+) until (\S+ \S+) \(2h\)$/.exec(lines[1]!) ?? assert.fail(lines[1]);
    assert.equal(Date.parse(until!.replace(" ", "T")) - Date.parse(from!.replace(" ", "T")), 2 * 3_600_000);
    assert.equal(lines[2], "  by alice: deploy v2");
  });

  it("add takes --end and defaults the author to $USER", async () => {
    const end = new Date(Date.now() + 3 * 3_600_000).toISOString();
    const r = await vigil("silence", "add", "node=node-a", "--end", end, "--server", server);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Silence 2 created \(active\): node="node-a"/);
    assert.match(r.stdout, /by tester\n$/);
  });

  it("add refuses bad input with the server's reason, or a missing end, and exits 1", async () => {
    const bad = await vigil("silence", "add", 'service="api"', "nonsense", "--duration", "1h");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /vigil silence add: invalid silence: matchers\[1\]: invalid matcher "nonsense"/);
    const noEnd = await vigil("silence", "add", 'service="api"');
    assert.equal(noEnd.code, 1);
    assert.match(noEnd.stderr, /give either --duration \(e\.g\. 2h\) or --end/);
  });

  it("list shows active and pending silences as a table", async () => {
    const r = await vigil("silence", "list");
    assert.equal(r.code, 0, r.stderr);
    const [header, first, second, ...rest] = r.stdout.trimEnd().split("\n");
    assert.match(header!, /^ID\s+STATE\s+MATCHERS\s+WHEN\s+BY\s+COMMENT$/);
    assert.match(first!, /^1\s+active\s+service="api", env=~"prod\.\*"\s+ends \S+ \S+ \(in 1h5\dm\)\s+alice\s+deploy v2$/);
    assert.match(second!, /^2\s+active\s+node="node-a"\s+ends .*tester$/);
    assert.deepEqual(rest, []);
  });

  it("expire ends a silence; list hides it unless --all; unknown ids fail", async () => {
    const r = await vigil("silence", "expire", "1");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Silence 1 expired: service="api", env=~"prod.*" is no longer silenced.\n');
    const again = await vigil("silence", "expire", "1");
    assert.equal(again.code, 0);
    assert.match(again.stdout, /^Silence 1 had already expired/);

    const list = await vigil("silence", "list");
    assert.doesNotMatch(list.stdout, /^1\s/m);
    const all = await vigil("silence", "list", "--all");
    assert.match(all.stdout, /^1\s+expired\s+service="api".*ended .* ago\)/m);

    const missing = await vigil("silence", "expire", "99");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /vigil silence expire: no silence with id 99/);
    const notAnId = await vigil("silence", "expire", "abc");
    assert.equal(notAnId.code, 1);
    assert.match(notAnId.stderr, /"abc" is not a silence id/);
  });

  it("says so when the server cannot be reached", async () => {
    const closed = Fastify();
    const url = await closed.listen({ host: "127.0.0.1", port: 0 });
    await closed.close();
    const r = await vigil("silence", "list", "--server", url);
    assert.equal(r.code, 1);
    assert.ok(r.stderr.startsWith(`vigil silence list: no Vigil server at ${url} — start one with \`vigil up\``), r.stderr);
  });
});
