import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AlertManager } from "../../src/alert/alert-manager.js";
import type { AlertObservation } from "../../src/alert/alert-lifecycle.js";
import { alertFingerprint } from "../../src/alert/fingerprint.js";
import { NotificationDispatcher } from "../../src/alert/notify/dispatcher.js";
import type { VigilConfig } from "../../src/config/schema.js";
import { Journal } from "../../src/storage/journal.js";
import { openSqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import type { Storage } from "../../src/storage/storage.js";
import { ManualClock } from "../../src/util/clock.js";
import { silentLogger } from "../../src/util/logger.js";
import { WebhookReceiver } from "./webhook-receiver.js";

const externalURL = "http://vigil.test:7070";
const labels = { alertname: "HighCpu", severity: "critical", node: "node-a" };
const fingerprint = alertFingerprint(labels);

function cpu(active: boolean, value: number, forMs = 1000, summary = "CPU high on node-a"): AlertObservation {
  return { labels, annotations: { summary }, active, value, forMs };
}

function notifyConfig(url: string): VigilConfig["notify"] {
  return {
    receivers: { oncall: { webhook: { url, timeout: 5000, maxAttempts: 10, headers: {} } } },
    routes: [{ match: { severity: "critical" }, receiver: "oncall" }],
  };
}

function compose(storage: Storage, clock: ManualClock, notify: VigilConfig["notify"]) {
  const logger = silentLogger();
  const journal = new Journal(storage, clock);
  const dispatcher = new NotificationDispatcher({ storage, clock, receivers: notify.receivers, journal, logger });
  const alerts = new AlertManager({ storage, journal, clock, notify, dispatcher, externalURL: () => externalURL, logger });
  return { journal, dispatcher, alerts };
}

async function fixture(t: { after(fn: () => Promise<void>): void }) {
  const receiver = await WebhookReceiver.start();
  const storage = openSqliteStorage(":memory:");
  const clock = new ManualClock();
  const parts = compose(storage, clock, notifyConfig(receiver.url));
  await parts.alerts.load();
  parts.dispatcher.start();
  t.after(async () => {
    await parts.dispatcher.stop();
    await storage.close();
    await receiver.close();
  });
  return { ...parts, storage, clock, receiver };
}

test("an alert stays pending for `for`, fires in Alertmanager's format, then resolves", async (t) => {
  const { alerts, dispatcher, storage, clock, receiver } = await fixture(t);
  const activeAt = clock.now();

  await alerts.observe(cpu(true, 0.95));
  await dispatcher.drain();
  assert.deepEqual(alerts.active().map((a) => [a.fingerprint, a.state]), [[fingerprint, "pending"]]);
  assert.equal(receiver.requests.length, 0, "a pending alert notifies nobody");
  assert.equal((await storage.listEvents({ kinds: ["alert.firing"] })).length, 0);

  clock.advance(500);
  await alerts.observe(cpu(true, 0.96));
  await dispatcher.drain();
  assert.equal(alerts.active()[0]!.state, "pending");
  assert.equal(receiver.requests.length, 0);

  clock.advance(500);
  await alerts.observe(cpu(true, 0.97));
  await dispatcher.drain();
  const firedAt = activeAt + 1000;
  assert.equal(alerts.active()[0]!.state, "firing");
  assert.equal(receiver.requests.length, 1);
  assert.deepEqual(receiver.bodies()[0], {
    receiver: "oncall",
    status: "firing",
    alerts: [
      {
        status: "firing",
        labels,
        annotations: { summary: "CPU high on node-a" },
        startsAt: new Date(firedAt).toISOString(),
        endsAt: "0001-01-01T00:00:00Z",
        generatorURL: `${externalURL}/api/v1/alerts?fingerprint=${fingerprint}`,
        fingerprint,
      },
    ],
    groupLabels: { alertname: "HighCpu" },
    commonLabels: labels,
    commonAnnotations: { summary: "CPU high on node-a" },
    externalURL,
    version: "4",
    groupKey: '{}:{alertname="HighCpu"}',
    truncatedAlerts: 0,
  });
  const firing = await storage.listEvents({ kinds: ["alert.firing"] });
  assert.equal(firing.length, 1);
  assert.equal(firing[0]!.node, "node-a");
  assert.equal(firing[0]!.ts, firedAt);
  assert.deepEqual(firing[0]!.data, { fingerprint, labels, annotations: { summary: "CPU high on node-a" }, value: 0.97 });

  clock.advance(2000);
  await alerts.observe(cpu(false, 0.3));
  await dispatcher.drain();
  assert.deepEqual(alerts.active(), []);
  assert.equal(receiver.requests.length, 2);
  const resolved = receiver.bodies()[1];
  assert.equal(resolved.status, "resolved");
  assert.equal(resolved.alerts[0].status, "resolved");
  assert.equal(resolved.alerts[0].startsAt, new Date(firedAt).toISOString());
  assert.equal(resolved.alerts[0].endsAt, new Date(firedAt + 2000).toISOString());
  assert.deepEqual((await storage.listEvents({ kinds: ["alert.resolved"] })).map((e) => e.node), ["node-a"]);
  const [stored] = await storage.listAlerts({ resolvedSince: 0 });
  assert.equal(stored!.state, "resolved");
  assert.equal(stored!.resolvedAt, firedAt + 2000);
});

test("a pending alert that clears sends nothing, journals nothing and leaves the active set", async (t) => {
  const { alerts, dispatcher, storage, clock, receiver } = await fixture(t);
  await alerts.observe(cpu(true, 0.95));
  clock.advance(900);
  await alerts.observe(cpu(false, 0.5));
  clock.advance(10_000);
  await dispatcher.drain();
  assert.equal(receiver.requests.length, 0);
  assert.deepEqual(alerts.active(), []);
  assert.deepEqual(await storage.listAlerts(), [], "not pending in storage either: a restart would not revive it");
  assert.equal((await storage.listEvents({ kinds: ["alert.firing", "alert.resolved"] })).length, 0);
  assert.equal((await storage.listNotifications()).length, 0);
});

test("observations not awaited one by one still apply in call order", async (t) => {
  const { alerts, dispatcher, receiver } = await fixture(t);
  await Promise.all([alerts.observe(cpu(true, 0.95, 0)), alerts.observe(cpu(false, 0.1, 0)), alerts.observe(cpu(true, 0.99, 0))]);
  await dispatcher.drain();
  assert.deepEqual(receiver.bodies().map((b) => b.status), ["firing", "resolved", "firing"]);
  assert.equal(alerts.active()[0]!.value, 0.99);
});

test("alerts no route matches are tracked and journalled but notify nobody", async (t) => {
  const { alerts, dispatcher, storage, receiver } = await fixture(t);
  await alerts.observe({ labels: { alertname: "DiskFilling", severity: "warning", service: "db" }, annotations: {}, active: true, value: 0.8, forMs: 0 });
  await dispatcher.drain();
  assert.equal(alerts.active().length, 1);
  assert.equal(receiver.requests.length, 0);
  const [event] = await storage.listEvents({ kinds: ["alert.firing"] });
  assert.equal(event!.service, "db");
  assert.equal(event!.node, undefined);
});

test("a restarted server picks up the firing alert and resolves it with a notification", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-alerts-"));
  const receiver = await WebhookReceiver.start();
  t.after(async () => {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, "vigil.db");
  const clock = new ManualClock();
  const notify = notifyConfig(receiver.url);

  const firstStorage = openSqliteStorage(file);
  const first = compose(firstStorage, clock, notify);
  await first.alerts.load();
  first.dispatcher.start();
  await first.alerts.observe(cpu(true, 0.95, 0));
  await first.dispatcher.drain();
  await first.dispatcher.stop();
  await firstStorage.close();

  clock.advance(60_000);
  const secondStorage = openSqliteStorage(file);
  const second = compose(secondStorage, clock, notify);
  t.after(async () => {
    await second.dispatcher.stop();
    await secondStorage.close();
  });
  await second.alerts.load();
  second.dispatcher.start();
  assert.deepEqual(second.alerts.active().map((a) => a.state), ["firing"]);
  await second.alerts.observe(cpu(false, 0.2, 0));
  await second.dispatcher.drain();
  assert.deepEqual(receiver.bodies().map((b) => b.status), ["firing", "resolved"]);
  assert.equal(receiver.bodies()[1].alerts[0].endsAt, new Date(clock.now()).toISOString());
});

test("a malformed observation is refused with the field at fault", async (t) => {
  const { alerts } = await fixture(t);
  await assert.rejects(alerts.observe({ ...cpu(true, 1), labels: { severity: "critical" } }), /labels.alertname: required/);
  await assert.rejects(alerts.observe({ ...cpu(true, 1), forMs: -5 }), /forMs: expected a duration in ms >= 0, got -5/);
  await assert.rejects(
    alerts.observe({ ...cpu(true, 1), labels: { alertname: "X", port: 80 as unknown as string } }),
    /labels.port: expected a string, got number/,
  );
  assert.deepEqual(alerts.active(), []);
});
