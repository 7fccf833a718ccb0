// The behaviour every Storage implementation shares, as a suite run against each of them
// (sqlite-storage.test.ts, postgres-storage.test.ts): every record round-trips, the queries
// filter and order as documented, data survives a reopen, bad input is refused by name.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type {
  AlertRecord,
  IncidentRecord,
  NewIncident,
  NodeRecord,
  NotificationLogEntry,
  ServiceRecord,
  Storage,
} from "../../src/storage/storage.js";

/** How a suite makes storages: a new empty location (a file path, a database URL), opened as often as a test likes. */
export interface StorageFactory {
  location(): Promise<string>;
  open(location: string): Promise<Storage>;
}

export interface SuiteOptions {
  /** Fail when 10,000 sequential appends take longer (SQLite: catches losing WAL); absent: only reported. */
  appendBudgetMs?: number;
  /** What the database says when a NOT NULL column gets null. */
  notNullViolation(table: string, column: string): RegExp;
}

function incident(overrides: Partial<NewIncident> = {}): NewIncident {
  return {
    key: "service:api",
    kind: "service",
    target: "api",
    node: "node-a",
    state: "open",
    title: "api is unhealthy",
    firstSignalAt: 1_000,
    detectedAt: 1_500,
    recoveredAt: null,
    resolvedAt: null,
    escalatedAt: null,
    rootCause: null,
    rootKey: null,
    cause: null,
    confidence: null,
    localizedAt: null,
    members: ["service:api"],
    updatedAt: 1_500,
    ...overrides,
  };
}

function alert(fingerprint: string, overrides: Partial<AlertRecord> = {}): AlertRecord {
  return {
    fingerprint,
    labels: { alertname: "HighCpu", node: "node-a" },
    annotations: { summary: "CPU above 90%" },
    state: "firing",
    activeAt: 1_000,
    firedAt: 31_000,
    resolvedAt: null,
    value: 0.97,
    updatedAt: 31_000,
    ...overrides,
  };
}

export function storageSuite(name: string, factory: StorageFactory, options: SuiteOptions): void {
  /** Opens a fresh storage, runs `body`, and closes the storage even if `body` fails. */
  async function withStorage(body: (storage: Storage, location: string) => Promise<void>): Promise<void> {
    const location = await factory.location();
    const storage = await factory.open(location);
    try {
      await body(storage, location);
    } finally {
      await storage.close();
    }
  }

  describe(`${name} records`, () => {
    it("round-trips journal events, omitting absent optional fields", async () => {
      await withStorage(async (storage) => {
        const data = {
          probability: 0.83,
          nested: { list: [1, "two", null, { three: true }], empty: {} },
          text: "naïve ✓ \"quoted\" \n newline",
          big: 1_700_000_000_123,
        };
        const full = await storage.appendEvent({
          ts: 1_700_000_000_000,
          kind: "incident.opened",
          incidentId: 0,
          node: "node-a",
          service: "api",
          data,
        });
        const bare = await storage.appendEvent({ ts: 1_700_000_000_001, kind: "freeze.on", data: {} });

        assert.deepEqual(full, {
          id: full.id,
          ts: 1_700_000_000_000,
          kind: "incident.opened",
          incidentId: 0,
          node: "node-a",
          service: "api",
          data,
        });
        assert.deepEqual(bare, { id: full.id + 1, ts: 1_700_000_000_001, kind: "freeze.on", data: {} });
        const listed = await storage.listEvents();
        assert.deepEqual(listed, [full, bare]);
        assert.deepEqual(Object.keys(listed[1]!).sort(), ["data", "id", "kind", "ts"]);
      });
    });

    it("upserts and lists nodes and services", async () => {
      await withStorage(async (storage) => {
        const nodeB: NodeRecord = {
          name: "node-b",
          state: "unknown",
          since: 10,
          lastHeartbeat: null,
          agentVersion: null,
          outboxId: null,
          ackedSeq: 0,
          processedSeq: 0,
        };
        const nodeA: NodeRecord = {
          name: "node-a",
          state: "alive",
          since: 20,
          lastHeartbeat: 25,
          agentVersion: "0.1.0",
          outboxId: "outbox-7f3a",
          ackedSeq: 42,
          processedSeq: 45,
        };
        await storage.upsertNode(nodeB);
        await storage.upsertNode(nodeA);
        assert.deepEqual(await storage.listNodes(), [nodeA, nodeB]);
        assert.deepEqual(await storage.getNode("node-a"), nodeA);
        assert.equal(await storage.getNode("node-z"), null);
        const nodeADown: NodeRecord = { ...nodeA, state: "down", since: 90, ackedSeq: 57, processedSeq: 60 };
        await storage.upsertNode(nodeADown);
        assert.deepEqual(await storage.listNodes(), [nodeADown, nodeB]);
        // A writer that knew less (a replica with older positions) moves nothing back within one outbox …
        await storage.upsertNode({ ...nodeADown, state: "alive", since: 95, ackedSeq: 40, processedSeq: 41 });
        assert.deepEqual(await storage.listNodes(), [{ ...nodeADown, state: "alive", since: 95 }, nodeB]);
        // … while a new outbox (a new agent data directory) starts its positions again.
        const renewed: NodeRecord = { ...nodeADown, outboxId: "outbox-9c01", ackedSeq: 0, processedSeq: 0 };
        await storage.upsertNode(renewed);
        assert.deepEqual(await storage.listNodes(), [renewed, nodeB]);

        const api: ServiceRecord = {
          name: "api",
          node: "node-a",
          health: "healthy",
          since: 5,
          detail: "HTTP 200",
          pid: 4242,
          running: true,
          updatedAt: 6,
        };
        const db: ServiceRecord = {
          name: "db",
          node: "node-b",
          health: "unknown",
          since: 0,
          detail: "",
          pid: null,
          running: false,
          updatedAt: 0,
        };
        await storage.upsertService(db);
        await storage.upsertService(api);
        assert.deepEqual(await storage.listServices(), [api, db]);
        const apiDown: ServiceRecord = { ...api, health: "unhealthy", detail: "connection refused", pid: null, running: false };
        await storage.upsertService(apiDown);
        assert.deepEqual(await storage.listServices(), [apiDown, db]);
      });
    });

    it("saves, replaces and lists service placements with their fenced nodes", async () => {
      await withStorage(async (storage) => {
        assert.deepEqual(await storage.listPlacements(), []);
        await storage.savePlacement({ service: "db", node: "node-c", fenced: ["node-b"], updatedAt: 1 });
        await storage.savePlacement({ service: "api", node: "node-a", fenced: [], updatedAt: 2 });
        await storage.savePlacement({ service: "db", node: "node-c", fenced: [], updatedAt: 3 });
        assert.deepEqual(await storage.listPlacements(), [
          { service: "api", node: "node-a", fenced: [], updatedAt: 2 },
          { service: "db", node: "node-c", fenced: [], updatedAt: 3 },
        ]);
      });
    });

    it("round-trips alerts and lists resolved ones only from resolvedSince", async () => {
      await withStorage(async (storage) => {
        const pending = alert("fp-pending", { state: "pending", activeAt: 1, firedAt: null, value: null });
        const firing = alert("fp-firing", { activeAt: 2, labels: { alertname: "Disk", "mount/point": "/var ✓" } });
        const resolvedEarly = alert("fp-resolved-early", { state: "resolved", activeAt: 3, resolvedAt: 100 });
        const resolvedLate = alert("fp-resolved-late", { state: "resolved", activeAt: 4, resolvedAt: 200, annotations: {} });
        for (const a of [resolvedLate, firing, resolvedEarly, pending]) await storage.upsertAlert(a);

        assert.deepEqual(await storage.listAlerts(), [pending, firing]);
        assert.deepEqual(await storage.listAlerts({ resolvedSince: 200 }), [pending, firing, resolvedLate]);
        assert.deepEqual(await storage.listAlerts({ resolvedSince: 100 }), [pending, firing, resolvedEarly, resolvedLate]);

        const firingResolved = { ...firing, state: "resolved" as const, resolvedAt: 300, updatedAt: 300 };
        await storage.upsertAlert(firingResolved);
        assert.deepEqual(await storage.listAlerts(), [pending]);
        assert.deepEqual(await storage.listAlerts({ resolvedSince: 250 }), [pending, firingResolved]);
      });
    });

    it("creates, gets and updates incidents", async () => {
      await withStorage(async (storage) => {
        const created = await storage.createIncident(incident());
        assert.deepEqual(created, { id: created.id, ...incident() });
        assert.deepEqual(await storage.getIncident(created.id), created);
        assert.equal(await storage.getIncident(created.id + 100), null);

        const resolved: IncidentRecord = {
          ...created,
          state: "resolved",
          recoveredAt: 4_000,
          resolvedAt: 6_000,
          rootCause: "root cause: db on node-b — memory exhausted; confidence 0.9",
          rootKey: "service:db",
          cause: "memory",
          confidence: 0.9,
          localizedAt: 2_000,
          members: ["service:api", "service:db"],
          updatedAt: 6_000,
        };
        await storage.updateIncident(resolved);
        assert.deepEqual(await storage.getIncident(created.id), resolved);

        await assert.rejects(storage.updateIncident({ ...resolved, id: 999 }), /updateIncident\(999\) failed: no incident with id 999/);
      });
    });

    it("lists incidents newest first, filtered by open and key, limited", async () => {
      await withStorage(async (storage) => {
        const oldResolved = await storage.createIncident(incident({ detectedAt: 100, state: "resolved", resolvedAt: 150 }));
        const dbNode = await storage.createIncident(incident({ key: "node:node-b", kind: "node", target: "node-b", detectedAt: 300, state: "escalated", escalatedAt: 350 }));
        const apiOpen = await storage.createIncident(incident({ detectedAt: 500, state: "mitigating" }));
        // Created last but detected earliest of the open ones: order follows detection.
        const lateRecorded = await storage.createIncident(incident({ key: "service:db", target: "db", detectedAt: 200 }));

        const ids = (list: IncidentRecord[]) => list.map((i) => i.id);
        assert.deepEqual(ids(await storage.listIncidents()), [apiOpen.id, dbNode.id, lateRecorded.id, oldResolved.id]);
        assert.deepEqual(ids(await storage.listIncidents({ open: true })), [apiOpen.id, dbNode.id, lateRecorded.id]);
        assert.deepEqual(ids(await storage.listIncidents({ open: false })), [apiOpen.id, dbNode.id, lateRecorded.id, oldResolved.id]);
        assert.deepEqual(ids(await storage.listIncidents({ key: "service:api" })), [apiOpen.id, oldResolved.id]);
        assert.deepEqual(ids(await storage.listIncidents({ key: "service:api", open: true })), [apiOpen.id]);
        assert.deepEqual(ids(await storage.listIncidents({ limit: 2 })), [apiOpen.id, dbNode.id]);
        assert.deepEqual(await storage.listIncidents({ key: "service:none" }), []);

        for (let i = 0; i < 105; i++) await storage.createIncident(incident({ key: `service:s${i}`, detectedAt: 1_000 + i }));
        assert.equal((await storage.listIncidents()).length, 100);
      });
    });

    it("queues notifications: due, next due, update, list", async () => {
      await withStorage(async (storage) => {
        assert.equal(await storage.nextNotificationDue(), null);
        const first = await storage.enqueueNotification({ receiver: "oncall", payload: '{"a":1}', createdAt: 100, nextAttemptAt: 300 });
        const second = await storage.enqueueNotification({ receiver: "slack", payload: "{}", createdAt: 200, nextAttemptAt: 200 });
        const third = await storage.enqueueNotification({ receiver: "oncall", payload: '{"b":[2]}', createdAt: 250, nextAttemptAt: 1_000 });
        assert.deepEqual(first, {
          id: first.id,
          receiver: "oncall",
          payload: '{"a":1}',
          state: "pending",
          attempts: 0,
          nextAttemptAt: 300,
          lastError: null,
          createdAt: 100,
          sentAt: null,
        });

        assert.equal(await storage.nextNotificationDue(), 200);
        assert.deepEqual(await storage.dueNotifications(199), []);
        assert.deepEqual(await storage.dueNotifications(200), [second]);
        assert.deepEqual(await storage.dueNotifications(300), [first, second]);
        assert.deepEqual(await storage.dueNotifications(300, 1), [first]);

        const firstRetry = { ...first, attempts: 1, nextAttemptAt: 2_000, lastError: "HTTP 503 Service Unavailable" };
        const secondSent = { ...second, state: "sent" as const, attempts: 1, sentAt: 210 };
        await storage.updateNotification(firstRetry);
        await storage.updateNotification(secondSent);
        assert.deepEqual(await storage.dueNotifications(1_500), [third]);
        assert.equal(await storage.nextNotificationDue(), 1_000);

        const thirdFailed = { ...third, state: "failed" as const, attempts: 5, lastError: "gave up" };
        await storage.updateNotification(thirdFailed);
        assert.equal(await storage.nextNotificationDue(), 2_000);
        assert.deepEqual(await storage.dueNotifications(10_000), [firstRetry]);

        assert.deepEqual(await storage.listNotifications(), [thirdFailed, secondSent, firstRetry]);
        assert.deepEqual(await storage.listNotifications({ state: "sent" }), [secondSent]);
        assert.deepEqual(await storage.listNotifications({ state: "pending" }), [firstRetry]);
        assert.deepEqual(await storage.listNotifications({ limit: 1 }), [thirdFailed]);

        await assert.rejects(storage.updateNotification({ ...first, id: 77 }), /updateNotification\(77\) failed: no notification with id 77/);
      });
    });
  });

  describe(`${name} event queries`, () => {
    it("honours every EventQuery field", async () => {
      await withStorage(async (storage) => {
        const e1 = await storage.appendEvent({ ts: 100, kind: "signal", node: "node-a", service: "api", data: { p: 0.9 } });
        const e2 = await storage.appendEvent({ ts: 200, kind: "alert.firing", node: "node-a", service: "api", data: {} });
        const e3 = await storage.appendEvent({ ts: 300, kind: "incident.opened", incidentId: 1, node: "node-a", service: "api", data: {} });
        const e4 = await storage.appendEvent({ ts: 400, kind: "action.started", incidentId: 1, node: "node-b", service: "db", data: {} });
        // Stored last with an earlier timestamp (a late agent observation): it stays last in journal order.
        const e5 = await storage.appendEvent({ ts: 150, kind: "signal", node: "node-b", data: {} });
        const e6 = await storage.appendEvent({ ts: 500, kind: "incident.resolved", incidentId: 2, data: {} });

        assert.deepEqual(await storage.listEvents(), [e1, e2, e3, e4, e5, e6]);
        assert.deepEqual(await storage.listEvents({ order: "asc" }), [e1, e2, e3, e4, e5, e6]);
        assert.deepEqual(await storage.listEvents({ order: "desc" }), [e6, e5, e4, e3, e2, e1]);
        assert.deepEqual(await storage.listEvents({ afterId: e3.id }), [e4, e5, e6]);
        assert.deepEqual(await storage.listEvents({ since: 200 }), [e2, e3, e4, e6]);
        assert.deepEqual(await storage.listEvents({ until: 200 }), [e1, e5]);
        assert.deepEqual(await storage.listEvents({ since: 150, until: 400 }), [e2, e3, e5]);
        assert.deepEqual(await storage.listEvents({ kinds: ["signal"] }), [e1, e5]);
        assert.deepEqual(await storage.listEvents({ kinds: ["signal", "incident.resolved"] }), [e1, e5, e6]);
        assert.deepEqual(await storage.listEvents({ kinds: [] }), []);
        assert.deepEqual(await storage.listEvents({ incidentId: 1 }), [e3, e4]);
        assert.deepEqual(await storage.listEvents({ node: "node-b" }), [e4, e5]);
        assert.deepEqual(await storage.listEvents({ service: "api" }), [e1, e2, e3]);
        assert.deepEqual(await storage.listEvents({ limit: 2 }), [e1, e2]);
        assert.deepEqual(await storage.listEvents({ limit: 2, order: "desc" }), [e6, e5]);
        assert.deepEqual(await storage.listEvents({ limit: 0 }), []);
        assert.deepEqual(
          await storage.listEvents({ afterId: e1.id, since: 100, until: 450, kinds: ["signal", "action.started"], node: "node-b", order: "desc" }),
          [e5, e4],
        );
        assert.deepEqual(await storage.listEvents({ service: "api", incidentId: 1, kinds: ["incident.opened"] }), [e3]);
      });
    });

    it("returns at most 1000 events by default and rejects a bad limit or order", async () => {
      await withStorage(async (storage) => {
        for (let i = 0; i < 1_005; i++) await storage.appendEvent({ ts: i, kind: "signal", data: { i } });
        const page = await storage.listEvents();
        assert.equal(page.length, 1_000);
        assert.equal(page[999]!.data.i, 999);
        assert.equal((await storage.listEvents({ afterId: page[999]!.id })).length, 5);

        await assert.rejects(storage.listEvents({ limit: -1 }), /listEvents failed: limit must be a non-negative integer, got -1/);
        await assert.rejects(storage.listEvents({ limit: 1.5 }), /limit must be a non-negative integer/);
        await assert.rejects(
          storage.listEvents({ order: "newest" as "desc" }),
          /listEvents failed: order must be "asc" or "desc", got "newest"/,
        );
        await assert.rejects(storage.listIncidents({ limit: -5 }), /listIncidents failed: limit must be/);
        await assert.rejects(storage.dueNotifications(0, -1), /dueNotifications failed: limit must be/);
      });
    });

    it("appends 10,000 events one by one and reports the time", async (t) => {
      await withStorage(async (storage) => {
        const started = performance.now();
        for (let i = 0; i < 10_000; i++) {
          await storage.appendEvent({ ts: 1_700_000_000_000 + i, kind: "signal", node: "node-a", service: "api", data: { i, p: 0.5 } });
        }
        const elapsedMs = performance.now() - started;
        t.diagnostic(`appended 10,000 events in ${elapsedMs.toFixed(0)} ms`);
        if (options.appendBudgetMs !== undefined) {
          assert.ok(elapsedMs < options.appendBudgetMs, `appending 10,000 events took ${elapsedMs.toFixed(0)} ms`);
        }
        assert.equal((await storage.listEvents({ limit: 20_000 })).length, 10_000);
      });
    });
  });

  describe(`${name} lifecycle and errors`, () => {
    it("keeps everything across a close and reopen (a server restart)", async () => {
      const path = await factory.location();
      const beforeRestart = await factory.open(path);
      const event = await beforeRestart.appendEvent({ ts: 10, kind: "incident.opened", incidentId: 1, data: { why: "probe failed" } });
      const node: NodeRecord = { name: "node-a", state: "alive", since: 1, lastHeartbeat: 9, agentVersion: "0.1.0", outboxId: "o1", ackedSeq: 12, processedSeq: 14 };
      const service: ServiceRecord = { name: "api", node: "node-a", health: "unhealthy", since: 8, detail: "timeout", pid: 99, running: true, updatedAt: 9 };
      const firing = alert("fp-1");
      await beforeRestart.upsertNode(node);
      await beforeRestart.upsertService(service);
      await beforeRestart.upsertAlert(firing);
      const opened = await beforeRestart.createIncident(incident());
      const queued = await beforeRestart.enqueueNotification({ receiver: "oncall", payload: "{}", createdAt: 10, nextAttemptAt: 10 });
      await beforeRestart.close();

      const afterRestart = await factory.open(path);
      try {
        assert.deepEqual(await afterRestart.listEvents(), [event]);
        assert.deepEqual(await afterRestart.listNodes(), [node]);
        assert.deepEqual(await afterRestart.listServices(), [service]);
        assert.deepEqual(await afterRestart.listAlerts(), [firing]);
        assert.deepEqual(await afterRestart.listIncidents(), [opened]);
        assert.deepEqual(await afterRestart.listNotifications(), [queued]);
        // Ids continue after the stored ones rather than being reused.
        const next = await afterRestart.appendEvent({ ts: 11, kind: "incident.resolved", data: {} });
        assert.equal(next.id, event.id + 1);
        assert.equal((await afterRestart.createIncident(incident())).id, opened.id + 1);
      } finally {
        await afterRestart.close();
      }
    });

    it("closes idempotently and rejects calls after close", async () => {
      const storage = await factory.open(await factory.location());
      await storage.close();
      await storage.close();
      await assert.rejects(storage.listNodes(), /storage listNodes failed: .*not open/);
      await assert.rejects(storage.appendEvent({ ts: 1, kind: "signal", data: {} }), /storage appendEvent\("signal"\) failed/);
    });

    it("rejects bad records with the operation and the database's reason", async () => {
      await withStorage(async (storage) => {
        await assert.rejects(
          storage.appendEvent({ ts: 1, kind: "signal", data: null as unknown as Record<string, unknown> }),
          /appendEvent\("signal"\) failed: event.data must be an object/,
        );
        await assert.rejects(
          storage.upsertNode({ name: "node-a", state: null as unknown as "alive", since: 1, lastHeartbeat: null, agentVersion: null, outboxId: null, ackedSeq: 0, processedSeq: 0 }),
          options.notNullViolation("nodes", "state"),
        );
      });
    });
  });

  describe(`${name} notification log and keepFiringFor deadlines`, () => {
    const groupKey = '{}/{severity="critical"}:{alertname="HighCpu"}';
    const entry: NotificationLogEntry = { receiver: "oncall", groupKey, firing: ["aaaa", "bbbb"], resolved: ["cccc"], sentAt: 1_700_000_000_000 };

    it("stores an entry per receiver and group key, replaced by the next, and kept across a reopen", async () => {
      const location = await factory.location();
      const storage = await factory.open(location);
      try {
        assert.equal(await storage.getNotificationLog("oncall", groupKey), null);
        await storage.putNotificationLog(entry);
        await storage.putNotificationLog({ ...entry, receiver: "audit", firing: ["dddd"], resolved: [] });
        await storage.putNotificationLog({ ...entry, groupKey: "{}:{}", firing: [], resolved: [] });
        assert.deepEqual(await storage.getNotificationLog("oncall", groupKey), entry);
        await storage.putNotificationLog({ ...entry, firing: ["bbbb"], resolved: ["aaaa"], sentAt: entry.sentAt + 10_000 });
      } finally {
        await storage.close();
      }
      const reopened = await factory.open(location);
      try {
        assert.deepEqual(await reopened.getNotificationLog("oncall", groupKey), { ...entry, firing: ["bbbb"], resolved: ["aaaa"], sentAt: entry.sentAt + 10_000 });
        assert.deepEqual((await reopened.getNotificationLog("audit", groupKey))?.firing, ["dddd"]);
        assert.equal(await reopened.getNotificationLog("oncall", '{}:{alertname="Other"}'), null);
      } finally {
        await reopened.close();
      }
    });

    it("refuses a malformed entry, naming the field, and stores nothing", async () => {
      await withStorage(async (storage) => {
        await assert.rejects(
          storage.putNotificationLog({ ...entry, firing: [1 as unknown as string] }),
          /storage putNotificationLog\("oncall", .*\) failed: entry.firing must be an array of fingerprints/,
        );
        assert.equal(await storage.getNotificationLog("oncall", groupKey), null);
      });
    });

    it("round-trips an alert's keepFiringFor deadline, and reads an alert without one back without the field", async () => {
      await withStorage(async (storage) => {
        const firing = alert("0123456789abcdef");
        await storage.upsertAlert({ ...firing, keepFiringUntil: 1_700_000_009_000 });
        assert.deepEqual(await storage.listAlerts(), [{ ...firing, keepFiringUntil: 1_700_000_009_000 }]);
        await storage.upsertAlert({ ...firing, keepFiringUntil: null });
        assert.deepEqual(await storage.listAlerts(), [firing]);
      });
    });
  });

  describe(`${name} silences`, () => {
    it("creates with increasing ids, updates, lists by id, and refuses an unknown id", async () => {
      await withStorage(async (storage) => {
        const base = { matchers: [{ name: "alertname", op: "=~" as const, value: "High.*" }], startsAt: 1_000, endsAt: 1_700_000_000_000, createdBy: "ana", comment: "maintenance ✓", createdAt: 900 };
        const first = await storage.createSilence(base);
        const second = await storage.createSilence({ ...base, matchers: [], comment: "" });
        assert.deepEqual(first, { id: first.id, ...base });
        assert.equal(second.id, first.id + 1);
        const expired = { ...first, expiredAt: 5_000 };
        await storage.updateSilence(expired);
        assert.deepEqual(await storage.listSilences(), [expired, second]);
        await assert.rejects(storage.updateSilence({ ...second, id: 4242 }), /storage updateSilence\(4242\) failed: no silence with id 4242/);
      });
    });
  });

  describe(`${name} tokens, sessions and audit`, () => {
    const newToken = (name: string, hash: string) => ({ name, role: "operator" as const, hash, createdAt: 1_700_000_000_000, createdBy: "local:root" });

    it("creates, finds, touches and lists tokens; revoking ends the token's sessions", async () => {
      await withStorage(async (storage) => {
        assert.equal(await storage.tokens.hasTokens(), false);
        const ci = await storage.tokens.createToken(newToken("ci", "a".repeat(64)));
        const ops = await storage.tokens.createToken({ ...newToken("ops", "b".repeat(64)), role: "admin" });
        assert.deepEqual(ci, { id: ci.id, ...newToken("ci", "a".repeat(64)), lastUsedAt: null, revokedAt: null });
        assert.equal(ops.id, ci.id + 1);
        assert.equal(await storage.tokens.hasTokens(), true);
        assert.deepEqual(await storage.tokens.findTokenByHash("b".repeat(64)), ops);
        assert.equal(await storage.tokens.findTokenByHash("c".repeat(64)), null);
        assert.equal(await storage.tokens.getToken(ops.id + 10), null);
        await storage.tokens.touchToken(ci.id, 1_700_000_000_500);
        assert.deepEqual(await storage.tokens.getToken(ci.id), { ...ci, lastUsedAt: 1_700_000_000_500 });
        await assert.rejects(storage.tokens.createToken(newToken("dup", "a".repeat(64))), /storage createToken failed: .*(UNIQUE|unique)/);

        const session = { hash: "s".repeat(64), tokenId: ci.id, csrf: "csrf-1", createdAt: 1, expiresAt: 1_700_000_100_000 };
        const stale = { hash: "t".repeat(64), tokenId: ops.id, csrf: "csrf-2", createdAt: 1, expiresAt: 50 };
        await storage.tokens.createSession(session);
        await storage.tokens.createSession(stale);
        assert.deepEqual(await storage.tokens.findSession(session.hash), { session, token: { ...ci, lastUsedAt: 1_700_000_000_500 } });
        assert.equal(await storage.tokens.deleteExpiredSessions(100), 1);
        assert.equal(await storage.tokens.findSession(stale.hash), null);
        await assert.rejects(storage.tokens.createSession({ ...session, hash: "u".repeat(64), tokenId: 9_999 }), /storage createSession failed: .*(FOREIGN KEY|foreign key)/);

        assert.equal(await storage.tokens.revokeToken(ci.id, 2_000), true);
        assert.equal(await storage.tokens.revokeToken(ci.id, 3_000), true);
        assert.equal((await storage.tokens.getToken(ci.id))?.revokedAt, 2_000, "revoked once: the first time stays");
        assert.equal(await storage.tokens.findSession(session.hash), null);
        assert.equal(await storage.tokens.revokeToken(9_999, 2_000), false);
        assert.equal(await storage.tokens.hasTokens(), true, "revoked tokens still count");
        assert.deepEqual((await storage.tokens.listTokens()).map((t) => t.name), ["ci", "ops"]);

        await storage.tokens.createSession({ ...session, tokenId: ops.id });
        await storage.tokens.deleteSession(session.hash);
        assert.equal(await storage.tokens.findSession(session.hash), null);
      });
    });

    it("appends audit entries and lists them newest first, by since and actor, limited", async () => {
      await withStorage(async (storage) => {
        const entry = { ts: 1_700_000_000_000, actor: "ci", via: "token" as const, role: "operator", action: "POST /api/v1/silences", target: "/api/v1/silences", result: "ok" as const, status: 201, address: "127.0.0.1", detail: { id: 3, note: "naïve" } };
        const a = await storage.audit.appendAudit(entry);
        const b = await storage.audit.appendAudit({ ...entry, ts: entry.ts + 10, actor: "system", via: "system", role: null, status: null, address: null, action: "restart", result: "failed", detail: {} });
        const c = await storage.audit.appendAudit({ ...entry, ts: entry.ts + 20 });
        assert.deepEqual(a, { id: a.id, ...entry });
        assert.deepEqual(await storage.audit.listAudit(), [c, b, a]);
        assert.deepEqual(await storage.audit.listAudit({ actor: "ci" }), [c, a]);
        assert.deepEqual(await storage.audit.listAudit({ since: entry.ts + 10 }), [c, b]);
        assert.deepEqual(await storage.audit.listAudit({ since: entry.ts + 10, actor: "ci", limit: 5 }), [c]);
        assert.deepEqual(await storage.audit.listAudit({ limit: 1 }), [c]);
      });
    });
  });
}
