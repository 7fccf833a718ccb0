import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NotificationDispatcher } from "../../../src/alert/notify/dispatcher.js";
import type { VigilConfig } from "../../../src/config/schema.js";
import { Journal } from "../../../src/storage/journal.js";
import { openSqliteStorage } from "../../../src/storage/sqlite/sqlite-storage.js";
import type { Storage } from "../../../src/storage/storage.js";
import { ManualClock } from "../../../src/util/clock.js";
import { silentLogger } from "../../../src/util/logger.js";
import { WebhookReceiver } from "../webhook-receiver.js";

type Receivers = VigilConfig["notify"]["receivers"];

function receiversFor(url: string, maxAttempts = 10): Receivers {
  return { oncall: { webhook: { url, timeout: 5000, maxAttempts, headers: {} } } };
}

function payload(status: "firing" | "resolved", alertname = "HighCpu") {
  return { receiver: "oncall", status, alerts: [{ status, labels: { alertname } }], version: "4" };
}

interface Setup {
  storage: Storage;
  clock: ManualClock;
  journal: Journal;
  dispatcher: NotificationDispatcher;
}

function setup(storage: Storage, clock: ManualClock, receivers: Receivers): Setup {
  const journal = new Journal(storage, clock);
  const dispatcher = new NotificationDispatcher({ storage, clock, receivers, journal, logger: silentLogger() });
  return { storage, clock, journal, dispatcher };
}

async function started(t: { after(fn: () => Promise<void>): void }, receivers: (url: string) => Receivers) {
  const receiver = await WebhookReceiver.start();
  const storage = openSqliteStorage(":memory:");
  const s = setup(storage, new ManualClock(), receivers(receiver.url));
  s.dispatcher.start();
  t.after(async () => {
    await s.dispatcher.stop();
    await storage.close();
    await receiver.close();
  });
  return { ...s, receiver };
}

test("a receiver that answers 503 twice gets the notification retried with backoff and delivered once", async (t) => {
  const { dispatcher, clock, storage, receiver } = await started(t, (url) => receiversFor(url));
  receiver.script.push(503, 503);
  const enqueuedAt = clock.now();
  const queued = await dispatcher.enqueue("oncall", payload("firing"));
  await dispatcher.drain();
  assert.equal(receiver.requests.length, 1);
  let [stored] = await storage.listNotifications();
  assert.equal(stored!.state, "pending");
  assert.equal(stored!.attempts, 1);
  assert.equal(stored!.lastError, `HTTP 503 from ${receiver.url}`);
  assert.equal(stored!.nextAttemptAt, enqueuedAt + 1000);

  clock.advance(999);
  await dispatcher.drain();
  assert.equal(receiver.requests.length, 1, "no retry before the first backoff (1s) is over");
  clock.advance(1);
  await dispatcher.drain();
  assert.equal(receiver.requests.length, 2);
  [stored] = await storage.listNotifications();
  assert.equal(stored!.nextAttemptAt, enqueuedAt + 1000 + 2000, "the second backoff doubles to 2s");

  clock.advance(1999);
  await dispatcher.drain();
  assert.equal(receiver.requests.length, 2);
  clock.advance(1);
  await dispatcher.drain();
  assert.equal(receiver.requests.length, 3);
  clock.advance(120_000);
  await dispatcher.drain();
  assert.equal(receiver.requests.length, 3, "a delivered notification is not sent again");

  [stored] = await storage.listNotifications();
  assert.equal(stored!.id, queued.id);
  assert.equal(stored!.state, "sent");
  assert.equal(stored!.attempts, 3);
  assert.equal(stored!.sentAt, enqueuedAt + 3000);
  assert.deepEqual(receiver.bodies()[2], payload("firing"));
  const sent = await storage.listEvents({ kinds: ["notify.sent"] });
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0]!.data, {
    receiver: "oncall",
    notificationId: queued.id,
    status: "firing",
    alertnames: ["HighCpu"],
    attempts: 3,
  });
});

test("a resolved notification never overtakes its firing one, even while the firing one is in backoff", async (t) => {
  const { dispatcher, clock, receiver } = await started(t, (url) => receiversFor(url));
  receiver.script.push(503);
  await dispatcher.enqueue("oncall", payload("firing"));
  await dispatcher.enqueue("oncall", payload("resolved"));
  await dispatcher.drain();
  assert.deepEqual(receiver.bodies().map((b) => b.status), ["firing"], "the resolved one waits behind the failed firing one");
  clock.advance(1000);
  await dispatcher.drain();
  assert.deepEqual(receiver.bodies().map((b) => b.status), ["firing", "firing", "resolved"]);
});

test("receivers are independent: one in backoff does not hold up another", async (t) => {
  const down = await WebhookReceiver.start();
  const up = await WebhookReceiver.start();
  const storage = openSqliteStorage(":memory:");
  const clock = new ManualClock();
  const receivers: Receivers = {
    down: { webhook: { url: down.url, timeout: 5000, maxAttempts: 10, headers: {} } },
    up: { webhook: { url: up.url, timeout: 5000, maxAttempts: 10, headers: {} } },
  };
  const { dispatcher } = setup(storage, clock, receivers);
  dispatcher.start();
  t.after(async () => {
    await dispatcher.stop();
    await storage.close();
    await down.close();
    await up.close();
  });
  down.script.push(503);
  await dispatcher.enqueue("down", payload("firing", "A"));
  await dispatcher.enqueue("up", payload("firing", "B"));
  await dispatcher.drain();
  assert.equal(down.requests.length, 1);
  assert.equal(up.requests.length, 1);
  assert.equal(up.bodies()[0].alerts[0].labels.alertname, "B");
});

test("a dispatcher restarted on the same SQLite file resumes the notification left pending", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-dispatch-"));
  const receiver = await WebhookReceiver.start();
  t.after(async () => {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, "vigil.db");
  const clock = new ManualClock();

  const first = setup(openSqliteStorage(file), clock, receiversFor(receiver.url));
  first.dispatcher.start();
  receiver.script.push(503);
  const queued = await first.dispatcher.enqueue("oncall", payload("firing"));
  await first.dispatcher.drain();
  assert.equal(receiver.requests.length, 1);
  await first.dispatcher.stop();
  await first.storage.close();

  clock.advance(5000);
  const second = setup(openSqliteStorage(file), clock, receiversFor(receiver.url));
  t.after(async () => {
    await second.dispatcher.stop();
    await second.storage.close();
  });
  second.dispatcher.start();
  await second.dispatcher.drain();
  assert.equal(receiver.requests.length, 2);
  assert.deepEqual(receiver.bodies()[1], payload("firing"));
  const [stored] = await second.storage.listNotifications();
  assert.equal(stored!.id, queued.id);
  assert.equal(stored!.state, "sent");
  assert.equal(stored!.attempts, 2);
});

test("after maxAttempts the notification is failed and notify.failed is journalled", async (t) => {
  const { dispatcher, clock, storage, receiver } = await started(t, (url) => receiversFor(url, 3));
  receiver.script.push(500, 500, 500, 500, 500);
  const queued = await dispatcher.enqueue("oncall", payload("firing"));
  await dispatcher.drain();
  clock.advance(1000);
  await dispatcher.drain();
  clock.advance(2000);
  await dispatcher.drain();
  assert.equal(receiver.requests.length, 3);
  clock.advance(600_000);
  await dispatcher.drain();
  assert.equal(receiver.requests.length, 3, "a failed notification is not tried again");

  const [stored] = await storage.listNotifications();
  assert.equal(stored!.state, "failed");
  assert.equal(stored!.attempts, 3);
  assert.equal(stored!.lastError, `HTTP 500 from ${receiver.url}`);
  const failed = await storage.listEvents({ kinds: ["notify.failed"] });
  assert.equal(failed.length, 1);
  assert.deepEqual(failed[0]!.data, {
    receiver: "oncall",
    notificationId: queued.id,
    status: "firing",
    alertnames: ["HighCpu"],
    attempts: 3,
    error: `HTTP 500 from ${receiver.url}`,
  });
  assert.equal((await storage.listEvents({ kinds: ["notify.sent"] })).length, 0);
});

test("a send that throws synchronously is a failed attempt, not a crash; one request in flight per receiver", async (t) => {
  const storage = openSqliteStorage(":memory:");
  const clock = new ManualClock();
  const journal = new Journal(storage, clock);
  let inFlight = 0;
  let maxInFlight = 0;
  let calls = 0;
  const dispatcher = new NotificationDispatcher({
    storage,
    clock,
    journal,
    logger: silentLogger(),
    receivers: receiversFor("http://127.0.0.1:9/unused"),
    send: async () => {
      calls++;
      if (calls === 1) throw new Error("boom");
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
    },
  });
  dispatcher.start();
  t.after(async () => {
    await dispatcher.stop();
    await storage.close();
  });
  for (let i = 0; i < 5; i++) await dispatcher.enqueue("oncall", payload("firing", `A${i}`));
  await dispatcher.drain();
  clock.advance(1000);
  await dispatcher.drain();
  assert.equal(calls, 6);
  assert.equal(maxInFlight, 1);
  const sent = await storage.listEvents({ kinds: ["notify.sent"] });
  assert.deepEqual(sent.map((e) => (e.data.alertnames as string[])[0]), ["A0", "A1", "A2", "A3", "A4"]);
});

test("enqueueing for a receiver that is not configured is refused with the known ones listed", async (t) => {
  const { dispatcher } = await started(t, (url) => receiversFor(url));
  await assert.rejects(dispatcher.enqueue("pager", payload("firing")), /receiver "pager": it is not configured \(notify.receivers has oncall\)/);
});
