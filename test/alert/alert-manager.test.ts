import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AlertManager } from "../../src/alert/alert-manager.js";
import type { AlertObservation } from "../../src/alert/alert-lifecycle.js";
import { alertFingerprint } from "../../src/alert/fingerprint.js";
import type { MuteReason, MuteStage } from "../../src/alert/mute.js";
import { NotificationDispatcher } from "../../src/alert/notify/dispatcher.js";
import { configSchema, type NotifyConfig } from "../../src/config/schema.js";
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

/** An alert observation with for = 0. */
function alert(alertLabels: Record<string, string>, active: boolean, extra: Partial<AlertObservation> = {}): AlertObservation {
  return { labels: alertLabels, annotations: {}, active, value: null, forMs: 0, ...extra };
}

/** notify config as a user writes it, through the real schema (defaults: groupWait 1s, groupInterval 10s, repeatInterval 4h). */
function notifyConfig(notify: Record<string, unknown> = {}, url = "http://127.0.0.1:9/hook"): NotifyConfig {
  return configSchema.parse({
    notify: {
      receivers: { oncall: { webhook: { url } }, audit: { webhook: { url } } },
      routes: [{ match: { severity: "critical" }, receiver: "oncall" }],
      ...notify,
    },
  }).notify;
}

/** A mute stage the test switches: mutes the alerts whose fingerprint is in `fingerprints`. */
class SwitchedMute implements MuteStage {
  readonly fingerprints = new Set<string>();
  constructor(readonly kind: MuteReason["kind"]) {}
  muted(alertLabels: Record<string, string>): MuteReason | null {
    const fp = alertFingerprint(alertLabels);
    return this.fingerprints.has(fp) ? { kind: this.kind, id: fp, detail: `${this.kind} by the test` } : null;
  }
  reasons(alertLabels: Record<string, string>): MuteReason[] {
    const reason = this.muted(alertLabels);
    return reason ? [reason] : [];
  }
}

function compose(storage: Storage, clock: ManualClock, notify: NotifyConfig, muteStages: MuteStage[] = []) {
  const logger = silentLogger();
  const journal = new Journal(storage, clock);
  const dispatcher = new NotificationDispatcher({ storage, clock, receivers: notify.receivers, journal, logger });
  const alerts = new AlertManager({ storage, journal, clock, notify, dispatcher, muteStages, externalURL: () => externalURL, logger });
  return { journal, dispatcher, alerts };
}

/** The notifications the pipeline queued, oldest first, as "receiver status name/node:status,...". */
async function queued(storage: Storage): Promise<string[]> {
  const notifications = (await storage.listNotifications({ limit: 1000 })).reverse();
  return notifications.map((n) => {
    const body = JSON.parse(n.payload);
    const alerts = body.alerts.map((a: { labels: Record<string, string>; status: string }) => `${a.labels.alertname}/${a.labels.node ?? a.labels.service}:${a.status}`);
    return `${n.receiver} ${body.status} ${alerts.join(",")}`;
  });
}

async function payloads(storage: Storage): Promise<any[]> {
  return (await storage.listNotifications({ limit: 1000 })).reverse().map((n) => JSON.parse(n.payload));
}

/**
 * Moves the clock `ms` forward as time passes for a running server: in steps of at most
 * 250 ms, letting the pipeline finish the work each step's timers start (flushes, timers' work).
 */
async function pass(clock: ManualClock, manager: AlertManager, ms: number): Promise<void> {
  for (let left = ms; ; ) {
    const stride = Math.min(left, 250);
    clock.advance(stride);
    await manager.idle();
    left -= stride;
    if (left <= 0) return;
  }
}

/** In-memory storage and a manager whose queued notifications are read from storage (the dispatcher is not started). */
async function fixture(t: { after(fn: () => Promise<void>): void }, notify = notifyConfig(), muteStages: MuteStage[] = []) {
  const storage = openSqliteStorage(":memory:");
  const clock = new ManualClock();
  const parts = compose(storage, clock, notify, muteStages);
  await parts.alerts.load();
  t.after(async () => {
    await parts.alerts.stop();
    await storage.close();
  });
  const step = (ms: number) => pass(clock, parts.alerts, ms);
  return { ...parts, storage, clock, step, start: clock.now() };
}

test("an alert stays pending for `for`, fires after groupWait in Alertmanager's format, and resolves at the next groupInterval", async (t) => {
  const receiver = await WebhookReceiver.start();
  const storage = openSqliteStorage(":memory:");
  const clock = new ManualClock();
  const { alerts, dispatcher } = compose(storage, clock, notifyConfig({}, receiver.url));
  await alerts.load();
  dispatcher.start();
  t.after(async () => {
    await alerts.stop();
    await dispatcher.stop();
    await storage.close();
    await receiver.close();
  });
  const step = async (ms: number) => {
    await pass(clock, alerts, ms);
    await dispatcher.drain();
  };
  const activeAt = clock.now();

  await alerts.observe(cpu(true, 0.95));
  await step(500);
  assert.deepEqual(alerts.active().map((a) => [a.fingerprint, a.state]), [[fingerprint, "pending"]]);
  await alerts.observe(cpu(true, 0.96));
  await step(500);
  await alerts.observe(cpu(true, 0.97));
  const firedAt = activeAt + 1000;
  assert.equal(alerts.active()[0]!.state, "firing");
  const firing = await storage.listEvents({ kinds: ["alert.firing"] });
  assert.deepEqual(firing.map((e) => [e.ts, e.node, e.data]), [
    [firedAt, "node-a", { fingerprint, labels, annotations: { summary: "CPU high on node-a" }, value: 0.97 }],
  ]);

  await step(999);
  assert.equal(receiver.requests.length, 0, "nothing before groupWait has passed");
  await step(1);
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
    groupLabels: { alertname: "HighCpu", node: "node-a" },
    commonLabels: labels,
    commonAnnotations: { summary: "CPU high on node-a" },
    externalURL,
    version: "4",
    groupKey: '{}/{severity="critical"}:{alertname="HighCpu", node="node-a"}',
    truncatedAlerts: 0,
  });

  await step(2000);
  await alerts.observe(cpu(false, 0.3));
  const resolvedAt = clock.now();
  assert.deepEqual(alerts.active(), []);
  assert.deepEqual((await storage.listEvents({ kinds: ["alert.resolved"] })).map((e) => [e.ts, e.node]), [[resolvedAt, "node-a"]]);
  await step(7999);
  assert.equal(receiver.requests.length, 1, "a change waits for the group's next interval (10 s after the first flush)");
  await step(1);
  assert.equal(receiver.requests.length, 2);
  const resolved = receiver.bodies()[1];
  assert.equal(resolved.status, "resolved");
  assert.equal(resolved.groupKey, receiver.bodies()[0].groupKey);
  assert.deepEqual([resolved.alerts[0].status, resolved.alerts[0].startsAt, resolved.alerts[0].endsAt], [
    "resolved",
    new Date(firedAt).toISOString(),
    new Date(resolvedAt).toISOString(),
  ]);
  const [stored] = await storage.listAlerts({ resolvedSince: 0 });
  assert.deepEqual([stored!.state, stored!.resolvedAt], ["resolved", resolvedAt]);

  await step(60_000);
  assert.equal(receiver.requests.length, 2, "a resolved alert is sent once, then leaves its group");
});

test("a pending alert that clears sends nothing, journals nothing and leaves the active set", async (t) => {
  const { alerts, storage, step } = await fixture(t);
  await alerts.observe(cpu(true, 0.95));
  await step(900);
  await alerts.observe(cpu(false, 0.5));
  await step(30_000);
  assert.deepEqual(alerts.active(), []);
  assert.deepEqual(await storage.listAlerts(), [], "not pending in storage either: a restart would not revive it");
  assert.equal((await storage.listEvents({ kinds: ["alert.firing", "alert.resolved"] })).length, 0);
  assert.deepEqual(await queued(storage), []);
});

test("observations not awaited one by one still apply in call order; the group tells the final state once", async (t) => {
  const { alerts, storage, step } = await fixture(t);
  await Promise.all([alerts.observe(cpu(true, 0.95, 0)), alerts.observe(cpu(false, 0.1, 0)), alerts.observe(cpu(true, 0.99, 0))]);
  assert.deepEqual((await storage.listEvents({ kinds: ["alert.firing", "alert.resolved"] })).map((e) => e.kind), [
    "alert.firing",
    "alert.resolved",
    "alert.firing",
  ]);
  assert.equal(alerts.active()[0]!.value, 0.99);
  await step(1000);
  assert.deepEqual(await queued(storage), ["oncall firing HighCpu/node-a:firing"]);
});

test("alerts no route takes are tracked and journalled but notify nobody", async (t) => {
  const { alerts, storage, step } = await fixture(t);
  await alerts.observe({ labels: { alertname: "DiskFilling", severity: "warning", service: "db" }, annotations: {}, active: true, value: 0.8, forMs: 0 });
  await step(30_000);
  assert.equal(alerts.active().length, 1);
  assert.deepEqual(await queued(storage), []);
  const [event] = await storage.listEvents({ kinds: ["alert.firing"] });
  assert.deepEqual([event!.service, event!.node], ["db", undefined]);
});

test("groupBy batches: alerts of one group within groupWait go out together; later ones at the next groupInterval", async (t) => {
  const notify = notifyConfig({ routes: [{ match: { severity: "critical" }, receiver: "oncall", groupBy: ["alertname"] }] });
  const { alerts, storage, step } = await fixture(t, notify);
  const high = (node: string) => ({ alertname: "HighCpu", severity: "critical", node });
  await alerts.observe(alert(high("node-a"), true));
  await alerts.observe(alert({ alertname: "DiskFull", severity: "critical", node: "node-a" }, true));
  await step(500);
  await alerts.observe(alert(high("node-b"), true));
  await step(500);
  assert.deepEqual(await queued(storage), [
    "oncall firing HighCpu/node-a:firing,HighCpu/node-b:firing",
    "oncall firing DiskFull/node-a:firing",
  ]);
  const [first] = await payloads(storage);
  assert.deepEqual([first.groupLabels, first.groupKey], [{ alertname: "HighCpu" }, '{}/{severity="critical"}:{alertname="HighCpu"}']);

  await step(2000);
  await alerts.observe(alert(high("node-c"), true));
  await step(7999);
  assert.equal((await queued(storage)).length, 2, "node-c waits for the group's interval");
  await step(1);
  assert.deepEqual((await queued(storage)).slice(2), ["oncall firing HighCpu/node-a:firing,HighCpu/node-b:firing,HighCpu/node-c:firing"]);
  await step(30_000);
  assert.equal((await queued(storage)).length, 3, "an unchanged group is not sent again before repeatInterval");
});

test("repeatInterval: an unchanged firing group is notified again at the first interval after repeatInterval", async (t) => {
  const notify = notifyConfig({ routes: [{ match: { severity: "critical" }, receiver: "oncall", repeatInterval: "1m" }] });
  const { alerts, storage, step } = await fixture(t, notify);
  await alerts.observe(alert(labels, true));
  await step(1000);
  assert.equal((await queued(storage)).length, 1);
  await step(59_999);
  assert.equal((await queued(storage)).length, 1, "59.999 s after the first notification");
  await step(1);
  assert.deepEqual(await queued(storage), ["oncall firing HighCpu/node-a:firing", "oncall firing HighCpu/node-a:firing"]);
  await step(60_000);
  assert.equal((await queued(storage)).length, 3);
});

test("continue: an alert two routes take is notified to both receivers, each with its own group key", async (t) => {
  const notify = notifyConfig({ routes: [{ match: { severity: "critical" }, receiver: "oncall", continue: true }, { receiver: "audit" }] });
  const { alerts, storage, step } = await fixture(t, notify);
  await alerts.observe(alert(labels, true));
  await step(1000);
  assert.deepEqual((await queued(storage)).sort(), ["audit firing HighCpu/node-a:firing", "oncall firing HighCpu/node-a:firing"]);
  assert.deepEqual((await payloads(storage)).map((p) => p.groupKey).sort(), [
    '{}/{severity="critical"}:{alertname="HighCpu", node="node-a"}',
    '{}/{}:{alertname="HighCpu", node="node-a"}',
  ]);
});

test("resolved is always sent to a receiver that saw the alert firing, even if it was silenced in between", async (t) => {
  const silence = new SwitchedMute("silence");
  const notify = notifyConfig({ routes: [{ match: { severity: "critical" }, receiver: "oncall", groupBy: ["alertname"] }] });
  const { alerts, storage, step } = await fixture(t, notify, [silence]);
  const a = { alertname: "HighCpu", severity: "critical", node: "node-a" };
  const b = { ...a, node: "node-b" };
  const c = { ...a, node: "node-c" };

  await alerts.observe(alert(a, true));
  await step(1000);
  assert.deepEqual(await queued(storage), ["oncall firing HighCpu/node-a:firing"]);

  silence.fingerprints.add(alertFingerprint(a));
  silence.fingerprints.add(alertFingerprint(c));
  await alerts.observe(alert(b, true));
  await alerts.observe(alert(c, true));
  await step(10_000);
  assert.deepEqual((await queued(storage)).slice(1), ["oncall firing HighCpu/node-b:firing"], "silenced alerts are left out, firing or not yet told");
  assert.equal((await storage.listEvents({ kinds: ["alert.firing"] })).length, 3, "silences mute notifications, never the alerts' evaluation");

  await alerts.observe(alert(a, false));
  await alerts.observe(alert(c, false));
  await step(10_000);
  assert.deepEqual(
    (await queued(storage)).slice(2),
    ["oncall firing HighCpu/node-a:resolved,HighCpu/node-b:firing"],
    "node-a's resolved is sent while silenced; node-c was never told, so it gets no resolved",
  );
  await step(60_000);
  assert.equal((await queued(storage)).length, 3);
});

test("resolved is always sent after an inhibition, and the inhibited alert is not repeated meanwhile", async (t) => {
  // A small inhibition stage: while NodeDown fires for a node, alerts on that node are muted.
  let manager: AlertManager | undefined;
  const nodeDownInhibits: MuteStage = {
    kind: "inhibition",
    muted(alertLabels) {
      if (alertLabels.alertname === "NodeDown") return null;
      const source = manager!.active().find((x) => x.state === "firing" && x.labels.alertname === "NodeDown" && x.labels.node === alertLabels.node);
      return source ? { kind: "inhibition", id: source.fingerprint, detail: "node down" } : null;
    },
    reasons(alertLabels, now) {
      const reason = this.muted(alertLabels, now);
      return reason ? [reason] : [];
    },
  };
  const notify = notifyConfig({ routes: [{ receiver: "oncall", repeatInterval: "30s" }] });
  const { alerts, storage, step } = await fixture(t, notify, [nodeDownInhibits]);
  manager = alerts;
  const serviceDown = { alertname: "ServiceDown", severity: "warning", service: "web", node: "node-a" };
  const nodeDown = { alertname: "NodeDown", severity: "critical", node: "node-a" };

  await alerts.observe(alert(serviceDown, true));
  await step(1000);
  await alerts.observe(alert(nodeDown, true));
  await step(1000);
  assert.deepEqual(await queued(storage), ["oncall firing ServiceDown/node-a:firing", "oncall firing NodeDown/node-a:firing"]);
  await step(40_000);
  assert.deepEqual((await queued(storage)).slice(2), ["oncall firing NodeDown/node-a:firing"], "repeatInterval repeats NodeDown, not the inhibited alert");

  await alerts.observe(alert(serviceDown, false));
  await step(10_000);
  assert.deepEqual((await queued(storage)).slice(3), ["oncall resolved ServiceDown/node-a:resolved"]);
});

test("a restart neither repeats a firing notification nor loses the resolved that follows", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-alerts-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "vigil.db");
  const clock = new ManualClock();
  const notify = notifyConfig();

  const firstStorage = openSqliteStorage(file);
  const first = compose(firstStorage, clock, notify);
  await first.alerts.load();
  await first.alerts.observe(cpu(true, 0.95, 0));
  await pass(clock, first.alerts, 1000);
  assert.deepEqual(await queued(firstStorage), ["oncall firing HighCpu/node-a:firing"]);
  await first.alerts.stop();
  await firstStorage.close();

  clock.advance(60_000);
  const secondStorage = openSqliteStorage(file);
  const second = compose(secondStorage, clock, notify);
  t.after(async () => {
    await second.alerts.stop();
    await secondStorage.close();
  });
  await second.alerts.load();
  assert.deepEqual(second.alerts.active().map((a) => a.state), ["firing"]);
  await pass(clock, second.alerts, 0);
  await pass(clock, second.alerts, 30_000);
  assert.deepEqual(await queued(secondStorage), ["oncall firing HighCpu/node-a:firing"], "the rebuilt group finds the firing alert already told");

  await second.alerts.observe(cpu(false, 0.2, 0));
  const resolvedAt = clock.now();
  await pass(clock, second.alerts, 10_000);
  assert.deepEqual(await queued(secondStorage), ["oncall firing HighCpu/node-a:firing", "oncall resolved HighCpu/node-a:resolved"]);
  assert.equal((await payloads(secondStorage))[1].alerts[0].endsAt, new Date(resolvedAt).toISOString());
});

test("after a restart, a resolved (or a firing) that had not been flushed yet is sent", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-alerts-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "vigil.db");
  const clock = new ManualClock();
  const notify = notifyConfig();
  const disk = { alertname: "DiskFull", severity: "critical", node: "node-a" };

  const firstStorage = openSqliteStorage(file);
  const first = compose(firstStorage, clock, notify);
  await first.alerts.load();
  await first.alerts.observe(cpu(true, 0.95, 0));
  await pass(clock, first.alerts, 1000);
  // HighCpu resolves and DiskFull fires, and the server stops before either group flushes.
  await first.alerts.observe(cpu(false, 0.2, 0));
  await first.alerts.observe(alert(disk, true));
  await pass(clock, first.alerts, 500);
  assert.deepEqual(await queued(firstStorage), ["oncall firing HighCpu/node-a:firing"]);
  await first.alerts.stop();
  await firstStorage.close();

  clock.advance(5000);
  const secondStorage = openSqliteStorage(file);
  const second = compose(secondStorage, clock, notify);
  t.after(async () => {
    await second.alerts.stop();
    await secondStorage.close();
  });
  await second.alerts.load();
  await pass(clock, second.alerts, 0);
  assert.deepEqual((await queued(secondStorage)).slice(1).sort(), [
    "oncall firing DiskFull/node-a:firing",
    "oncall resolved HighCpu/node-a:resolved",
  ]);
  await pass(clock, second.alerts, 60_000);
  assert.equal((await queued(secondStorage)).length, 3, "and each only once");
});

test("a flapping alert is notified once as flapping, stays quiet, and is notified in its real state once settled", async (t) => {
  const notify = notifyConfig({ flapping: { changes: 2, within: "1m", settle: "30s" } });
  const { alerts, storage, clock, step, start } = await fixture(t, notify);
  /** Moves the clock to `offset` ms after the start. */
  const stepTo = (offset: number) => step(start + offset - clock.now());
  await alerts.observe(alert(labels, true));
  await stepTo(1000);
  for (const [offset, active] of [[2000, false], [3000, true], [12_000, false], [13_000, true], [14_000, false]] as const) {
    await stepTo(offset);
    await alerts.observe(alert(labels, active));
  }
  assert.deepEqual(await queued(storage), ["oncall firing HighCpu/node-a:firing", "oncall firing HighCpu/node-a:firing"]);
  const flappingNotice = (await payloads(storage))[1];
  assert.deepEqual(flappingNotice.alerts[0].annotations, { flapping: "true" });
  assert.deepEqual(
    (await storage.listEvents({ kinds: ["alert.flapping"] })).map((e) => [e.ts - start, e.data.fingerprint]),
    [[3000, fingerprint]],
    "flapping from the third change within a minute (more than 2)",
  );

  // Last change at +14 s: quiet until it settles at +44 s; the resolved goes out at the group's next interval (+51 s).
  await stepTo(43_999);
  assert.equal((await queued(storage)).length, 2, "no firing/resolved notifications while flapping");
  assert.equal((await storage.listEvents({ kinds: ["alert.settled"] })).length, 0);
  await step(1);
  assert.deepEqual((await storage.listEvents({ kinds: ["alert.settled"] })).map((e) => [e.ts - start, e.data.state]), [[44_000, "resolved"]]);
  await step(7000);
  assert.deepEqual((await queued(storage)).slice(2), ["oncall resolved HighCpu/node-a:resolved"]);
  assert.deepEqual((await payloads(storage))[2].alerts[0].annotations, {}, "its real state, without the flapping mark");
  assert.equal((await storage.listEvents({ kinds: ["alert.firing", "alert.resolved"] })).length, 6, "every change is still journalled");
});

test("a restart keeps a flapping alert quiet until it settles (flapping state comes back from the journal)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-alerts-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "vigil.db");
  const clock = new ManualClock();
  const start = clock.now();
  const notify = notifyConfig({ flapping: { changes: 2, within: "1m", settle: "30s" } });
  const stepTo = (manager: AlertManager, offset: number) => pass(clock, manager, start + offset - clock.now());

  const firstStorage = openSqliteStorage(file);
  const first = compose(firstStorage, clock, notify);
  await first.alerts.load();
  for (const [offset, active] of [[0, true], [2000, false], [3000, true], [12_000, false]] as const) {
    await stepTo(first.alerts, offset);
    await first.alerts.observe(alert(labels, active));
  }
  assert.equal((await payloads(firstStorage))[1].alerts[0].annotations.flapping, "true");
  await first.alerts.stop();
  await firstStorage.close();

  const secondStorage = openSqliteStorage(file);
  const second = compose(secondStorage, clock, notify);
  t.after(async () => {
    await second.alerts.stop();
    await secondStorage.close();
  });
  await stepTo(first.alerts, 15_000);
  await second.alerts.load();
  // Settles 30 s after the last change (+42 s); the group, rebuilt at +15 s, flushes every 10 s: +45 s.
  await stepTo(second.alerts, 44_999);
  assert.equal((await queued(secondStorage)).length, 2, "still flapping after the restart: its resolved waits");
  await stepTo(second.alerts, 45_000);
  assert.deepEqual((await queued(secondStorage)).slice(2), ["oncall resolved HighCpu/node-a:resolved"]);
  assert.deepEqual((await secondStorage.listEvents({ kinds: ["alert.settled"] })).map((e) => e.ts - start), [42_000]);
});

test("keepFiringFor keeps the alert firing after its condition cleared, and resolves it on time even if no observation comes", async (t) => {
  const { alerts, storage, step, clock } = await fixture(t);
  await alerts.observe(alert(labels, true, { keepFiringMs: 5000 }));
  await step(2000);
  await alerts.observe(alert(labels, false, { keepFiringMs: 5000 }));
  const clearedAt = clock.now();
  await step(4999);
  assert.deepEqual(alerts.active().map((a) => [a.state, a.keepFiringUntil]), [["firing", clearedAt + 5000]]);
  assert.equal((await storage.listEvents({ kinds: ["alert.resolved"] })).length, 0);
  // The series went silent: no further observation, the deadline alone resolves it.
  await step(1);
  assert.deepEqual(alerts.active(), []);
  assert.deepEqual((await storage.listEvents({ kinds: ["alert.resolved"] })).map((e) => e.ts), [clearedAt + 5000]);
  await step(10_000);
  assert.deepEqual(await queued(storage), ["oncall firing HighCpu/node-a:firing", "oncall resolved HighCpu/node-a:resolved"]);
  assert.equal((await payloads(storage))[1].alerts[0].endsAt, new Date(clearedAt + 5000).toISOString());
});

test("a keepFiringFor deadline survives a restart", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-alerts-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "vigil.db");
  const clock = new ManualClock();
  const firstStorage = openSqliteStorage(file);
  const first = compose(firstStorage, clock, notifyConfig());
  await first.alerts.load();
  await first.alerts.observe(alert(labels, true, { keepFiringMs: 60_000 }));
  clock.advance(1000);
  await first.alerts.observe(alert(labels, false, { keepFiringMs: 60_000 }));
  const deadline = clock.now() + 60_000;
  await first.alerts.stop();
  await firstStorage.close();

  clock.advance(10_000);
  const secondStorage = openSqliteStorage(file);
  const second = compose(secondStorage, clock, notifyConfig());
  t.after(async () => {
    await second.alerts.stop();
    await secondStorage.close();
  });
  await second.alerts.load();
  assert.deepEqual(second.alerts.active().map((a) => a.keepFiringUntil), [deadline]);
  await pass(clock, second.alerts, deadline - clock.now());
  assert.deepEqual(second.alerts.active(), []);
  assert.deepEqual((await secondStorage.listEvents({ kinds: ["alert.resolved"] })).map((e) => e.ts), [deadline]);
});

test("an alert decided on a sample's arrival journals when the sample arrived; with groupWait 0 it is queued without waiting", async (t) => {
  const { alerts, storage, clock } = await fixture(t, notifyConfig({ groupWait: "0s" }));
  const arrivedAt = clock.now() - 2;
  await alerts.observe({ ...cpu(true, 0.95, 0), sampleReceivedAt: arrivedAt });
  clock.advance(0); // the flush timer of a new group with groupWait 0 is due now: no time passes
  await alerts.idle();
  assert.deepEqual(await queued(storage), ["oncall firing HighCpu/node-a:firing"]);
  await alerts.observe({ ...cpu(false, 0.5, 0), sampleReceivedAt: arrivedAt + 1000 });
  await alerts.observe(cpu(true, 0.97, 0)); // from the periodic evaluation: no arrival time to tell
  const events = await storage.listEvents({ kinds: ["alert.firing", "alert.resolved"] });
  assert.deepEqual(
    events.map((e) => [e.kind, e.data.sampleReceivedAt]),
    [
      ["alert.firing", arrivedAt],
      ["alert.resolved", arrivedAt + 1000],
      ["alert.firing", undefined],
    ],
  );
  await assert.rejects(alerts.observe({ ...cpu(true, 1), sampleReceivedAt: Number.NaN }), /sampleReceivedAt: expected a time in ms, got NaN/);
});

test("a malformed observation is refused with the field at fault", async (t) => {
  const { alerts } = await fixture(t);
  await assert.rejects(alerts.observe({ ...cpu(true, 1), labels: { severity: "critical" } }), /labels.alertname: required/);
  await assert.rejects(alerts.observe({ ...cpu(true, 1), forMs: -5 }), /forMs: expected a duration in ms >= 0, got -5/);
  await assert.rejects(alerts.observe({ ...cpu(true, 1), keepFiringMs: Number.NaN }), /keepFiringMs: expected a duration in ms >= 0, got NaN/);
  await assert.rejects(
    alerts.observe({ ...cpu(true, 1), labels: { alertname: "X", port: 80 as unknown as string } }),
    /labels.port: expected a string, got number/,
  );
  assert.deepEqual(alerts.active(), []);
});
