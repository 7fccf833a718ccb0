// Incident correlation over real SQLite storage: related failures (dependsOn, same node,
// hosting node) within the window join one incident as members; unrelated or late ones
// open their own; resolution frees every member; members and the localization survive a
// restart; a localization is journalled only when the root or the cause changes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { incidentFigures } from "../../src/incident/incident-figures.js";
import { IncidentManager, type IncidentSignal } from "../../src/incident/incident-manager.js";
import { Topology } from "../../src/incident/topology.js";
import { Journal } from "../../src/storage/journal.js";
import { openSqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { ManualClock } from "../../src/util/clock.js";

const START = 1_000_000;
const WINDOW = 120_000;
const topology = new Topology([
  { name: "db", node: "node-b", dependsOn: [] },
  { name: "api", node: "node-a", dependsOn: ["db"] },
  { name: "web", node: "node-a", dependsOn: ["api"] },
  { name: "cache", node: "node-c", dependsOn: [] },
  { name: "batch", node: "node-a", dependsOn: [] },
]);

function open(path: string, clock: ManualClock) {
  const storage = openSqliteStorage(path);
  const journal = new Journal(storage, clock);
  const incidents = new IncidentManager(storage, journal, clock, { windowMs: WINDOW, weakWindowMs: 10_000, relation: (a, b) => topology.relation(a, b) });
  return { storage, incidents };
}

function down(service: string, firstSignalAt: number): IncidentSignal {
  return { key: `service:${service}`, kind: "service", target: service, node: topology.nodeOf(service), title: `${service} down`, firstSignalAt, signal: { source: "probe" } };
}

test("a dependency chain failing together is one incident; an unrelated failure is another", async () => {
  const clock = new ManualClock(START);
  const { storage, incidents } = open(":memory:", clock);
  const db = await incidents.report(down("db", START));
  const api = await incidents.report(down("api", START + 2_000));
  const web = await incidents.report(down("web", START + 3_000));
  const cache = await incidents.report(down("cache", START + 3_000));
  assert.equal(db.opened, true);
  assert.deepEqual([api.opened, api.joined, web.joined], [false, true, true]);
  assert.equal(api.incident.id, db.incident.id);
  assert.equal(web.incident.id, db.incident.id);
  assert.equal(cache.opened, true);
  assert.notEqual(cache.incident.id, db.incident.id);
  assert.deepEqual(db.incident.members, ["service:db", "service:api", "service:web"]);
  assert.equal(incidents.openIncident("service:web"), db.incident);
  const correlated = await storage.listEvents({ incidentId: db.incident.id, kinds: ["incident.correlated"] });
  assert.deepEqual(correlated.map((e) => e.data), [
    { key: "service:api", reason: "api depends on db" },
    { key: "service:web", reason: "web depends on db" },
  ]);
  assert.equal(incidents.openIncidents().length, 2);
  await storage.close();
});

test("an earlier first signal of a joining member moves the incident's first signal (MTTD counts from it)", async () => {
  const clock = new ManualClock(START + 5_000);
  const { storage, incidents } = open(":memory:", clock);
  const db = await incidents.report(down("db", START + 4_000));
  await incidents.report(down("api", START + 1_000));
  assert.equal(db.incident.firstSignalAt, START + 1_000);
  assert.equal(incidentFigures(db.incident).mttdMs, 4_000);
  await storage.close();
});

test("a dependency relation wins over merely sharing a node; an escalated incident takes no one in", async () => {
  const clock = new ManualClock(START);
  const { storage, incidents } = open(":memory:", clock);
  const batch = await incidents.report(down("batch", START));
  const db = await incidents.report(down("db", START + 1_000));
  const api = await incidents.report(down("api", START + 2_000));
  assert.equal(api.incident.id, db.incident.id, "api joins db's incident (it depends on db), not batch's (same node only)");
  await incidents.escalate(batch.incident, "gave up");
  await incidents.escalate(db.incident, "gave up");
  const web = await incidents.report(down("web", START + 3_000));
  assert.equal(web.opened, true, "escalated incidents take no new member");
  await storage.close();
});

test("services that merely share a node join only when they fail close together", async () => {
  const clock = new ManualClock(START);
  const { storage, incidents } = open(":memory:", clock);
  const batch = await incidents.report(down("batch", START));
  const api = await incidents.report(down("api", START + 5_000));
  assert.equal(api.incident.id, batch.incident.id, "5 s apart on node-a: one incident");
  const web = await incidents.report(down("web", START + 60_000));
  assert.equal(web.incident.id, batch.incident.id, "web depends on api, a member: joins within the full window");
  const late = await incidents.report({ ...down("batch", START + 30_000), key: "service:cron", target: "cron" });
  assert.equal(late.opened, true, "cron is unknown to the topology: unrelated");
  await storage.close();
});

test("a related failure outside the window opens its own incident", async () => {
  const clock = new ManualClock(START);
  const { storage, incidents } = open(":memory:", clock);
  const db = await incidents.report(down("db", START));
  clock.advance(WINDOW + 1);
  const api = await incidents.report(down("api", START + WINDOW + 1));
  assert.equal(api.opened, true);
  assert.notEqual(api.incident.id, db.incident.id);
  await storage.close();
});

test("failures reported at the same moment meet: the second joins the first", async () => {
  const clock = new ManualClock(START);
  const { storage, incidents } = open(":memory:", clock);
  const [a, b] = await Promise.all([incidents.report(down("api", START)), incidents.report(down("db", START))]);
  assert.equal(a.incident.id, b.incident.id);
  assert.equal(incidents.openIncidents().length, 1);
  await storage.close();
});

test("resolving frees every member; members and the localization survive a restart", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-correlation-"));
  try {
    const clock = new ManualClock(START);
    const first = open(join(dir, "v.db"), clock);
    const { incident } = await first.incidents.report(down("db", START));
    await first.incidents.report(down("api", START + 1_000));
    clock.advance(2_000);
    const localization = { rootKey: "service:db", cause: "crash", confidence: 0.9, summary: "root cause: db on node-b — crashed; confidence 0.90", evidence: [], candidates: [] };
    assert.equal(await first.incidents.localized(incident, localization), true);
    assert.equal(await first.incidents.localized(incident, { ...localization, confidence: 0.95 }), false, "same root and cause: not again");
    assert.equal(incidentFigures(incident).mttlMs, 2_000);
    await first.storage.close();

    const second = open(join(dir, "v.db"), clock);
    await second.incidents.load();
    const again = second.incidents.openIncident("service:api")!;
    assert.equal(again.id, incident.id);
    assert.deepEqual(again.members, ["service:db", "service:api"]);
    assert.equal(again.cause, "crash");
    assert.equal(again.rootKey, "service:db");
    assert.equal((await second.storage.listEvents({ kinds: ["incident.localized"] })).length, 1);
    await second.incidents.resolve(again, START + 3_000, "healthy");
    assert.equal(second.incidents.openIncident("service:api"), undefined);
    assert.equal(second.incidents.openIncident("service:db"), undefined);
    await second.storage.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
