// Alertmanager's v2 alerts API on a real fastify on 127.0.0.1 with real SQLite and the real
// alert manager: posted alerts fire, re-sends keep them firing, endsAt passing resolves them.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { AlertManager } from "../../../src/alert/alert-manager.js";
import { DEFAULT_RESOLVE_TIMEOUT_MS } from "../../../src/alert/external-alerts.js";
import { alertFingerprint } from "../../../src/alert/fingerprint.js";
import { NotificationDispatcher } from "../../../src/alert/notify/dispatcher.js";
import { configSchema } from "../../../src/config/schema.js";
import { registerAlertmanagerRoutes } from "../../../src/server/http/alertmanager-routes.js";
import { Journal } from "../../../src/storage/journal.js";
import { openSqliteStorage, type SqliteStorage } from "../../../src/storage/sqlite/sqlite-storage.js";
import { ManualClock } from "../../../src/util/clock.js";
import { silentLogger } from "../../../src/util/logger.js";

const NOW = Date.parse("2025-06-07T21:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

let dir: string;
let storage: SqliteStorage;
let alerts: AlertManager;
let http: FastifyInstance;
let base: string;
const clock = new ManualClock(NOW);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "vigil-am-routes-"));
  storage = openSqliteStorage(join(dir, "vigil.db"));
  const notify = configSchema.parse({
    notify: {
      receivers: { oncall: { webhook: { url: "http://127.0.0.1:9/hook" } }, chat: { webhook: { url: "http://127.0.0.1:9/hook" } } },
      receiver: "chat",
      routes: [{ match: { severity: "critical" }, receiver: "oncall" }],
    },
  }).notify;
  const logger = silentLogger();
  const journal = new Journal(storage, clock);
  // Never started: notifications are queued in storage, not delivered (not what this test is about).
  const dispatcher = new NotificationDispatcher({ storage, clock, receivers: notify.receivers, journal, logger });
  alerts = new AlertManager({ storage, journal, clock, notify, dispatcher, muteStages: [], externalURL: () => "http://vigil.test", logger });
  await alerts.load();
  http = Fastify({ logger: false });
  registerAlertmanagerRoutes(http, { alerts, clock, notify, logger });
  base = await http.listen({ host: "127.0.0.1", port: 0 });
});

after(async () => {
  await http.close();
  await alerts.stop();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function request(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body !== undefined && { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

const disk = { alertname: "DiskFull", severity: "critical", instance: "db-1:9100" };
const load = { alertname: "HighLoad", severity: "warning" };

function stateOf(labels: Record<string, string>): string | undefined {
  return alerts.active().find((a) => a.fingerprint === alertFingerprint(labels))?.state;
}

describe("POST /api/v2/alerts", () => {
  it("a posted alert fires at once with its labels and annotations as sent, and GET shows it in v2 shape", async () => {
    const endsAt = NOW + 4 * 60_000;
    const post = await request("POST", "/api/v2/alerts", [
      {
        labels: disk,
        annotations: { summary: "disk / on db-1 is 97% full" },
        startsAt: iso(NOW - 30_000),
        endsAt: iso(endsAt),
        generatorURL: "http://prometheus:9090/graph?g0.expr=disk",
      },
    ]);
    assert.equal(post.status, 200);
    await alerts.idle();
    const [record] = alerts.active();
    assert.deepEqual(record?.labels, disk);
    assert.deepEqual(record?.annotations, { summary: "disk / on db-1 is 97% full" });
    assert.equal(record?.state, "firing");

    const get = await request("GET", "/api/v2/alerts");
    assert.equal(get.status, 200);
    assert.deepEqual(get.json, [
      {
        labels: disk,
        annotations: { summary: "disk / on db-1 is 97% full" },
        startsAt: iso(NOW),
        endsAt: iso(endsAt),
        updatedAt: iso(NOW),
        fingerprint: alertFingerprint(disk),
        status: { state: "active", silencedBy: [], inhibitedBy: [], mutedBy: [] },
        receivers: [{ name: "oncall" }],
        generatorURL: "http://prometheus:9090/graph?g0.expr=disk",
      },
    ]);
    const [event] = await storage.listEvents({ kinds: ["alert.firing"] });
    assert.deepEqual(event?.data.labels, disk);
  });

  it("re-sends keep an alert firing past its first endsAt; without one, it resolves when endsAt passes", async () => {
    // Prometheus re-sends every minute here with endsAt = now + 4 min.
    for (let minute = 1; minute <= 6; minute++) {
      clock.advance(60_000);
      await alerts.idle();
      assert.equal(stateOf(disk), "firing", `minute ${minute}`);
      const post = await request("POST", "/api/v2/alerts", [{ labels: disk, annotations: { summary: "disk / on db-1 is 97% full" }, endsAt: iso(clock.now() + 4 * 60_000) }]);
      assert.equal(post.status, 200);
    }
    const lastEndsAt = clock.now() + 4 * 60_000;
    clock.advance(4 * 60_000 - 1);
    await alerts.idle();
    assert.equal(stateOf(disk), "firing");
    clock.advance(1);
    await alerts.idle();
    assert.equal(stateOf(disk), undefined);
    const [resolved] = await storage.listAlerts({ resolvedSince: 0 }).then((all) => all.filter((a) => a.fingerprint === alertFingerprint(disk)));
    assert.equal(resolved?.state, "resolved");
    assert.equal(resolved?.resolvedAt, lastEndsAt);
    assert.deepEqual((await request("GET", "/api/v2/alerts")).json, []);
  });

  it("an alert posted with endsAt in the past resolves at once (Prometheus' resolved notice)", async () => {
    await request("POST", "/api/v2/alerts", [{ labels: load, endsAt: iso(clock.now() + 60_000) }]);
    await alerts.idle();
    assert.equal(stateOf(load), "firing");
    const post = await request("POST", "/api/v2/alerts", [{ labels: load, endsAt: iso(clock.now() - 1000) }]);
    assert.equal(post.status, 200);
    await alerts.idle();
    assert.equal(stateOf(load), undefined);
    // Its old deadline passing later changes nothing (no second resolve).
    clock.advance(120_000);
    await alerts.idle();
    assert.equal((await storage.listEvents({ kinds: ["alert.resolved"] })).filter((e) => e.data.labels && (e.data.labels as Record<string, string>).alertname === "HighLoad").length, 1);
  });

  it("without endsAt, an alert resolves after the default resolve timeout of 5 minutes", async () => {
    const labels = { alertname: "NoEnd", team: "db" };
    await request("POST", "/api/v2/alerts", [{ labels }]);
    await alerts.idle();
    const get = await request("GET", "/api/v2/alerts");
    assert.equal(get.json[0].endsAt, iso(clock.now() + DEFAULT_RESOLVE_TIMEOUT_MS));
    assert.deepEqual(get.json[0].receivers, [{ name: "chat" }]);
    assert.equal(get.json[0].generatorURL, "");
    clock.advance(DEFAULT_RESOLVE_TIMEOUT_MS - 1);
    await alerts.idle();
    assert.equal(stateOf(labels), "firing");
    clock.advance(1);
    await alerts.idle();
    assert.equal(stateOf(labels), undefined);
  });

  it("an empty array is accepted; Go's zero endsAt counts as unset", async () => {
    assert.equal((await request("POST", "/api/v2/alerts", [])).status, 200);
    const labels = { alertname: "ZeroEnd" };
    await request("POST", "/api/v2/alerts", [{ labels, endsAt: "0001-01-01T00:00:00Z" }]);
    await alerts.idle();
    assert.equal(stateOf(labels), "firing");
    assert.equal((await request("GET", "/api/v2/alerts")).json[0].endsAt, iso(clock.now() + DEFAULT_RESOLVE_TIMEOUT_MS));
  });

  it("a bad body gets 400 naming the index and field, and nothing is observed", async () => {
    const before = alerts.active().length;
    const good = { labels: { alertname: "Fine" } };
    const cases: [unknown, RegExp][] = [
      [{ labels: { alertname: "x" } }, /^invalid alerts: body: expected a JSON array of alerts/],
      [[good, { labels: { severity: "critical" } }], /^invalid alerts: \[1\]\.labels\.alertname: required/],
      [[good, good, {}], /^invalid alerts: \[2\]\.labels: expected an object of labels/],
      [[{ labels: { alertname: "x", "bad-name": "y" } }], /^invalid alerts: \[0\]\.labels\.bad-name: invalid label name "bad-name"/],
      [[{ labels: { alertname: "x", value: 3 } }], /^invalid alerts: \[0\]\.labels\.value: expected a string label value/],
      [[{ ...good, annotations: { summary: null } }], /^invalid alerts: \[0\]\.annotations\.summary: expected a string annotation value/],
      [[{ ...good, endsAt: "tomorrow" }], /^invalid alerts: \[0\]\.endsAt: expected an RFC 3339 time .*got "tomorrow"/],
      [[{ ...good, startsAt: 1717794000000 }], /^invalid alerts: \[0\]\.startsAt: expected an RFC 3339 time/],
      [[{ ...good, generatorURL: 5 }], /^invalid alerts: \[0\]\.generatorURL: expected a URL string/],
    ];
    for (const [body, error] of cases) {
      const { status, json } = await request("POST", "/api/v2/alerts", body);
      assert.equal(status, 400, JSON.stringify(body));
      assert.match(json.error, error, JSON.stringify(body));
    }
    await alerts.idle();
    assert.equal(alerts.active().length, before);
    assert.equal(stateOf(good.labels), undefined);
  });
});
