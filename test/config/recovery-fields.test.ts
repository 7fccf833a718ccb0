// The services[] fields the recovery actions need (standby, promote, snapshot, restore,
// commands, cleanup, commandTimeout): defaults, path resolution, and each mistake reported
// at its path, line and column.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, type ConfigProblem } from "../../src/config/config-error.js";
import { loadConfigFile, parseConfig } from "../../src/config/load.js";

function problemsOf(lines: string[]): ConfigProblem[] {
  try {
    parseConfig(lines.join("\n") + "\n", { file: "vigil.yaml", env: {} });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("expected the config to be rejected");
}

/** Line n (1-based), at the column where `text` starts on it. */
const at = (lines: string[], line: number, text: string) => {
  const index = lines[line - 1]!.indexOf(text);
  assert.ok(index >= 0, `${JSON.stringify(text)} is on line ${line}`);
  return { line, column: index + 1 };
};

test("the recovery fields are read with their defaults, durations in ms", () => {
  const config = parseConfig(
    [
      "services:",
      "  - name: db",
      "    node: node-a",
      "    run: { command: postgres }",
      "    standby: [node-b, node-c]",
      '    promote: "pg_ctl promote"',
      "    snapshot: { path: /var/lib/db }",
      "    commands: { vacuum: \"vacuumdb --all\", reindex: \"reindexdb\" }",
      '    cleanup: "rm -rf /var/lib/db/tmp"',
      "    commandTimeout: 90s",
      "  - name: cache",
      "    run: { command: redis-server }",
      '    snapshot: { path: /var/lib/cache, every: 30s, keep: 5 }',
      '    restore: "restore-cache --latest"',
    ].join("\n"),
    { env: {} },
  );
  const [db, cache] = config.services;
  assert.deepEqual(db!.standby, ["node-b", "node-c"]);
  assert.equal(db!.promote, "pg_ctl promote");
  assert.deepEqual(db!.snapshot, { path: "/var/lib/db", every: 300_000, keep: 3 });
  assert.deepEqual(db!.commands, { vacuum: "vacuumdb --all", reindex: "reindexdb" });
  assert.equal(db!.cleanup, "rm -rf /var/lib/db/tmp");
  assert.equal(db!.commandTimeout, 90_000);
  assert.equal(db!.restore, undefined);
  assert.deepEqual(cache!.snapshot, { path: "/var/lib/cache", every: 30_000, keep: 5 });
  assert.equal(cache!.restore, "restore-cache --latest");
  assert.equal(cache!.standby, undefined);
  assert.equal(cache!.commandTimeout, undefined, "the agent applies the 60 s default");
});

test("a relative snapshot path resolves against the config file's directory", () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-config-"));
  try {
    const file = join(dir, "vigil.yaml");
    writeFileSync(file, "services:\n  - name: db\n    run: { command: db }\n    snapshot: { path: ./data/db }\n");
    assert.equal(loadConfigFile(file, {}).services[0]!.snapshot!.path, join(dir, "data/db"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("mistakes in the recovery fields are reported at their path, line and column", () => {
  const lines = [
    /*  1 */ "services:",
    /*  2 */ "  - name: db",
    /*  3 */ "    node: node-a",
    /*  4 */ "    standby: [node-b, node-a, node-b]",
    /*  5 */ "    snapshot: { path: /, every: 10ms, keep: 0 }",
    /*  6 */ '    commands: { "bad name": "true", empty: "" }',
    /*  7 */ "    commandTimeout: soon",
    /*  8 */ "  - name: api",
    /*  9 */ '    promote: "promote-api"',
    /* 10 */ "    snapshot: { every: 1m }",
    /* 11 */ "    restore: 3",
    /* 12 */ "    cleanup: [rm, -rf]",
    /* 13 */ "  - name: web",
    /* 14 */ "    standby: []",
  ];
  assert.deepEqual(problemsOf(lines), [
    { path: "services[0].standby[1]", message: 'standby "node-a" is the service\'s own node: a standby must be another node', ...at(lines, 4, "node-a") },
    { path: "services[0].standby[2]", message: 'standby "node-b" is listed twice', ...at(lines, 4, "node-b]") },
    { path: "services[0].snapshot.path", message: 'expected a data directory, not "/"', ...at(lines, 5, "/,") },
    { path: "services[0].snapshot.every", message: "expected at least 1s", ...at(lines, 5, "10ms") },
    { path: "services[0].snapshot.keep", message: "expected at least 1, got 0", ...at(lines, 5, "0 }") },
    {
      path: 'services[0].commands["bad name"]',
      message: "invalid key: expected a name of letters, digits, '.', '_', ':' or '-', got \"bad name\"",
      ...at(lines, 6, '"bad name"'),
    },
    { path: "services[0].commands.empty", message: "expected a command line", ...at(lines, 6, '""') },
    { path: "services[0].commandTimeout", message: 'expected a duration such as "1s", got "soon"', ...at(lines, 7, "soon") },
    {
      path: "services[1].promote",
      message: "promote runs on a standby after a failover: expected standby nodes too (standby: [NODE, ...])",
      ...at(lines, 9, '"promote-api"'),
    },
    { path: "services[1].snapshot", message: 'missing required key "path" (expected a string)', ...at(lines, 10, "{") },
    { path: "services[1].restore", message: "expected a string, got 3", ...at(lines, 11, "3") },
    { path: "services[1].cleanup", message: "expected a string, got a list", ...at(lines, 12, "[") },
    { path: "services[2].standby", message: "expected at least 1 entry, got 0", ...at(lines, 14, "[]") },
  ]);
});
