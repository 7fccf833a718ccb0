// End to end over real sockets and a real SQLite file, on a manual clock: a webhook receiver
// that is down for 10 s (first refusing connections, then answering 503), with a Vigil restart
// in the middle, gets every queued notification exactly once after it comes back, in order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NotificationDispatcher } from "../../../src/alert/notify/dispatcher.js";
import type { VigilConfig } from "../../../src/config/schema.js";
import { Journal } from "../../../src/storage/journal.js";
import { openSqliteStorage } from "../../../src/storage/sqlite/sqlite-storage.js";
import type { Storage } from "../../../src/storage/storage.js";
import { ManualClock } from "../../../src/util/clock.js";
import { silentLogger } from "../../../src/util/logger.js";
import { sampleNotification } from "./sample-notification.js";

/** A webhook receiver on a fixed port that can be stopped (connections refused), broken (503) or healthy. */
class FlakyReceiver {
  /** Notifications it answered 200 to, with the manual-clock time of arrival. */
  readonly accepted: { at: number; status: string; alertname: string; key: string }[] = [];
  refusedWith503 = 0;
  healthy = false;
  private server: Server | null = null;
  port = 0;

  constructor(private readonly clock: ManualClock) {}

  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        if (!this.healthy) {
          this.refusedWith503++;
          res.writeHead(503).end("maintenance");
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        this.accepted.push({
          at: this.clock.now(),
          status: body.status,
          alertname: body.alerts[0].labels.alertname,
          key: String(req.headers["idempotency-key"]),
        });
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }
}

test("a receiver down for 10 s gets every queued notification exactly once after it comes back, in order", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-outage-"));
  const file = join(dir, "vigil.db");
  const clock = new ManualClock();
  const receiver = new FlakyReceiver(clock);
  await receiver.listen(); // learn a free port, then take the receiver down
  await receiver.stop();

  const receivers: VigilConfig["notify"]["receivers"] = {
    oncall: { webhook: { url: receiver.url, timeout: 2000, maxAttempts: 20, headers: {} } },
  };
  let storage: Storage = openSqliteStorage(file);
  const open = (s: Storage) =>
    new NotificationDispatcher({ storage: s, clock, receivers, journal: new Journal(s, clock), logger: silentLogger() });
  let dispatcher = open(storage);
  t.after(async () => {
    await dispatcher.stop();
    await storage.close();
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  dispatcher.start();

  const start = clock.now();
  const comesBackAt = start + 10_000;
  const plan: { at: number; act: () => Promise<unknown> }[] = [
    { at: 0, act: () => dispatcher.enqueue("oncall", sampleNotification("firing", [{ alertname: "DiskFull" }])) },
    { at: 2000, act: () => dispatcher.enqueue("oncall", sampleNotification("firing", [{ alertname: "HighCpu" }])) },
    { at: 2000, act: () => dispatcher.enqueue("oncall", sampleNotification("resolved", [{ alertname: "DiskFull" }])) },
    // Still down, but now answering: 503 until it is healthy.
    { at: 5000, act: () => receiver.listen() },
    // Vigil restarts during the outage: the queue is on disk.
    {
      at: 6000,
      act: async () => {
        await dispatcher.stop();
        await storage.close();
        storage = openSqliteStorage(file);
        dispatcher = open(storage);
        dispatcher.start();
      },
    },
    { at: 7000, act: () => dispatcher.enqueue("oncall", sampleNotification("resolved", [{ alertname: "HighCpu" }])) },
    {
      at: 10_000,
      act: async () => {
        receiver.healthy = true;
      },
    },
  ];

  for (let elapsed = 0; elapsed <= 90_000; elapsed += 250) {
    clock.set(start + elapsed);
    for (const step of plan.filter((s) => s.at === elapsed)) await step.act();
    await dispatcher.drain();
  }

  assert.ok(receiver.refusedWith503 > 0, "the receiver was reached while it answered 503");
  assert.deepEqual(
    receiver.accepted.map((n) => `${n.alertname} ${n.status}`),
    ["DiskFull firing", "HighCpu firing", "DiskFull resolved", "HighCpu resolved"],
    "each notification exactly once, in the order they were queued",
  );
  assert.equal(new Set(receiver.accepted.map((n) => n.key)).size, 4);
  assert.ok(receiver.accepted.every((n) => n.at >= comesBackAt));
  // Backoff doubles from 1 s: the head's attempts at 0, 1, 3, 7 and 15 s; the first after the outage is at 15 s.
  assert.ok(receiver.accepted.every((n) => n.at <= comesBackAt + 8000), `all delivered within 8 s of recovery: ${receiver.accepted.map((n) => n.at - start)}`);

  const stored = await storage.listNotifications();
  assert.deepEqual(stored.map((n) => n.state), ["sent", "sent", "sent", "sent"]);
  const sent = await storage.listEvents({ kinds: ["notify.sent"] });
  assert.equal(sent.length, 4);
  const attempts = await storage.listEvents({ kinds: ["notify.attempt"] });
  assert.equal(attempts.filter((e) => e.data.ok === true).length, 4);
  assert.ok(attempts.filter((e) => e.data.ok === false).every((e) => e.ts < comesBackAt), "every failed attempt was during the outage");
  assert.ok(attempts.some((e) => /ECONNREFUSED/.test(String(e.data.error))), "refused connections were attempts too");
  assert.ok(attempts.some((e) => /^HTTP 503/.test(String(e.data.error))));
});
