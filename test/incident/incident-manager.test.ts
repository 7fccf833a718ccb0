// Incident lifecycle over real SQLite storage and the journal: one open incident per key,
// its timeline in the journal (signal at the first failing observation, then opened,
// escalated, resolved), resolution listeners, reload after a restart, and MTTD / MTTR.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { incidentFigures } from "../../src/incident/incident-figures.js";
import { IncidentManager, type IncidentSignal } from "../../src/incident/incident-manager.js";
import { Journal } from "../../src/storage/journal.js";
import { openSqliteStorage, type SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import type { IncidentRecord } from "../../src/storage/storage.js";
import { ManualClock } from "../../src/util/clock.js";

const START = 1_000_000;

let tempDir: string;
before(() => {
  tempDir = mkdtempSync(join(tmpdir(), "vigil-incident-test-"));
});
after(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

function open(path: string, clock: ManualClock): { storage: SqliteStorage; journal: Journal; incidents: IncidentManager } {
  const storage = openSqliteStorage(path);
  const journal = new Journal(storage, clock);
  return { storage, journal, incidents: new IncidentManager(storage, journal, clock) };
}

async function withManager(
  body: (m: { clock: ManualClock; storage: SqliteStorage; incidents: IncidentManager }) => Promise<void>,
): Promise<void> {
  const clock = new ManualClock(START);
  const m = open(":memory:", clock);
  try {
    await body({ clock, ...m });
  } finally {
    await m.storage.close();
  }
}

function apiDown(firstSignalAt: number): IncidentSignal {
  return {
    key: "service:api",
    kind: "service",
    target: "api",
    node: "node-a",
    title: "api on node-a is unhealthy",
    firstSignalAt,
    signal: { source: "probe", detail: "connection refused" },
  };
}

test("report opens an incident once per key; a second report returns the same incident", () =>
  withManager(async ({ clock, storage, incidents }) => {
    const first = await incidents.report(apiDown(START - 1_500));
    assert.equal(first.opened, true);
    assert.equal(first.incident.state, "open");
    assert.equal(first.incident.firstSignalAt, START - 1_500);
    assert.equal(first.incident.detectedAt, START);

    clock.advance(5_000);
    const second = await incidents.report(apiDown(START + 4_000));
    assert.equal(second.opened, false);
    assert.equal(second.incident.id, first.incident.id);
    assert.equal(incidents.openIncident("service:api")?.id, first.incident.id);
    assert.equal((await storage.listIncidents()).length, 1);

    // Another key is another incident.
    const node = await incidents.report({ ...apiDown(START), key: "node:node-a", kind: "node", target: "node-a", title: "node-a down" });
    assert.equal(node.opened, true);
    assert.notEqual(node.incident.id, first.incident.id);
    assert.deepEqual(incidents.openIncidents().map((i) => i.key).sort(), ["node:node-a", "service:api"]);
  }));

test("reports arriving together open one incident, journalled once", () =>
  withManager(async ({ storage, incidents }) => {
    const [a, b] = await Promise.all([incidents.report(apiDown(START - 100)), incidents.report(apiDown(START - 50))]);
    assert.deepEqual([a.opened, b.opened], [true, false]);
    assert.equal(b.incident.id, a.incident.id);
    assert.equal((await storage.listIncidents()).length, 1);
    assert.equal((await storage.listEvents({ kinds: ["incident.opened"] })).length, 1);
  }));

test("opening journals the signal at the first failing observation, then incident.opened", () =>
  withManager(async ({ storage, incidents }) => {
    const { incident } = await incidents.report(apiDown(START - 1_500));
    const events = await storage.listEvents({ incidentId: incident.id });
    assert.deepEqual(
      events.map((e) => [e.kind, e.ts, e.node, e.service]),
      [
        ["signal", START - 1_500, "node-a", "api"],
        ["incident.opened", START, "node-a", "api"],
      ],
    );
    assert.deepEqual(events[0]!.data, { source: "probe", detail: "connection refused" });
    assert.deepEqual(events[1]!.data, { title: "api on node-a is unhealthy", key: "service:api" });
  }));

test("a first signal stamped in the future (agent clock ahead) is dated at detection", () =>
  withManager(async ({ incidents }) => {
    const { incident } = await incidents.report(apiDown(START + 700));
    assert.equal(incident.firstSignalAt, START);
    assert.equal(incidentFigures(incident).mttdMs, 0);
  }));

test("resolve stores the recovery, journals incident.resolved, runs listeners, and frees the key", () =>
  withManager(async ({ clock, storage, incidents }) => {
    const seen: IncidentRecord[] = [];
    incidents.onResolved(async (i) => {
      seen.push({ ...i });
    });
    const { incident } = await incidents.report(apiDown(START - 1_000));
    await incidents.setState(incident, "mitigating");
    assert.equal((await storage.getIncident(incident.id))?.state, "mitigating");

    clock.advance(4_000);
    const healthyAt = clock.now();
    clock.advance(2_000);
    await incidents.resolve(incident, healthyAt, "recovery verified");

    const stored = await storage.getIncident(incident.id);
    assert.equal(stored?.state, "resolved");
    assert.equal(stored?.recoveredAt, healthyAt);
    assert.equal(stored?.resolvedAt, clock.now());
    const resolved = (await storage.listEvents({ incidentId: incident.id, kinds: ["incident.resolved"] }))[0];
    assert.equal(resolved?.ts, clock.now());
    assert.deepEqual(resolved?.data, { reason: "recovery verified", recoveredAt: healthyAt });
    assert.deepEqual(seen.map((i) => [i.id, i.state]), [[incident.id, "resolved"]]);
    assert.equal(incidents.openIncident("service:api"), undefined);

    // Resolving twice does nothing more.
    await incidents.resolve(incident, clock.now(), "again");
    assert.equal(seen.length, 1);
    assert.equal((await storage.listEvents({ kinds: ["incident.resolved"] })).length, 1);

    // The key is free: the next failure is a new incident.
    const next = await incidents.report(apiDown(clock.now()));
    assert.equal(next.opened, true);
    assert.notEqual(next.incident.id, incident.id);
  }));

test("escalate journals once and keeps the incident open until resolved", () =>
  withManager(async ({ clock, storage, incidents }) => {
    const { incident } = await incidents.report(apiDown(START));
    clock.advance(30_000);
    await incidents.escalate(incident, "3 recovery attempts within 600s (limit 3)");
    await incidents.escalate(incident, "again");
    const stored = await storage.getIncident(incident.id);
    assert.equal(stored?.state, "escalated");
    assert.equal(stored?.escalatedAt, START + 30_000);
    const escalated = await storage.listEvents({ incidentId: incident.id, kinds: ["escalated"] });
    assert.deepEqual(escalated.map((e) => e.data), [{ reason: "3 recovery attempts within 600s (limit 3)" }]);
    assert.equal(incidents.openIncident("service:api")?.id, incident.id);
    assert.equal((await incidents.report(apiDown(clock.now()))).opened, false);
  }));

test("load after a restart restores the open incidents, not the resolved ones", async () => {
  const path = join(tempDir, "restart.sqlite");
  const clock = new ManualClock(START);
  const first = open(path, clock);
  const api = (await first.incidents.report(apiDown(START))).incident;
  const db = (await first.incidents.report({ ...apiDown(START), key: "service:db", target: "db", title: "db down" })).incident;
  clock.advance(1_000);
  await first.incidents.resolve(db, clock.now(), "healthy again");
  await first.storage.close();

  clock.advance(60_000);
  const second = open(path, clock);
  try {
    const loaded = await second.incidents.load();
    assert.deepEqual(loaded.map((i) => i.id), [api.id]);
    assert.equal(second.incidents.openIncident("service:api")?.id, api.id);
    assert.equal(second.incidents.openIncident("service:db"), undefined);
    // A new signal for api joins the restored incident instead of opening another.
    const again = await second.incidents.report(apiDown(clock.now()));
    assert.equal(again.opened, false);
    assert.equal(again.incident.id, api.id);
  } finally {
    await second.storage.close();
  }
});

test("figures: MTTD from first signal to detection, MTTR from detection to recovery", () =>
  withManager(async ({ clock, incidents }) => {
    const { incident } = await incidents.report(apiDown(START - 1_500));
    assert.deepEqual(incidentFigures(incident), { mttdMs: 1_500, mttlMs: null, mttrMs: null, timeToResolveMs: null });
    clock.advance(8_000);
    await incidents.resolve(incident, START + 6_000, "recovery verified");
    assert.deepEqual(incidentFigures(incident), { mttdMs: 1_500, mttlMs: null, mttrMs: 6_000, timeToResolveMs: 8_000 });
  }));

test("a recovery reported before detection counts as recovered at detection", () =>
  withManager(async ({ clock, incidents }) => {
    const { incident } = await incidents.report(apiDown(START - 5_000));
    clock.advance(1_000);
    await incidents.resolve(incident, START - 2_000, "healthy again");
    assert.equal(incident.recoveredAt, START);
    assert.equal(incidentFigures(incident).mttrMs, 0);
  }));
