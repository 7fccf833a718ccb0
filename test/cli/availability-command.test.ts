// `vigil availability` and `vigil advice` as a user runs them: the built CLI as a real
// process against a real server started in this process (real socket, real SQLite) that
// holds a hand-made history (test/server/http/availability-fixture.ts).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Fastify from "fastify";
import { startInProcessServer, writeTopologyHistory, type InProcessServer } from "../server/http/availability-fixture.js";

const CLI = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "dist/src/cli/main.js");

let vigil: InProcessServer;

before(async () => {
  vigil = await startInProcessServer();
  await writeTopologyHistory(vigil.server);
});

after(async () => {
  await vigil.close();
});

/** Runs the CLI asynchronously: the server answering it lives in this process. */
function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runAgainst(vigil, ...args);
}

function runAgainst(server: InProcessServer, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, VIGIL_SERVER: server.server.url }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolveRun({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function api(path: string): Promise<unknown> {
  return (await fetch(vigil.server.url + path)).json();
}

describe("vigil availability", () => {
  it("prints a table per kind, one row per component and window", async () => {
    const r = await run("availability");
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.equal(lines[0], "Services");
    assert.match(lines[1]!, /^SERVICE\s+NODE\s+WINDOW\s+UPTIME\s+OBSERVED\s+INCIDENTS\s+MTBF\s+MTTD\s+MTTR\s+A\s+SLO\s+BUDGET LEFT\s+BURN$/);
    assert.equal(lines.filter((l) => /^(db|api|web)\s/.test(l)).length, 12);
    assert.match(r.stdout, /^db\s+node-a\s+1h\s+100%\s+100%\s+0\s+>1h\s+-\s+-\s+-\s+-\s+-\s+-$/m);
    assert.match(r.stdout, /^db\s+node-a\s+24h\s+99\.6%\s+100%\s+1\s+23h54m\s+5s\s+5m55s\s+99\.6%\s+-\s+-\s+-$/m);
    // api: 6m20s down of a 43.2-minute budget: 85% (36m52s) left; 24h burn rate 380 s / 86400 s / 0.001 = 4.40.
    assert.match(r.stdout, /^api\s+node-a\s+24h\s+99\.6%\s+100%\s+1\s+\S+\s+5s\s+5m55s\s+99\.6%\s+99\.9%\/30d\s+85% \(36m52s\)\s+4\.40$/m);
    assert.match(r.stdout, /^Nodes\nNODE\s+WINDOW\s+UPTIME/m);
    assert.match(r.stdout, /^node-b\s+24h\s+97\.9%\s+100%\s+1\s+23h29m\s+10s\s+30m\s+97\.9%$/m);
  });

  it("--window, --service and --node narrow the report", async () => {
    const r = await run("availability", "--window", "7d", "--node", "node-b");
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /^Services$/m);
    assert.deepEqual(
      r.stdout.split("\n").filter((l) => /^node-/.test(l)).map((l) => l.split(/\s+/).slice(0, 3)),
      [["node-b", "7d", "99.7%"]],
    );
    const db = await run("availability", "--service", "db", "--window", "30d");
    assert.deepEqual(db.stdout.split("\n").filter((l) => /^(db|api|web|node-)/.test(l)).map((l) => l.split(/\s+/)[0]), ["db"]);
  });

  it("--json prints the API's document", async () => {
    const r = await run("availability", "--json", "--window", "24h");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), await api("/api/v1/availability?window=24h"));
  });

  it("bad input and unknown names fail with the server's reason and exit 1", async () => {
    const bad = await run("availability", "--window", "5x");
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'vigil availability: invalid query: window: expected a duration such as "24h" or "7d", got "5x"\n');
    const unknown = await run("availability", "--service", "nope");
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'vigil availability: no service "nope" in the config\n');
  });

  it("says so when the server cannot be reached", async () => {
    const closed = Fastify();
    const url = await closed.listen({ host: "127.0.0.1", port: 0 });
    await closed.close();
    const r = await run("availability", "--server", url);
    assert.equal(r.code, 1);
    assert.ok(r.stderr.startsWith(`vigil availability: no Vigil server at ${url} — start one with \`vigil up\``), r.stderr);
  });
});

describe("vigil advice", () => {
  it("prints each item's severity, subject and kind, then its sentence, most severe first", async () => {
    const r = await run("advice");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        "Advice for the last 7d (2)",
        "",
        "WARNING  service:db  (single-point-of-failure)",
        "  db has dependents (api) and no standby: when it or node-a fails, they fail too; add a standby on another node: " +
          "modelled availability 99.94% → 99.9991% (from 1 failure in 7d: MTBF 6d23h, mean outage 6m, MTTD 5s)",
        "",
        "INFO  service:api  (single-point-of-failure)",
        "  api has dependents (web) and no standby: when it or node-a fails, they fail too; add a standby on another node (no failure of its own measured in 7d to model the gain)",
        "",
      ].join("\n"),
    );
  });

  it("--json prints the API's document; a window with nothing to say says so", async () => {
    const json = await run("advice", "--json", "--window", "30d");
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), await api("/api/v1/advice?window=30d"));
    const lone = await startInProcessServer("services:\n  - { name: db, node: node-a }\n");
    try {
      const quiet = await runAgainst(lone, "advice", "--window", "1h");
      assert.equal(quiet.code, 0, quiet.stderr);
      assert.match(quiet.stdout, /^No advice for the last 1h: no recurring incidents, /);
    } finally {
      await lone.close();
    }
    const bad = await run("advice", "--window", "never");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^vigil advice: invalid query: window: expected a duration/);
  });
});
