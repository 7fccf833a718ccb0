// GET /api/v1/advice on a real server started in this process, over real SQLite holding a
// hand-made week (availability-fixture.ts plus recurring db failures, an escalation, a
// flapping alert) and a firing forecast alert in its alert manager.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { D, H, M, S, T, addIncident, health, startInProcessServer, writeTopologyHistory, type InProcessServer } from "./availability-fixture.js";

let vigil: InProcessServer;

before(async () => {
  vigil = await startInProcessServer();
  const { server } = vigil;
  await writeTopologyHistory(server);
  // Two more memory outages of db this week, each restarted; the last one's playbook gave up once.
  for (const daysAgo of [2, 4]) {
    const at = T - daysAgo * D;
    await health(server, "db", "node-a", at, "healthy", "unhealthy", "process");
    await health(server, "db", "node-a", at + 4 * M, "unhealthy", "healthy");
    const incident = await addIncident(server, { key: "service:db", firstSignalAt: at, recoveredAt: at + 4 * M, resolvedAt: at + 4 * M, rootKey: "service:db", cause: "memory" });
    await server.storage.appendEvent({ ts: at + 10 * S, kind: "action.succeeded", incidentId: incident.id, node: "node-a", service: "db", data: { action: "restart" } });
    if (daysAgo === 2) {
      for (const attempt of [1, 2, 3]) {
        await server.storage.appendEvent({ ts: at + attempt * M, kind: "recovery.failed", incidentId: incident.id, node: "node-a", service: "db", data: { attempt, reason: "not healthy" } });
      }
      await server.storage.appendEvent({ ts: at + 3 * M, kind: "escalated", incidentId: incident.id, node: "node-a", service: "db", data: { reason: "attempts used up" } });
    }
  }
  await server.storage.appendEvent({
    ts: T - 5 * H,
    kind: "alert.flapping",
    node: "node-b",
    data: { fingerprint: "f-load", labels: { alertname: "HighLoad", node: "node-b", severity: "warning" }, withinMs: 600_000, settleMs: 300_000 },
  });
  await server.alerts.observe({
    labels: { alertname: "FilesystemWillFill", severity: "warning", node: "node-a", mountpoint: "/" },
    annotations: { summary: "`/` on node-a will be full in 37 min (trend −2.1 MB/s, fit r² 0.97)", forecast_state: "exhausting", eta_seconds: "2220", confidence: "0.91" },
    active: true,
    value: 4.6e9,
    forMs: 0,
  });
});

after(async () => {
  await vigil.close();
});

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(vigil.server.url + path);
  return { status: res.status, body: await res.json() };
}

test("the week's advice, most severe first, each with its evidence", async () => {
  const { status, body } = await get("/api/v1/advice");
  assert.equal(status, 200);
  assert.equal(body.generatedAt, T);
  assert.equal(body.window, "7d");
  assert.deepEqual(
    body.advice.map((a: any) => `${a.severity} ${a.kind} ${a.subject}`),
    [
      "warning failing-playbook service:db",
      "warning flapping-check node:node-b",
      "warning recurring-incident service:db",
      "warning resource-forecast node:node-a",
      "warning single-point-of-failure service:db",
      "info single-point-of-failure service:api",
    ],
  );
  const byKind = (kind: string, subject: string) => body.advice.find((a: any) => a.kind === kind && a.subject === subject);
  assert.equal(byKind("recurring-incident", "service:db").message, "db failed 3 times in 7d (restarted 2 times), cause memory: look for a leak or raise its limit");
  assert.equal(
    byKind("failing-playbook", "service:db").message,
    "recovery of db (playbook default) keeps failing: 3 failed attempts and 1 escalation in 7d, cause memory: its steps do not fix what breaks it; look for a leak or raise its limit",
  );
  const spof = byKind("single-point-of-failure", "service:db");
  assert.match(spof.message, /^db has dependents \(api\) and no standby: when it or node-a fails, they fail too; add a standby on another node: modelled availability 99\.\d+% → 99\.9+\d*% \(from 3 failures in 7d: /);
  assert.equal(spof.evidence.incidents, 3);
  assert.ok(spof.evidence.modelledWithStandbyPercent > spof.evidence.modelledPercent);
  assert.match(byKind("single-point-of-failure", "service:api").message, /no failure of its own measured in 7d/);
  assert.match(byKind("resource-forecast", "node:node-a").message, /^`\/` on node-a will be full in 37 min .*: free space/);
  assert.match(byKind("flapping-check", "node:node-b").message, /^alert HighLoad on node-b flapped 1 time in 7d/);
});

test("a shorter window sees less; a bad window is refused", async () => {
  const { body } = await get("/api/v1/advice?window=24h");
  assert.equal(body.window, "24h");
  assert.deepEqual(
    body.advice.map((a: any) => `${a.kind} ${a.subject}`),
    ["flapping-check node:node-b", "resource-forecast node:node-a", "single-point-of-failure service:db", "single-point-of-failure service:api"],
  );
  assert.deepEqual(await get("/api/v1/advice?window=often"), {
    status: 400,
    body: { error: 'invalid query: window: expected a duration such as "24h" or "7d", got "often"' },
  });
  assert.equal((await get("/api/v1/advice?service=db")).status, 400);
});
