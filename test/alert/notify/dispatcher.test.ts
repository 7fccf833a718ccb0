import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NotificationDispatcher } from "../../../src/alert/notify/dispatcher.js";
import type { DeliveryContext, Notifier } from "../../../src/alert/notify/notifier.js";
import type { WebhookPayload } from "../../../src/alert/notify/webhook-payload.js";
import type { VigilConfig } from "../../../src/config/schema.js";
import { Journal } from "../../../src/storage/journal.js";
import { openSqliteStorage } from "../../../src/storage/sqlite/sqlite-storage.js";
import type { Storage } from "../../../src/storage/storage.js";
import { ManualClock } from "../../../src/util/clock.js";
import { silentLogger } from "../../../src/util/logger.js";
import { WebhookReceiver } from "../webhook-receiver.js";
import { sampleNotification } from "./sample-notification.js";

type Receivers = VigilConfig["notify"]["receivers"];

function receiversFor(url: string, maxAttempts = 10): Receivers {
  return { oncall: { webhook: { url, timeout: 5000, maxAttempts, headers: {} } } };
}

function payload(status: "firing" | "resolved", alertname = "HighCpu"): WebhookPayload {
  return sampleNotification(status, [{ alertname }]);
}

interface Setup {
  storage: Storage;
  clock: ManualClock;
  journal: Journal;
  dispatcher: NotificationDispatcher;
}

function setup(storage: Storage, clock: ManualClock, receivers: Receivers, notifiers?: Record<string, Notifier>, mayDeliver?: () => boolean): Setup {
  const journal = new Journal(storage, clock);
  const dispatcher = new NotificationDispatcher({
    storage,
    clock,
    receivers,
    journal,
    logger: silentLogger(),
    ...(notifiers !== undefined && { notifiers }),
    ...(mayDeliver !== undefined && { mayDeliver }),
  });
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
  const attempts = await storage.listEvents({ kinds: ["notify.attempt"] });
  assert.deepEqual(
    attempts.map((e) => e.data),
    [
      { receiver: "oncall", notificationId: queued.id, attempt: 1, ok: false, durationMs: 0, error: `HTTP 503 from ${receiver.url}` },
      { receiver: "oncall", notificationId: queued.id, attempt: 2, ok: false, durationMs: 0, error: `HTTP 503 from ${receiver.url}` },
      { receiver: "oncall", notificationId: queued.id, attempt: 3, ok: true, durationMs: 0 },
    ],
    "every attempt is journalled, timed on the dispatcher's clock",
  );
  assert.deepEqual(
    receiver.requests.map((r) => r.headers["idempotency-key"]),
    [`${queued.id}.${enqueuedAt}`, `${queued.id}.${enqueuedAt}`, `${queued.id}.${enqueuedAt}`],
    "every attempt carries the same delivery key",
  );
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
  const notifier: Notifier = {
    kind: "webhook",
    send: (() => {
      calls++;
      if (calls === 1) throw new Error("boom");
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise<void>((resolve) => setTimeout(resolve, 5)).then(() => {
        inFlight--;
      });
    }) as Notifier["send"],
  };
  const dispatcher = new NotificationDispatcher({
    storage,
    clock,
    journal,
    logger: silentLogger(),
    receivers: receiversFor("http://127.0.0.1:9/unused"),
    notifiers: { oncall: notifier },
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

test("a payload that is not a webhook v4 notification is refused at enqueue, naming the field", async (t) => {
  const { dispatcher, storage } = await started(t, (url) => receiversFor(url));
  const broken = { ...payload("firing"), alerts: [] } as WebhookPayload;
  await assert.rejects(dispatcher.enqueue("oncall", broken), /cannot notify receiver "oncall": not an Alertmanager webhook v4 payload: alerts: /);
  const noLabels = payload("firing");
  delete (noLabels.alerts[0] as Partial<WebhookPayload["alerts"][number]>).labels;
  await assert.rejects(dispatcher.enqueue("oncall", noLabels), /alerts\[0\]\.labels: /);
  assert.equal((await storage.listNotifications()).length, 0);
});

test("a receiver refusing the body itself (HTTP 400) fails that notification at once; the next one goes through", async (t) => {
  const { dispatcher, storage, receiver } = await started(t, (url) => receiversFor(url));
  receiver.script.push(400);
  receiver.errorBody = "invalid_payload";
  const first = await dispatcher.enqueue("oncall", payload("firing", "A"));
  await dispatcher.enqueue("oncall", payload("firing", "B"));
  await dispatcher.drain();
  assert.deepEqual(receiver.bodies().map((b) => b.alerts[0].labels.alertname), ["A", "B"]);
  const stored = await storage.listNotifications();
  assert.deepEqual(stored.map((n) => [n.id, n.state, n.attempts]), [[first.id + 1, "sent", 1], [first.id, "failed", 1]]);
  assert.equal(stored[1]!.lastError, `HTTP 400 from ${receiver.url}: invalid_payload`);
  assert.equal((await storage.listEvents({ kinds: ["notify.failed"] })).length, 1);
});

test("a stored body that is not a notification fails without being sent, with a clear error", async (t) => {
  const { dispatcher, storage, receiver, clock } = await started(t, (url) => receiversFor(url));
  // As another version (or a bug) might have left it in the queue.
  await storage.enqueueNotification({ receiver: "oncall", payload: '{"hello":1}', createdAt: clock.now(), nextAttemptAt: clock.now() });
  await dispatcher.enqueue("oncall", payload("firing"));
  await dispatcher.drain();
  assert.equal(receiver.requests.length, 1, "only the valid notification reached the receiver");
  const [, bad] = await storage.listNotifications();
  assert.equal(bad!.state, "failed");
  assert.match(bad!.lastError!, /^stored notification cannot be sent: not an Alertmanager webhook v4 payload: receiver: /);
});

test("a receiver whose notifier cannot be built fails its notifications with the reason; others are unaffected", async (t) => {
  const receiver = await WebhookReceiver.start();
  const storage = openSqliteStorage(":memory:");
  const receivers: Receivers = {
    broken: { slack: { url: "https://hooks.slack.com/services/T/B/x", timeout: 5000, maxAttempts: 10, title: "{{#if status}}unclosed" } },
    oncall: { webhook: { url: receiver.url, timeout: 5000, maxAttempts: 10, headers: {} } },
  };
  const { dispatcher } = setup(storage, new ManualClock(), receivers);
  dispatcher.start();
  t.after(async () => {
    await dispatcher.stop();
    await storage.close();
    await receiver.close();
  });
  await dispatcher.enqueue("broken", payload("firing"));
  await dispatcher.enqueue("oncall", payload("firing"));
  await dispatcher.drain();
  assert.equal(receiver.requests.length, 1);
  const failed = await storage.listEvents({ kinds: ["notify.failed"] });
  assert.equal(failed.length, 1);
  assert.equal(failed[0]!.data.receiver, "broken");
  assert.match(String(failed[0]!.data.error), /^notify\.receivers\.broken\.slack\.title: template does not compile: Parse error on line 1/);
});

/** A notifier whose attempts never finish: the server "dies" while the request is out. */
class HangingNotifier implements Notifier {
  readonly kind = "webhook";
  readonly calls: DeliveryContext[] = [];
  send(_n: WebhookPayload, delivery?: DeliveryContext): Promise<void> {
    this.calls.push(delivery!);
    return new Promise(() => {});
  }
}

test("an attempt cut off by a crash is journalled as interrupted and retried once with the same delivery key", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-dispatch-"));
  const receiver = await WebhookReceiver.start();
  const file = join(dir, "vigil.db");
  const clock = new ManualClock();
  const hanging = new HangingNotifier();
  const crashed = setup(openSqliteStorage(file), clock, receiversFor(receiver.url), { oncall: hanging });
  const second = setup(openSqliteStorage(file), clock, receiversFor(receiver.url));
  t.after(async () => {
    await second.dispatcher.stop();
    await second.storage.close();
    await crashed.storage.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  crashed.dispatcher.start();
  const queued = await crashed.dispatcher.enqueue("oncall", payload("firing"));
  for (let i = 0; i < 100 && hanging.calls.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(hanging.calls.length, 1, "the first attempt is out");
  let [stored] = await second.storage.listNotifications();
  assert.equal(stored!.state, "pending");
  assert.equal(stored!.attempts, 1, "the attempt is counted before it is made");
  assert.match(stored!.lastError!, /^in flight: attempt 1 started at /);
  // The crashed process never gets further; a new one opens the same file.

  clock.advance(1000);
  second.dispatcher.start();
  await second.dispatcher.drain();
  assert.equal(receiver.requests.length, 1, "the interrupted notification is sent again, once");
  assert.equal(receiver.requests[0]!.headers["idempotency-key"], hanging.calls[0]!.key, "with the key of the cut-off attempt");
  [stored] = await second.storage.listNotifications();
  assert.equal(stored!.id, queued.id);
  assert.equal(stored!.state, "sent");
  assert.equal(stored!.attempts, 2);
  const attempts = await second.storage.listEvents({ kinds: ["notify.attempt"] });
  assert.equal(attempts.length, 2);
  assert.deepEqual(
    { ...attempts[0]!.data, error: undefined },
    { receiver: "oncall", notificationId: queued.id, attempt: 1, ok: false, interrupted: true, error: undefined },
  );
  assert.match(String(attempts[0]!.data.error), /attempt 1 interrupted: .*may already have this notification/);
  assert.deepEqual(attempts[1]!.data, { receiver: "oncall", notificationId: queued.id, attempt: 2, ok: true, durationMs: 0 });
});

test("an interrupted last attempt leaves no attempts: the notification fails after the restart instead of looping", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-dispatch-"));
  const receiver = await WebhookReceiver.start();
  const file = join(dir, "vigil.db");
  const clock = new ManualClock();
  const hanging = new HangingNotifier();
  const crashed = setup(openSqliteStorage(file), clock, receiversFor(receiver.url, 1), { oncall: hanging });
  const second = setup(openSqliteStorage(file), clock, receiversFor(receiver.url, 1));
  t.after(async () => {
    await second.dispatcher.stop();
    await second.storage.close();
    await crashed.storage.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });
  crashed.dispatcher.start();
  await crashed.dispatcher.enqueue("oncall", payload("firing"));
  for (let i = 0; i < 100 && hanging.calls.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(hanging.calls.length, 1);

  second.dispatcher.start();
  await second.dispatcher.drain();
  assert.equal(receiver.requests.length, 0);
  const [stored] = await second.storage.listNotifications();
  assert.equal(stored!.state, "failed");
  assert.match(stored!.lastError!, /^attempt 1 interrupted/);
  assert.equal((await second.storage.listEvents({ kinds: ["notify.failed"] })).length, 1);
});

test("while mayDeliver says no (a replica that lost the leader lease), nothing is sent; the queue is delivered once it says yes", async (t) => {
  const receiver = await WebhookReceiver.start();
  const storage = openSqliteStorage(":memory:");
  let leader = false;
  const { dispatcher, clock } = setup(storage, new ManualClock(), receiversFor(receiver.url), undefined, () => leader);
  dispatcher.start();
  t.after(async () => {
    await dispatcher.stop();
    await storage.close();
    await receiver.close();
  });
  await dispatcher.enqueue("oncall", payload("firing"));
  await dispatcher.drain();
  clock.advance(5000);
  await dispatcher.drain();
  assert.equal(receiver.requests.length, 0, "held while not leader");
  const [held] = await storage.listNotifications();
  assert.equal(held!.state, "pending");
  assert.equal(held!.attempts, 0, "a held notification uses up no attempt");
  leader = true;
  clock.advance(1000);
  await dispatcher.drain();
  assert.equal(receiver.requests.length, 1);
  const [sent] = await storage.listNotifications();
  assert.equal(sent!.state, "sent");
});
