// GET /api/v2/alerts reports each alert's real status — silencedBy (silence ids), inhibitedBy
// (fingerprints of the inhibiting alerts, by rule or by topology), mutedBy (maintenance windows)
// — from the mute stages the notification pipeline asks, on a real fastify with real SQLite;
// the pipeline's notifications agree with what the API says, and the state filters apply.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import Fastify, { type FastifyInstance } from "fastify";
import { AlertManager } from "../../../src/alert/alert-manager.js";
import { DependencyInhibitionStage, serviceTopology } from "../../../src/alert/dependency-inhibition.js";
import { alertFingerprint } from "../../../src/alert/fingerprint.js";
import { InhibitionStage } from "../../../src/alert/inhibition.js";
import { MaintenanceStage } from "../../../src/alert/maintenance.js";
import { SilenceStage } from "../../../src/alert/silences.js";
import { NotificationDispatcher } from "../../../src/alert/notify/dispatcher.js";
import { configSchema } from "../../../src/config/schema.js";
import { registerAlertmanagerRoutes } from "../../../src/server/http/alertmanager-routes.js";
import { Journal } from "../../../src/storage/journal.js";
import { openSqliteStorage, type SqliteStorage } from "../../../src/storage/sqlite/sqlite-storage.js";
import { ManualClock } from "../../../src/util/clock.js";
import { silentLogger } from "../../../src/util/logger.js";

const NOW = Date.parse("2025-06-07T21:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

const nodeDown = { alertname: "NodeDown", severity: "critical", node: "node-b" };
const cpuOnDownNode = { alertname: "HighCpu", severity: "warning", node: "node-b" };
const diskOfWeb = { alertname: "DiskFull", severity: "warning", service: "web", node: "node-c" };
const dbDown = { alertname: "ServiceDown", severity: "warning", service: "db", node: "node-a" };
const apiDown = { alertname: "ServiceDown", severity: "warning", service: "api", node: "node-a" };
const fp = alertFingerprint;

const config = configSchema.parse({
  services: [
    { name: "db", node: "node-a" },
    { name: "api", node: "node-a", dependsOn: ["db"] },
    { name: "web", node: "node-c" },
  ],
  notify: {
    receivers: { oncall: { webhook: { url: "http://127.0.0.1:9/hook" } } },
    receiver: "oncall",
    inhibitRules: [{ sourceMatchers: ['alertname="NodeDown"'], targetMatchers: ['severity="warning"'], equal: ["node"] }],
  },
  maintenance: [{ name: "db-migration", matchers: ['service="db"'], start: iso(NOW - 60_000), end: iso(NOW + 3_600_000) }],
});

let storage: SqliteStorage;
let alerts: AlertManager;
let http: FastifyInstance;
let base: string;
const clock = new ManualClock(NOW);
const servicesDown = new Set<string>();

before(async () => {
  storage = openSqliteStorage(":memory:");
  const logger = silentLogger();
  const journal = new Journal(storage, clock);
  const silences = new SilenceStage({ storage, journal, clock });
  await silences.load();
  let manager: AlertManager | undefined;
  const firing = () => manager?.active() ?? [];
  // The stages and their order as server.ts composes them.
  const muteStages = [
    silences,
    MaintenanceStage.fromConfig(config.maintenance),
    new InhibitionStage(config.notify.inhibitRules, firing),
    new DependencyInhibitionStage({
      services: serviceTopology(config, "node-a"),
      serviceDown: (s) => servicesDown.has(s),
      nodeDown: () => false,
      firing,
    }),
  ];
  // Never started: notifications are queued in storage, which is what is compared here.
  const dispatcher = new NotificationDispatcher({ storage, clock, receivers: config.notify.receivers, journal, logger });
  manager = alerts = new AlertManager({ storage, journal, clock, notify: config.notify, dispatcher, muteStages, externalURL: () => "http://vigil.test", logger });
  await alerts.load();

  await silences.add({ matchers: ['service="web"'], endsAt: NOW + 3_600_000, createdBy: "alice", comment: "disk swap" });
  await silences.add({ matchers: ['alertname="DiskFull"'], endsAt: NOW + 3_600_000, createdBy: "bob" });
  await silences.add({ matchers: ['service="web"'], startsAt: NOW + 600_000, endsAt: NOW + 3_600_000, createdBy: "carol" }); // pending: not yet
  servicesDown.add("db").add("api");
  for (const labels of [nodeDown, cpuOnDownNode, diskOfWeb, dbDown, apiDown]) {
    await alerts.observe({ labels, annotations: {}, active: true, value: null, forMs: 0 });
  }

  http = Fastify({ logger: false });
  registerAlertmanagerRoutes(http, { alerts, clock, notify: config.notify, logger });
  base = await http.listen({ host: "127.0.0.1", port: 0 });
});

after(async () => {
  await http.close();
  await alerts.stop();
  await storage.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function get(query = ""): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}/api/v2/alerts${query}`);
  return { status: res.status, json: await res.json() };
}

/** alertname/service-or-node → status, from a GET. */
async function statuses(query = ""): Promise<Record<string, unknown>> {
  const { status, json } = await get(query);
  assert.equal(status, 200);
  return Object.fromEntries(
    json.map((a: { labels: Record<string, string>; status: unknown }) => [`${a.labels.alertname}/${a.labels.service ?? a.labels.node}`, a.status]),
  );
}

describe("GET /api/v2/alerts status", () => {
  it("names the silences, the inhibiting alerts and the maintenance windows that mute each alert", async () => {
    assert.deepEqual(await statuses(), {
      "NodeDown/node-b": { state: "active", silencedBy: [], inhibitedBy: [], mutedBy: [] },
      "HighCpu/node-b": { state: "suppressed", silencedBy: [], inhibitedBy: [fp(nodeDown)], mutedBy: [] },
      "DiskFull/web": { state: "suppressed", silencedBy: ["1", "2"], inhibitedBy: [], mutedBy: [] },
      "ServiceDown/db": { state: "suppressed", silencedBy: [], inhibitedBy: [], mutedBy: ["db-migration"] },
      // api depends on db, which is down: inhibited by db's firing alert, named by its fingerprint.
      "ServiceDown/api": { state: "suppressed", silencedBy: [], inhibitedBy: [fp(dbDown)], mutedBy: [] },
    });
  });

  it("agrees with the pipeline: only the alert the API calls active is notified", async () => {
    clock.advance(config.notify.groupWait);
    await alerts.idle();
    const queued = (await storage.listNotifications({ limit: 100 })).map((n) => JSON.parse(n.payload).alerts.map((a: { labels: Record<string, string> }) => a.labels.alertname));
    assert.deepEqual(queued, [["NodeDown"]]);
  });

  it("follows the stages as they change: a root that recovers stops inhibiting", async () => {
    servicesDown.delete("db");
    const now = await statuses();
    assert.deepEqual(now["ServiceDown/api"], { state: "active", silencedBy: [], inhibitedBy: [], mutedBy: [] });
    servicesDown.add("db");
  });

  it("silenced, inhibited, muted and active=false leave out the alerts in that state, as in Alertmanager", async () => {
    assert.deepEqual(Object.keys(await statuses("?silenced=false")).sort(), ["HighCpu/node-b", "NodeDown/node-b", "ServiceDown/api", "ServiceDown/db"]);
    assert.deepEqual(Object.keys(await statuses("?inhibited=false")).sort(), ["DiskFull/web", "NodeDown/node-b", "ServiceDown/db"]);
    assert.deepEqual(Object.keys(await statuses("?muted=false")).sort(), ["DiskFull/web", "HighCpu/node-b", "NodeDown/node-b", "ServiceDown/api"]);
    assert.deepEqual(Object.keys(await statuses("?active=false")).sort(), ["DiskFull/web", "HighCpu/node-b", "ServiceDown/api", "ServiceDown/db"]);
    assert.deepEqual(Object.keys(await statuses("?active=true&silenced=false&inhibited=false&muted=false")), ["NodeDown/node-b"]);
  });

  it("a bad filter value gets 400 naming it", async () => {
    const { status, json } = await get("?silenced=maybe");
    assert.equal(status, 400);
    assert.match(json.error, /^invalid query: silenced: expected "true" or "false"/);
  });
});
