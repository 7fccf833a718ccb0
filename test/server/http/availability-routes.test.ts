// GET /api/v1/availability on a real server started in this process, over real SQLite
// holding a hand-made history (availability-fixture.ts): every figure checked by hand,
// the filters, and the errors a caller gets for bad queries.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { D, H, M, S, T, addIncident, startInProcessServer, writeTopologyHistory, type InProcessServer } from "./availability-fixture.js";

let vigil: InProcessServer;

before(async () => {
  vigil = await startInProcessServer();
  await writeTopologyHistory(vigil.server);
});

after(async () => {
  await vigil.close();
});

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(vigil.server.url + path);
  return { status: res.status, body: await res.json() };
}

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual} vs ${expected}`);

test("every service and node over 1h, 24h, 7d and 30d by default", async () => {
  const { status, body } = await get("/api/v1/availability");
  assert.equal(status, 200);
  assert.equal(body.generatedAt, T);
  assert.deepEqual(body.windows, ["1h", "24h", "7d", "30d"]);
  assert.deepEqual(body.services.map((s: any) => [s.name, s.node]), [["db", "node-a"], ["api", "node-a"], ["web", "node-b"]]);
  assert.deepEqual(body.nodes.map((n: any) => n.name), ["node-a", "node-b"]);
  for (const c of [...body.services, ...body.nodes]) assert.deepEqual(c.windows.map((w: any) => w.window), ["1h", "24h", "7d", "30d"]);
  const lastHour = body.services[0].windows[0];
  assert.deepEqual([lastHour.from, lastHour.to, lastHour.uptimePercent, lastHour.incidents, lastHour.mtbfMs], [T - H, T, 100, 0, null]);
});

test("db over 24h: one 6-minute outage, MTBF, MTTD, MTTR and A from its incident", async () => {
  const { body } = await get("/api/v1/availability?window=24h&service=db");
  assert.deepEqual(body.windows, ["24h"]);
  assert.equal(body.nodes.length, 0);
  assert.equal(body.services.length, 1);
  const db = body.services[0];
  assert.equal(db.slo, null);
  const w = db.windows[0];
  assert.equal(w.downMs, 6 * M);
  assert.equal(w.upMs, D - 6 * M);
  assert.equal(w.unknownMs, 0);
  assert.equal(w.observedPercent, 100);
  close(w.uptimePercent, (100 * (D - 6 * M)) / D, "uptime");
  assert.equal(w.outages, 1);
  assert.equal(w.incidents, 1);
  assert.equal(w.openIncidents, 0);
  assert.equal(w.mtbfMs, D - 6 * M);
  assert.equal(w.mttdMs, 5 * S);
  assert.equal(w.mttrMs, 6 * M - 5 * S);
  assert.equal(w.meanOutageMs, 6 * M);
  close(w.availabilityPercent, (100 * (D - 6 * M)) / D, "A");
});

test("api: down with db as a correlated member; its SLO budget over 30 days and burn rates", async () => {
  const { body } = await get("/api/v1/availability?service=api");
  const api = body.services[0];
  const down = 6 * M + 20 * S;
  const [hour, day] = api.windows;
  assert.equal(hour.burnRate, 0);
  assert.equal(day.downMs, down);
  assert.equal(day.incidents, 1, "db's incident has api among its members");
  close(day.burnRate, down / D / 0.001, "24h burn rate");
  const slo = api.slo;
  assert.equal(slo.targetPercent, 99.9);
  assert.equal(slo.windowMs, 30 * D);
  close(slo.allowedErrorRate, 0.001, "allowed error rate");
  close(slo.budgetMs, 0.001 * 30 * D, "budget");
  assert.equal(slo.spentMs, down);
  close(slo.remaining, 1 - down / (30 * D) / 0.001, "remaining");
  close(slo.remainingMs, 0.001 * 30 * D - down, "remaining ms (fully observed: budget − spent)");
});

test("web is down while its node is down; node-b from its last heartbeat to its return", async () => {
  const { body } = await get("/api/v1/availability?window=24h&service=web&node=node-b");
  const web = body.services[0].windows[0];
  assert.equal(web.downMs, 30 * M + 5 * S);
  assert.equal(web.incidents, 1, "node-b's incident has web among its members");
  const nodeB = body.nodes[0];
  assert.equal(nodeB.name, "node-b");
  assert.equal("slo" in nodeB, false);
  const w = nodeB.windows[0];
  assert.equal(w.downMs, 30 * M + 10 * S);
  assert.equal(w.unknownMs, 0, "node-b's agent reported (web's first probe) before any verdict: observed from then");
  assert.equal(w.incidents, 1);
  assert.equal(w.mttdMs, 10 * S);
  assert.equal(w.mttrMs, 30 * M);
  const nodeA = (await get("/api/v1/availability?window=7d&node=node-a")).body.nodes[0].windows[0];
  assert.deepEqual([nodeA.uptimePercent, nodeA.downMs, nodeA.incidents], [100, 0, 0]);
});

test("an incident still open when asked counts, and its outage runs to now", async () => {
  vigil.clock.advance(10 * M);
  try {
    await vigil.server.storage.appendEvent({ ts: T + 5 * M, kind: "service.health", node: "node-a", service: "db", data: { from: "healthy", to: "unhealthy", source: "probe" } });
    await addIncident(vigil.server, { key: "service:db", state: "mitigating", firstSignalAt: T + 5 * M, detectedAt: T + 5 * M + 2 * S });
    const { body } = await get("/api/v1/availability?window=1h&service=db");
    const w = body.services[0].windows[0];
    assert.equal(w.to, T + 10 * M);
    assert.equal(w.downMs, 5 * M);
    assert.equal(w.outages, 1);
    assert.deepEqual([w.incidents, w.openIncidents, w.mtbfMs, w.mttdMs, w.mttrMs, w.availabilityPercent], [1, 1, H - 5 * M, 2 * S, null, null]);
  } finally {
    await vigil.server.storage.appendEvent({ ts: T + 10 * M, kind: "service.health", node: "node-a", service: "db", data: { from: "unhealthy", to: "healthy", source: "probe" } });
  }
});

test("bad queries are refused naming the parameter; unknown services and nodes are 404", async () => {
  assert.deepEqual(await get("/api/v1/availability?window=5x"), {
    status: 400,
    body: { error: 'invalid query: window: expected a duration such as "24h" or "7d", got "5x"' },
  });
  assert.deepEqual((await get("/api/v1/availability?window=10s")).body, { error: 'invalid query: window: expected at least 1m, got "10s"' });
  assert.deepEqual(await get("/api/v1/availability?windows=1h"), { status: 400, body: { error: 'invalid query: unknown parameter "windows"' } });
  assert.deepEqual(await get("/api/v1/availability?service=nope"), { status: 404, body: { error: 'no service "nope" in the config' } });
  assert.deepEqual(await get("/api/v1/availability?node=nope"), { status: 404, body: { error: 'no node "nope": none has connected and no service names it' } });
});
