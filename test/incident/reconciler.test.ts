// The incident reconciler's decisions on a manual clock, over real incidents (SQLite in
// memory, the journal) and a real topology. The recovery orchestrator is replaced by a
// recorder of what the reconciler asks of it (begin, cancel): its own behaviour — playbooks,
// agents, verification — has its own tests and the e2e suite.
import { test } from "node:test";
import assert from "node:assert/strict";
import { IncidentManager, type IncidentSignal } from "../../src/incident/incident-manager.js";
import { IncidentReconciler } from "../../src/incident/reconciler.js";
import { Topology } from "../../src/incident/topology.js";
import type { ComponentStatus } from "../../src/incident/localization/observation.js";
import type { RecoveryOrchestrator } from "../../src/recover/orchestrator.js";
import { Journal } from "../../src/storage/journal.js";
import { openSqliteStorage, type SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import type { IncidentRecord } from "../../src/storage/storage.js";
import { ManualClock } from "../../src/util/clock.js";
import { silentLogger } from "../../src/util/logger.js";

const START = 1_000_000;
const GRACE = 5_000;

/** web → api → db on node-a; cache on node-b; web has a standby. */
const topology = new Topology([
  { name: "web", node: "node-a", dependsOn: ["api"] },
  { name: "api", node: "node-a", dependsOn: ["db"] },
  { name: "db", node: "node-a" },
  { name: "cache", node: "node-b" },
]);

/** What the reconciler asked of recovery; runs it began stay "running" until ended here. */
class RecoveryRecorder {
  readonly begun: string[] = [];
  readonly cancelled: string[] = [];
  readonly running = new Map<number, Set<string>>();

  begin(incident: IncidentRecord, service: string): boolean {
    this.begun.push(service);
    const set = this.running.get(incident.id) ?? new Set<string>();
    this.running.set(incident.id, set.add(service));
    return true;
  }
  cancel(incidentId: number, service: string): boolean {
    this.cancelled.push(service);
    return this.running.get(incidentId)?.delete(service) ?? false;
  }
  end(incidentId: number, service: string): void {
    this.running.get(incidentId)?.delete(service);
  }
  servicesOf(incidentId: number): string[] {
    return [...(this.running.get(incidentId) ?? [])];
  }
  pauseChanged(): void {}
}

interface World {
  clock: ManualClock;
  storage: SqliteStorage;
  journal: Journal;
  incidents: IncidentManager;
  recovery: RecoveryRecorder;
  reconciler: IncidentReconciler;
  status: Map<string, { status: ComponentStatus; since: number }>;
  fail(key: string): Promise<IncidentRecord>;
  heal(key: string): void;
}

async function withWorld(body: (w: World) => Promise<void>): Promise<void> {
  const clock = new ManualClock(START);
  const storage = openSqliteStorage(":memory:");
  const journal = new Journal(storage, clock);
  const incidents = new IncidentManager(storage, journal, clock, { windowMs: 60_000, relation: (a, b) => topology.relation(a, b) });
  const recovery = new RecoveryRecorder();
  const status = new Map<string, { status: ComponentStatus; since: number }>();
  const reconciler = new IncidentReconciler({
    clock,
    journal,
    logger: silentLogger(),
    incidents,
    recovery: recovery as unknown as RecoveryOrchestrator,
    topology: () => topology,
    status: (key) => status.get(key) ?? { status: "healthy", since: START },
    hasStandby: (service) => service === "web",
    dependentGraceMs: GRACE,
  });
  const fail = async (key: string): Promise<IncidentRecord> => {
    status.set(key, { status: "failing", since: clock.now() });
    const [kind, name] = key.split(":") as ["service" | "node", string];
    const signal: IncidentSignal = {
      key,
      kind,
      target: name,
      node: kind === "node" ? name : topology.nodeOf(name)!,
      title: `${key} fails`,
      firstSignalAt: clock.now(),
      signal: { source: "test", detail: "failing" },
    };
    const { incident } = await incidents.report(signal);
    return incident;
  };
  const heal = (key: string): void => void status.set(key, { status: "healthy", since: clock.now() });
  try {
    await body({ clock, storage, journal, incidents, recovery, reconciler, status, fail, heal });
  } finally {
    reconciler.stop();
    await storage.close();
  }
}

test("a cascade is repaired at its root only: the failing dependency, not its failing dependents", () =>
  withWorld(async (w) => {
    const incident = await w.fail("service:db");
    await w.fail("service:api");
    await w.fail("service:web");
    assert.deepEqual(incident.members, ["service:db", "service:api", "service:web"], "one incident");
    await w.reconciler.reconcile(incident);
    assert.deepEqual(w.recovery.begun, ["db"]);
  }));

test("a run of a service whose failure turns out to be explained by its dependency is cancelled", () =>
  withWorld(async (w) => {
    const incident = await w.fail("service:api");
    await w.reconciler.reconcile(incident);
    assert.deepEqual(w.recovery.begun, ["api"]);

    await w.fail("service:db");
    await w.reconciler.reconcile(incident);
    assert.deepEqual(w.recovery.cancelled, ["api"]);
    assert.deepEqual(w.recovery.begun, ["api", "db"]);
    const cancelled = await w.storage.listEvents({ kinds: ["recovery.cancelled"] });
    assert.equal(cancelled.length, 1);
    assert.match(String((cancelled[0]!.data as { reason: string }).reason), /explained by service:db/);
  }));

test("after a dependency recovers, its dependents get the grace period to recover by themselves", () =>
  withWorld(async (w) => {
    const incident = await w.fail("service:db");
    await w.fail("service:api");
    await w.reconciler.reconcile(incident);
    assert.deepEqual(w.recovery.begun, ["db"]);

    // db's repair is verified; api still fails (it has not reconnected yet).
    w.recovery.end(incident.id, "db");
    w.heal("service:db");
    await w.reconciler.componentRecovered("service:db", w.clock.now());
    assert.deepEqual(w.recovery.begun, ["db"], "api is not repaired during the grace");

    w.clock.advance(GRACE - 1);
    await Promise.resolve();
    assert.deepEqual(w.recovery.begun, ["db"]);
    w.clock.advance(1); // the recheck timer fires at the end of the grace
    await waitUntil(() => w.recovery.begun.length === 2);
    assert.deepEqual(w.recovery.begun, ["db", "api"], "api failing on its own account is repaired");
  }));

test("a dependent that recovers within the grace is never repaired, and the incident resolves", () =>
  withWorld(async (w) => {
    const incident = await w.fail("service:db");
    await w.fail("service:api");
    await w.reconciler.reconcile(incident);
    w.recovery.end(incident.id, "db");
    w.heal("service:db");
    await w.reconciler.componentRecovered("service:db", w.clock.now());

    w.clock.advance(1_000);
    w.heal("service:api");
    await w.reconciler.componentRecovered("service:api", w.clock.now());
    assert.deepEqual(w.recovery.begun, ["db"]);
    assert.equal(incident.state, "resolved");
    assert.equal(incident.recoveredAt, START + 1_000, "recovered when the last member became healthy");
  }));

test("a down node has its services with a standby failed over; the others wait for the node", () =>
  withWorld(async (w) => {
    const incident = await w.fail("node:node-a");
    await w.reconciler.reconcile(incident);
    assert.deepEqual(w.recovery.begun, ["web"]);
  }));

test("a service whose run ended is not begun again for the same failure", () =>
  withWorld(async (w) => {
    const incident = await w.fail("service:cache");
    await w.reconciler.reconcile(incident);
    assert.deepEqual(w.recovery.begun, ["cache"]);

    // The run gave up (say escalated by its limits): the still-failing service is not retried.
    w.recovery.end(incident.id, "cache");
    await w.reconciler.runEnded(incident, "cache");
    await w.reconciler.reconcile(incident);
    assert.deepEqual(w.recovery.begun, ["cache"]);
    assert.equal(incident.state, "open", "still failing: not resolved");
  }));

test("an escalated incident gets no new repairs, but still resolves when everything is healthy", () =>
  withWorld(async (w) => {
    const incident = await w.fail("service:cache");
    await w.incidents.escalate(incident, "a human takes over");
    await w.reconciler.reconcile(incident);
    assert.deepEqual(w.recovery.begun, []);

    w.clock.advance(2_000);
    w.heal("service:cache");
    await w.reconciler.componentRecovered("service:cache", w.clock.now());
    assert.equal(incident.state, "resolved");
  }));

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(condition(), "condition not reached");
}
