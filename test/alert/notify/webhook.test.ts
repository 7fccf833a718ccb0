import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { DeliveryError } from "../../../src/alert/notify/notifier.js";
import { sendWebhook, WebhookNotifier } from "../../../src/alert/notify/webhook.js";
import { WebhookReceiver } from "../webhook-receiver.js";
import { sampleNotification } from "./sample-notification.js";

const secret = "Bearer s3cr3t-token-value";

test("a 2xx answer delivers: JSON body and configured headers arrive", async (t) => {
  const receiver = await WebhookReceiver.start();
  t.after(() => receiver.close());
  await sendWebhook({ url: receiver.url, timeout: 5000, headers: { authorization: secret } }, '{"status":"firing"}');
  assert.equal(receiver.requests.length, 1);
  const [request] = receiver.requests;
  assert.equal(request!.method, "POST");
  assert.equal(request!.path, "/hook");
  assert.equal(request!.headers["content-type"], "application/json");
  assert.equal(request!.headers.authorization, secret);
  assert.equal(request!.body, '{"status":"firing"}');
});

test("a non-2xx answer rejects naming the status and URL, without the header secret", async (t) => {
  const receiver = await WebhookReceiver.start();
  t.after(() => receiver.close());
  receiver.script.push(503, 401);
  await assert.rejects(sendWebhook({ url: receiver.url, timeout: 5000, headers: {} }, "{}"), (err: Error) => {
    assert.equal(err.message, `HTTP 503 from ${receiver.url}`);
    return true;
  });
  // A receiver that echoes the credential back must not get it into our logs.
  receiver.errorBody = `bad credentials: ${secret}`;
  await assert.rejects(sendWebhook({ url: receiver.url, timeout: 5000, headers: { authorization: secret } }, "{}"), (err: Error) => {
    assert.match(err.message, new RegExp(`^HTTP 401 from ${receiver.url}: bad credentials`));
    assert.ok(!err.message.includes("s3cr3t-token-value"), err.message);
    return true;
  });
});

test("a refused connection rejects naming the URL and the network error", async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const url = `http://127.0.0.1:${port}/hook`;
  await assert.rejects(sendWebhook({ url, timeout: 5000, headers: { authorization: secret } }, "{}"), (err: Error) => {
    assert.match(err.message, new RegExp(`^POST ${url} failed: .*ECONNREFUSED`));
    assert.ok(!err.message.includes("s3cr3t"), err.message);
    return true;
  });
});

test("a receiver that never answers is abandoned after the timeout", async (t) => {
  const hanging = createServer(() => {
    /* never responds */
  });
  await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    hanging.closeAllConnections();
    return new Promise<void>((resolve) => hanging.close(() => resolve()));
  });
  const { port } = hanging.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/hook`;
  const started = performance.now();
  await assert.rejects(sendWebhook({ url, timeout: 200, headers: {} }, "{}"), /failed: timed out after 200ms/);
  assert.ok(performance.now() - started < 4000, "the timeout bounds the wait");
});

test("user:password in the URL becomes Basic auth and stays out of error messages", async (t) => {
  const receiver = await WebhookReceiver.start();
  t.after(() => receiver.close());
  const url = receiver.url.replace("http://", "http://user:pa55word@");
  await sendWebhook({ url, timeout: 5000, headers: {} }, "{}");
  assert.equal(receiver.requests[0]!.headers.authorization, `Basic ${Buffer.from("user:pa55word").toString("base64")}`);
  receiver.script.push(503);
  await assert.rejects(sendWebhook({ url, timeout: 5000, headers: {} }, "{}"), (err: Error) => {
    assert.equal(err.message, `HTTP 503 from ${receiver.url}`);
    return true;
  });
});

test("the webhook notifier posts the stored notification exactly, with the delivery key as Idempotency-Key", async (t) => {
  const receiver = await WebhookReceiver.start();
  t.after(() => receiver.close());
  const notifier = new WebhookNotifier({ url: receiver.url, timeout: 5000, maxAttempts: 3, headers: { "x-team": "ops" } });
  const notification = sampleNotification("firing", [{ node: "node-a" }, { node: "node-b" }]);
  await notifier.send(notification, { key: "12.1700000000000", attempt: 1 });
  assert.equal(receiver.requests[0]!.body, JSON.stringify(notification));
  assert.equal(receiver.requests[0]!.headers["idempotency-key"], "12.1700000000000");
  assert.equal(receiver.requests[0]!.headers["x-team"], "ops");
});

test("only a refusal of the body itself (400, 413, 414, 415, 422) is final; other statuses and network errors are retried", async (t) => {
  const receiver = await WebhookReceiver.start();
  t.after(() => receiver.close());
  const statuses = [400, 401, 404, 408, 413, 414, 415, 422, 429, 500, 503];
  receiver.script.push(...statuses);
  const retryable: Record<number, boolean> = {};
  for (const status of statuses) {
    await sendWebhook({ url: receiver.url, timeout: 5000, headers: {} }, "{}").then(
      () => assert.fail(`HTTP ${status} resolved`),
      (err: unknown) => {
        assert.ok(err instanceof DeliveryError);
        retryable[status] = err.retryable;
      },
    );
  }
  assert.deepEqual(retryable, {
    400: false, 401: true, 404: true, 408: true, 413: false, 414: false, 415: false, 422: false, 429: true, 500: true, 503: true,
  });
  await receiver.close();
  await assert.rejects(sendWebhook({ url: receiver.url, timeout: 5000, headers: {} }, "{}"), (err: unknown) => {
    assert.ok(err instanceof DeliveryError && err.retryable);
    return true;
  });
});
