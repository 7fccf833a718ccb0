import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { NotificationDispatcher } from "../../../src/alert/notify/dispatcher.js";
import { EmailNotifier, type EmailConfig } from "../../../src/alert/notify/email.js";
import { DeliveryError } from "../../../src/alert/notify/notifier.js";
import { Journal } from "../../../src/storage/journal.js";
import { openSqliteStorage } from "../../../src/storage/sqlite/sqlite-storage.js";
import { ManualClock } from "../../../src/util/clock.js";
import { silentLogger } from "../../../src/util/logger.js";
import { sampleNotification } from "./sample-notification.js";
import { SmtpTestServer, testCertificate } from "./smtp-test-server.js";

type After = { after(fn: () => Promise<void> | void): void };

function emailConfig(port: number, fields: Partial<EmailConfig> = {}): EmailConfig {
  return {
    to: ["ops@example.com", "lead@example.com"],
    from: "Vigil <vigil@example.com>",
    smtp: { host: "127.0.0.1", port, secure: false },
    timeout: 5000,
    maxAttempts: 3,
    ...fields,
  };
}

/** Trusts the test certificate the way an operator would trust a private CA. */
const tls = () => ({ ca: testCertificate().cert });

async function smtp(t: After, options: Parameters<typeof SmtpTestServer.start>[0] = {}): Promise<SmtpTestServer> {
  const server = await SmtpTestServer.start(options);
  t.after(() => server.close());
  return server;
}

test("a notification arrives as one mail over STARTTLS: subject from the title, text and escaped HTML bodies", async (t) => {
  const server = await smtp(t);
  const notifier = new EmailNotifier("ops-mail", emailConfig(server.port), { logger: silentLogger(), tls: tls() });
  const notification = sampleNotification("firing", [{ node: "node-a", annotations: { summary: "CPU <90%> & rising on node-a" } }]);
  await notifier.send(notification, { key: "7.1700000000000", attempt: 1 });

  assert.equal(server.mails.length, 1);
  const [mail] = server.mails;
  assert.equal(mail!.secure, true, "upgraded with STARTTLS, which the server offered");
  assert.equal(mail!.from, "vigil@example.com");
  assert.deepEqual(mail!.to, ["ops@example.com", "lead@example.com"]);
  assert.equal(mail!.headers.get("subject"), "[FIRING:1] HighCpu (node-a critical)");
  assert.equal(mail!.headers.get("message-id"), "<vigil.7.1700000000000@example.com>", "stable across attempts");
  assert.match(mail!.text, /^\[FIRING\] CPU <90%> & rising on node-a\nLabels: alertname=HighCpu, node=node-a, severity=critical\nStarted: 2024-01-02T03:04:05\.000Z\n/);
  assert.match(mail!.html, /<h2>\[FIRING:1\] HighCpu \(node-a critical\)<\/h2>/);
  assert.match(mail!.html, /\[FIRING\] CPU &lt;90%&gt; &amp; rising on node-a/, "alert text is escaped in HTML");
  assert.ok(!mail!.html.includes("<90%>"));
  assert.match(mail!.html, /<a href="http:\/\/vigil\.example:7070">Open Vigil<\/a>/);
});

test("custom title and text templates are used; a server without STARTTLS gets the mail in the clear", async (t) => {
  const server = await smtp(t, { starttls: false });
  const config = emailConfig(server.port, {
    title: "{{toUpper status}}: {{join (values commonLabels) ' / '}}",
    text: "{{#each alerts}}* {{annotations.summary}} ({{labels.node}})\n{{/each}}",
  });
  await new EmailNotifier("ops-mail", config, { logger: silentLogger() }).send(
    sampleNotification("resolved", [{ node: "node-a" }, { node: "node-b" }]),
  );
  const [mail] = server.mails;
  assert.equal(mail!.secure, false);
  assert.equal(mail!.headers.get("subject"), "RESOLVED: HighCpu / critical");
  assert.equal(mail!.text.trim(), "* CPU above 90% on node-a (node-a)\n* CPU above 90% on node-b (node-b)");
});

test("with a login configured the notifier authenticates; a wrong password is a clear error without the password", async (t) => {
  const server = await smtp(t, { login: { user: "vigil", password: "corr3ct-horse" } });
  const good = emailConfig(server.port, { smtp: { host: "127.0.0.1", port: server.port, secure: false, user: "vigil", password: "corr3ct-horse" } });
  await new EmailNotifier("ops-mail", good, { logger: silentLogger(), tls: tls() }).send(sampleNotification("firing"));
  assert.equal(server.mails.length, 1);
  assert.equal(server.mails[0]!.user, "vigil");

  const bad = emailConfig(server.port, { smtp: { host: "127.0.0.1", port: server.port, secure: false, user: "vigil", password: "wr0ng-horse" } });
  await assert.rejects(new EmailNotifier("ops-mail", bad, { logger: silentLogger(), tls: tls() }).send(sampleNotification("firing")), (err: unknown) => {
    assert.ok(err instanceof DeliveryError);
    assert.match(err.message, new RegExp(`^SMTP 127\\.0\\.0\\.1:${server.port}: login refused: 535 .*Invalid username or password`));
    assert.ok(!err.message.includes("wr0ng-horse"));
    return true;
  });
  assert.equal(server.mails.length, 1);
});

test("an untrusted certificate fails the STARTTLS upgrade instead of sending in the clear", async (t) => {
  const server = await smtp(t);
  const notifier = new EmailNotifier("ops-mail", emailConfig(server.port), { logger: silentLogger() });
  await assert.rejects(notifier.send(sampleNotification("firing")), (err: Error) => {
    assert.match(err.message, new RegExp(`^SMTP 127\\.0\\.0\\.1:${server.port}: .*certificate`, "i"));
    return true;
  });
  assert.equal(server.mails.length, 0);
});

test("a refused recipient fails the delivery with the address and reply; the dispatcher retries and delivers", async (t) => {
  const server = await smtp(t);
  const storage = openSqliteStorage(":memory:");
  const clock = new ManualClock();
  const dispatcher = new NotificationDispatcher({
    storage,
    clock,
    journal: new Journal(storage, clock),
    logger: silentLogger(),
    receivers: { "ops-mail": { email: emailConfig(server.port, { to: ["ops@example.com"] }) } },
    notifierOptions: { emailTls: tls() },
  });
  dispatcher.start();
  t.after(async () => {
    await dispatcher.stop();
    await storage.close();
  });
  server.refuseOnce.add("ops@example.com");
  const queued = await dispatcher.enqueue("ops-mail", sampleNotification("firing"));
  await dispatcher.drain();
  assert.equal(server.mails.length, 0);
  let [stored] = await storage.listNotifications();
  assert.equal(stored!.state, "pending");
  assert.match(stored!.lastError!, new RegExp(`^SMTP 127\\.0\\.0\\.1:${server.port}: recipient refused: ops@example\\.com \\(550 5\\.1\\.1 <ops@example\\.com>: Recipient address rejected: User unknown\\)$`));

  clock.advance(1000);
  await dispatcher.drain();
  assert.equal(server.mails.length, 1);
  assert.equal(server.mails[0]!.headers.get("message-id"), `<vigil.${queued.id}.${queued.createdAt}@example.com>`);
  [stored] = await storage.listNotifications();
  assert.equal(stored!.state, "sent");
  const attempts = await storage.listEvents({ kinds: ["notify.attempt"] });
  assert.deepEqual(attempts.map((e) => e.data.ok), [false, true]);
});

test("a server that never greets is given up after the timeout", async (t) => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => silent.close(() => resolve()));
  });
  const { port } = silent.address() as AddressInfo;
  const notifier = new EmailNotifier("ops-mail", emailConfig(port, { timeout: 300 }), { logger: silentLogger() });
  const started = performance.now();
  await assert.rejects(notifier.send(sampleNotification("firing")), (err: Error) => {
    assert.match(err.message, new RegExp(`^SMTP 127\\.0\\.0\\.1:${port}: (timed out after 300ms|.*[Gg]reeting)`));
    return true;
  });
  assert.ok(performance.now() - started < 4000);
});

test("a user without a password is refused when the notifier is built, naming the config path", () => {
  assert.throws(
    () => new EmailNotifier("ops-mail", emailConfig(25, { smtp: { host: "h", port: 25, secure: false, user: "vigil" } }), { logger: silentLogger() }),
    /^Error: notify\.receivers\.ops-mail\.email\.smtp: expected both user and password, or neither$/,
  );
});
