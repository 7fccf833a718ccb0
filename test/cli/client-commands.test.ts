// `vigil status | nodes | services | alerts | incidents ID` as a user runs them: the built CLI
// as a real process (stdout not a terminal: no colour) against a real server in this process.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Fastify from "fastify";
import { M, S, T, addIncident, startInProcessServer, writeTopologyHistory, type InProcessServer } from "../server/http/availability-fixture.js";

const CLI = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "dist/src/cli/main.js");

let vigil: InProcessServer;
let incidentId: number;

before(async () => {
  vigil = await startInProcessServer();
  const { server } = vigil;
  await writeTopologyHistory(server);
  await server.alerts.observe({ labels: { alertname: "ServiceDown", severity: "warning", service: "api", node: "node-a" }, annotations: { summary: "api is unhealthy" }, active: true, value: null, forMs: 0 });
  await server.alerts.observe({ labels: { alertname: "NodeDown", severity: "critical", node: "node-b" }, annotations: { summary: "node-b is down" }, active: true, value: null, forMs: 0 });
  const incident = await addIncident(server, { key: "service:api", firstSignalAt: T - 10 * M, resolvedAt: T - 9 * M, rootCause: "root cause: api on node-a — process crashed; confidence 0.9" });
  incidentId = incident.id;
  const at = (ms: number, kind: string, data: Record<string, unknown> = {}) => server.storage.appendEvent({ ts: T - 10 * M + ms, kind, incidentId: incident.id, service: "api", node: "node-a", data });
  await at(0, "signal", { source: "process", detail: "process exited (killed by SIGKILL)" });
  await at(200, "incident.opened");
  await at(1200, "action.started", { action: "restart" });
  await at(1700, "action.succeeded", { action: "restart" });
  await at(4 * S, "recovery.verified");
  await at(4 * S + 3, "incident.resolved");
});

after(async () => {
  await vigil.close();
});

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, VIGIL_SERVER: vigil.server.url, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolveRun({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe("client commands", () => {
  it("vigil services: an aligned table, no colour codes when stdout is not a terminal", async () => {
    const r = await run(["services"]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /\x1b\[/);
    const lines = r.stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^SERVICE +HEALTH +NODE +FOR +PID +DEPENDS ON +RISK +DETAIL$/);
    const api = lines.find((l) => l.startsWith("api "))!;
    assert.match(api, /^api +unknown +node-a +\S+ +- +db +\d\.\d\d/);
    // Aligned: every row's HEALTH column starts where the header's does.
    const column = lines[0]!.indexOf("HEALTH");
    for (const l of lines.slice(1)) assert.equal(l.indexOf("unknown"), column, l);
  });

  it("vigil alerts: most severe first, with what mutes them", async () => {
    const silence = await fetch(`${vigil.server.url}/api/v1/silences`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ matchers: ['alertname="ServiceDown"'], duration: "1h", createdBy: "t" }),
    }).then((res) => res.json() as Promise<{ silence: { id: number } }>);
    const r = await run(["alerts"]);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.split("\n").filter((l) => /NodeDown|ServiceDown/.test(l));
    assert.match(rows[0]!, /^firing +critical +NodeDown +node=node-b +.* node-b is down$/);
    assert.match(rows[1]!, new RegExp(`^silenced by ${silence.silence.id} +warning +ServiceDown +node=node-a service=api `));
    const json = JSON.parse((await run(["alerts", "--json"])).stdout);
    assert.deepEqual(json.alerts.map((a: { status: string }) => a.status), ["firing", `silenced by ${silence.silence.id}`]);
  });

  it("vigil incidents ID: figures, root cause and the timeline with the time between steps", async () => {
    const r = await run(["incidents", String(incidentId)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Incident #${incidentId} +resolved +api failed`));
    assert.match(r.stdout, /root cause: api on node-a — process crashed/);
    const steps = r.stdout.split("\n").filter((l) => /^\d\d:\d\d:\d\d\.\d{3}/.test(l));
    assert.deepEqual(
      steps.map((l) => l.split(/ {2,}/).slice(1, 3)),
      [
        ["signal", "process: process exited (killed by SIGKILL)"],
        ["+200ms", "incident.opened"],
        ["+1s", "action.started"],
        ["+500ms", "action.succeeded"],
        ["+2.3s", "recovery.verified"],
        ["+3ms", "incident.resolved"],
      ],
    );
    assert.equal((await run(["incidents", "abc"])).stderr, 'vigil incidents: "abc" is not an incident id (a positive number; see vigil incidents)\n');
    assert.equal((await run(["incidents", "999"])).stderr, "vigil incidents: no incident 999\n");
  });

  it("--json prints the API's JSON for scripts", async () => {
    const status = JSON.parse((await run(["status", "--json"])).stdout);
    assert.equal(status.status.version, "0.1.0");
    assert.deepEqual(status.services.map((s: { name: string }) => s.name).sort(), ["api", "db", "web"]);
    const nodes = JSON.parse((await run(["nodes", "--json"])).stdout);
    assert.ok(Array.isArray(nodes.nodes));
  });

  it("says how to start a server when none answers", async () => {
    const closed = Fastify();
    const url = await closed.listen({ host: "127.0.0.1", port: 0 });
    await closed.close();
    for (const command of ["status", "nodes", "services", "alerts", "incidents"]) {
      const r = await run([command, "--server", url]);
      assert.equal(r.code, 1);
      assert.ok(r.stderr.startsWith(`vigil ${command}: no Vigil server at ${url} — start one with \`vigil up\``), r.stderr);
    }
  });
});
