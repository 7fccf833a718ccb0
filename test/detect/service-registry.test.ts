// The service registry over real SQLite storage: probe transitions, process events (crash,
// expected stop, restart, an older process's exit), stale probe transitions, reconnect
// snapshots and node loss, each returning the transition the server hands on, and stored.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ServiceRegistry } from "../../src/detect/service-registry.js";
import type { EventMessage, ProbeMessage } from "../../src/protocol/messages.js";
import { openSqliteStorage, type SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { ManualClock } from "../../src/util/clock.js";

const START = 1_000_000;
let seq = 0;

function probe(service: string, health: ProbeMessage["health"], ts: number, since = ts, detail = ""): ProbeMessage {
  return { type: "probe", v: 1, seq: ++seq, service, health, ts, since, detail };
}

function event(kind: EventMessage["kind"], service: string, ts: number, data: Record<string, unknown> = {}): EventMessage {
  return { type: "event", v: 1, seq: ++seq, kind, service, ts, data };
}

async function setup(placements = [{ name: "api", node: "node-a" }, { name: "db", node: "node-a" }, { name: "web", node: "node-b" }]) {
  const clock = new ManualClock(START);
  const storage = openSqliteStorage(":memory:");
  const services = new ServiceRegistry(storage, clock, placements);
  await services.load();
  const stored = async (name: string) => (await storage.listServices()).find((s) => s.name === name);
  return { clock, storage, services, stored };
}

async function withRegistry(body: (r: Awaited<ReturnType<typeof setup>>) => Promise<void>): Promise<void> {
  const r = await setup();
  try {
    await body(r);
  } finally {
    await r.storage.close();
  }
}

test("configured services start unknown on their node", () =>
  withRegistry(async ({ services }) => {
    assert.deepEqual(
      services.all().map((s) => [s.name, s.node, s.health, s.since]),
      [
        ["api", "node-a", "unknown", START],
        ["db", "node-a", "unknown", START],
        ["web", "node-b", "unknown", START],
      ],
    );
    assert.deepEqual(services.onNode("node-a").map((s) => s.name), ["api", "db"]);
  }));

test("probe transitions change health; unhealthy dates from the first failing observation", () =>
  withRegistry(async ({ services, stored }) => {
    const healthy = await services.applyProbe("node-a", probe("api", "healthy", START + 100, START + 50, "200 OK"));
    assert.deepEqual(healthy, {
      service: "api",
      node: "node-a",
      from: "unknown",
      to: "healthy",
      since: START + 100,
      detail: "200 OK",
      source: "probe",
    });
    const unhealthy = await services.applyProbe("node-a", probe("api", "unhealthy", START + 2_000, START + 1_000, "connection refused"));
    assert.equal(unhealthy?.from, "healthy");
    assert.equal(unhealthy?.to, "unhealthy");
    assert.equal(unhealthy?.since, START + 1_000);
    const record = await stored("api");
    assert.equal(record?.health, "unhealthy");
    assert.equal(record?.since, START + 1_000);
    assert.equal(record?.detail, "connection refused");

    // The same state again is no transition.
    assert.equal(await services.applyProbe("node-a", probe("api", "unhealthy", START + 3_000, START + 2_500)), null);
    assert.equal(services.get("api")!.since, START + 1_000);
  }));

test("messages about services of another node, or not configured, are ignored", () =>
  withRegistry(async ({ services }) => {
    assert.equal(await services.applyProbe("node-b", probe("api", "unhealthy", START + 10)), null);
    assert.equal(await services.applyProbe("node-a", probe("nope", "unhealthy", START + 10)), null);
    assert.equal(await services.applyEvent("node-b", event("process.exited", "api", START + 10, { code: 1 })), null);
    assert.equal(await services.applyEvent("node-a", { ...event("outbox.dropped", "api", START), service: undefined } as EventMessage), null);
    assert.deepEqual(await services.applySnapshot("node-b", [{ name: "api", health: "unhealthy", since: START, running: false }]), []);
    assert.equal(services.get("api")!.health, "unknown");
  }));

test("a crash makes the service unhealthy with the exit code or signal", () =>
  withRegistry(async ({ services, stored }) => {
    await services.applyEvent("node-a", event("process.started", "api", START + 10, { pid: 100 }));
    await services.applyProbe("node-a", probe("api", "healthy", START + 20));
    const exited = await services.applyEvent("node-a", event("process.exited", "api", START + 500, { pid: 100, code: 1 }));
    assert.equal(exited?.to, "unhealthy");
    assert.equal(exited?.since, START + 500);
    assert.equal(exited?.detail, "process exited (exit code 1)");
    assert.equal(exited?.source, "process");
    const record = await stored("api");
    assert.equal(record?.running, false);
    assert.equal(record?.pid, null);

    await services.applyEvent("node-a", event("process.started", "db", START + 10, { pid: 200 }));
    await services.applyProbe("node-a", probe("db", "healthy", START + 20));
    const killed = await services.applyEvent("node-a", event("process.exited", "db", START + 600, { pid: 200, signal: "SIGKILL", error: "oom" }));
    assert.equal(killed?.detail, "process exited (killed by SIGKILL): oom");
  }));

test("a stop by Vigil is an expected exit: unknown, not unhealthy", () =>
  withRegistry(async ({ services, stored }) => {
    await services.applyEvent("node-a", event("process.started", "api", START + 10, { pid: 100 }));
    await services.applyProbe("node-a", probe("api", "healthy", START + 20));
    const stopped = await services.applyEvent("node-a", event("process.exited", "api", START + 500, { pid: 100, code: 0, expected: true }));
    assert.equal(stopped?.from, "healthy");
    assert.equal(stopped?.to, "unknown");
    assert.equal(stopped?.detail, "process stopped by Vigil");
    assert.equal((await stored("api"))?.running, false);
  }));

test("a new process is unknown until probed, and is stored as running even without a health change", () =>
  withRegistry(async ({ services, stored }) => {
    await services.applyEvent("node-a", event("process.started", "api", START + 10, { pid: 100 }));
    await services.applyProbe("node-a", probe("api", "unhealthy", START + 100, START + 50));
    const restarted = await services.applyEvent("node-a", event("process.started", "api", START + 200, { pid: 101 }));
    assert.equal(restarted?.from, "unhealthy");
    assert.equal(restarted?.to, "unknown");
    assert.equal(restarted?.detail, "process 101 started");

    // Already unknown (an expected stop, then the start): no transition, but the new pid is stored.
    await services.applyEvent("node-a", event("process.exited", "api", START + 300, { pid: 101, expected: true }));
    assert.equal(await services.applyEvent("node-a", event("process.started", "api", START + 310, { pid: 102 })), null);
    const record = await stored("api");
    assert.equal(record?.pid, 102);
    assert.equal(record?.running, true);
  }));

test("the exit of an older process does not touch the current one", () =>
  withRegistry(async ({ services }) => {
    await services.applyEvent("node-a", event("process.started", "api", START + 10, { pid: 101 }));
    await services.applyProbe("node-a", probe("api", "healthy", START + 20));
    assert.equal(await services.applyEvent("node-a", event("process.exited", "api", START + 30, { pid: 100, code: 1 })), null);
    assert.equal(services.get("api")!.health, "healthy");
    assert.equal(services.get("api")!.pid, 101);
  }));

test("an unhealthy probe transition older than a restart is stale and ignored", () =>
  withRegistry(async ({ services }) => {
    await services.applyEvent("node-a", event("process.started", "api", START + 10, { pid: 100 }));
    await services.applyProbe("node-a", probe("api", "healthy", START + 20));
    await services.applyEvent("node-a", event("process.exited", "api", START + 1_000, { pid: 100, expected: true }));
    await services.applyEvent("node-a", event("process.started", "api", START + 1_010, { pid: 101 }));
    // Decided about the old process before the restart, delivered after it.
    assert.equal(await services.applyProbe("node-a", probe("api", "unhealthy", START + 900, START + 800)), null);
    assert.equal(services.get("api")!.health, "unknown");
    // A verdict about the new process counts.
    const t = await services.applyProbe("node-a", probe("api", "unhealthy", START + 2_000, START + 1_500));
    assert.equal(t?.to, "unhealthy");
    assert.equal(t?.since, START + 1_500);
  }));

test("a reconnect snapshot sets health, pid and running, and reports only changes", () =>
  withRegistry(async ({ services, stored }) => {
    const transitions = await services.applySnapshot("node-a", [
      { name: "api", health: "healthy", since: START - 5_000, pid: 100, running: true },
      { name: "db", health: "unknown", since: START - 5_000, running: false },
      { name: "web", health: "unhealthy", since: START - 5_000, running: false }, // not node-a's
    ]);
    assert.deepEqual(transitions, [
      {
        service: "api",
        node: "node-a",
        from: "unknown",
        to: "healthy",
        since: START - 5_000,
        detail: "reported after reconnect",
        source: "snapshot",
      },
    ]);
    const api = await stored("api");
    assert.equal(api?.pid, 100);
    assert.equal(api?.running, true);
    const db = await stored("db");
    assert.equal(db?.health, "unknown");
    assert.equal(db?.running, false);
    assert.equal(services.get("web")!.health, "unknown");
  }));

test("a node going down makes its services unknown from the moment it was lost", () =>
  withRegistry(async ({ services, stored }) => {
    await services.applyProbe("node-a", probe("api", "healthy", START + 10));
    await services.applyProbe("node-a", probe("db", "unhealthy", START + 20, START + 15));
    await services.applyProbe("node-b", probe("web", "healthy", START + 30));
    const transitions = await services.nodeDown("node-a", START + 1_000);
    assert.deepEqual(
      transitions.map((t) => [t.service, t.from, t.to, t.since, t.detail, t.source]),
      [
        ["api", "healthy", "unknown", START + 1_000, "node node-a is down", "node"],
        ["db", "unhealthy", "unknown", START + 1_000, "node node-a is down", "node"],
      ],
    );
    assert.equal((await stored("api"))?.health, "unknown");
    assert.equal(services.get("web")!.health, "healthy");
    assert.deepEqual(await services.nodeDown("node-a", START + 2_000), [], "already unknown");
  }));

test("load restores stored state for services still configured on the same node", async () => {
  const first = await setup();
  try {
    await first.services.applyProbe("node-a", probe("api", "unhealthy", START + 100, START + 50, "timeout"));
    await first.services.applyProbe("node-a", probe("db", "healthy", START + 100));
    // Same storage, new configuration: db moved to node-c, api stays.
    const clock = new ManualClock(START + 60_000);
    const reloaded = new ServiceRegistry(first.storage, clock, [
      { name: "api", node: "node-a" },
      { name: "db", node: "node-c" },
    ]);
    await reloaded.load();
    const api = reloaded.get("api")!;
    assert.equal(api.health, "unhealthy");
    assert.equal(api.since, START + 50);
    assert.equal(api.detail, "timeout");
    const db = reloaded.get("db")!;
    assert.equal(db.node, "node-c");
    assert.equal(db.health, "unknown");
    assert.equal(reloaded.get("web"), undefined, "no longer configured");
  } finally {
    await first.storage.close();
  }
});
