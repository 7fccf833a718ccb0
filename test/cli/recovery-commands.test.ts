// `vigil incidents`, `vigil approve` and `vigil unfence` as a user runs them: the built CLI
// as a real process against a real server in this process, whose real agent's service
// waits for approval of its recovery (test/server/http/recovery-fixture.ts).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { IncidentRecord } from "../../src/storage/storage.js";
import { addLocalizedIncident, startApprovalScenario, waitForApprovalRequest, type ApprovalScenario } from "../server/http/recovery-fixture.js";

const CLI = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "dist/src/cli/main.js");

let scenario: ApprovalScenario;
let localized: IncidentRecord;

before(async () => {
  scenario = await startApprovalScenario();
  localized = await addLocalizedIncident(scenario.server, Date.now() - 600_000);
});
after(() => scenario.close());

/** Runs the CLI asynchronously: the server answering it lives in this process. */
function vigil(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, VIGIL_SERVER: scenario.server.url, USER: "tester" };
  delete env.VIGIL_AUTHOR;
  return new Promise((resolveRun) => {
    execFile(process.execPath, [CLI, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolveRun({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe("vigil incidents", () => {
  it("lists incidents newest first with state, figures, title and root cause, and which await approval", async () => {
    const { id } = scenario.incident;
    const r = await vigil("incidents");
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.match(lines[0]!, /^ID\s+STATE\s+DETECTED\s+MTTD\s+MTTL\s+MTTR\s+TITLE\s+ROOT CAUSE$/);
    assert.match(lines[1]!, new RegExp(`^${id}\\s+\\w+ \\(awaits approval\\)\\s+\\S+ ago\\s+\\S+\\s+\\S+\\s+-\\s+api on node-a is unhealthy\\s+\\S`));
    assert.match(lines[2]!, new RegExp(`^${localized.id}\\s+resolved\\s+(9|10)m\\d*s? ago\\s+1\\.5s\\s+2\\.5s\\s+7\\.5s\\s+web on node-b is unhealthy\\s+root cause: db on node-b — process crashed \\(exit code 137\\); confidence 0\\.90$`));
    assert.equal(lines[3], "");
    assert.equal(lines[4], `Incident ${id} waits for approval of a recovery step: vigil approve ${id}`);
  });

  it("--open leaves resolved incidents out; --json prints the API's JSON", async () => {
    const r = await vigil("incidents", "--open", "--json");
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { incidents: Array<{ id: number; waitingForApproval: boolean; figures: { mttlMs: number | null } }> };
    assert.deepEqual(json.incidents.map((i) => i.id), [scenario.incident.id]);
    assert.equal(json.incidents[0]!.waitingForApproval, true);
    assert.ok("mttlMs" in json.incidents[0]!.figures);
  });
});

describe("vigil approve", () => {
  it("refuses what is not an incident id, and unknown incidents with the server's error", async () => {
    const notAnId = await vigil("approve", "abc");
    assert.equal(notAnId.code, 1);
    assert.equal(notAnId.stderr, 'vigil approve: "abc" is not an incident id (a positive number; see vigil incidents)\n');
    const missing = await vigil("approve", "9999", "--by", "alice");
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, "vigil approve: no incident 9999\n");
  });

  it("approves the waiting step --by a name, else as $USER; then nothing waits and it fails with the server's reason", async () => {
    const { id } = scenario.incident;
    const r = await vigil("approve", String(id), "--by", "alice");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Incident ${id}: the waiting recovery step is approved by alice and runs now.\n`);
    await waitForApprovalRequest(scenario.server, id, 1);
    const second = await vigil("approve", String(id));
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /approved by tester and runs now/);
    const grants = await scenario.server.storage.listEvents({ kinds: ["approval.granted"], incidentId: id });
    assert.deepEqual(grants.map((e) => e.data), [{ step: 0, by: "alice" }, { step: 1, by: "tester" }]);

    const again = await vigil("approve", String(id));
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`^vigil approve: (incident ${id} is escalated: )?no step of incident ${id} is waiting for approval\\n$`));
  });
});

describe("vigil unfence", () => {
  it("unfences a node, says where the service runs and where it stays fenced; fails with the server's reason", async () => {
    const { placements } = scenario.server;
    await placements.moveTo("db", "node-c", "node-b");
    await placements.moveTo("db", "node-d", "node-c");
    const one = await vigil("unfence", "db", "--node", "node-b");
    assert.equal(one.code, 0, one.stderr);
    assert.equal(one.stdout, "db is no longer fenced on node-b: its instance there may be started again.\nIt runs on node-d.\nStill fenced on node-c.\n");
    assert.equal(placements.isFenced("db", "node-b"), false);
    assert.equal(placements.isFenced("db", "node-c"), true);

    const again = await vigil("unfence", "db", "--node", "node-b");
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'vigil unfence: service "db" is not fenced on node-b (fenced on: node-c)\n');

    const all = await vigil("unfence", "db");
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^db is no longer fenced on node-c:/);
    assert.deepEqual(placements.fencedOn("db"), []);

    const unknown = await vigil("unfence", "nope");
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'vigil unfence: no service "nope" in the config\n');
  });
});
