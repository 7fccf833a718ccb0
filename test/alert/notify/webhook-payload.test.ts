import { test } from "node:test";
import assert from "node:assert/strict";
import { checkWebhookPayload, webhookPayload } from "../../../src/alert/notify/webhook-payload.js";
import type { AlertRecord } from "../../../src/storage/storage.js";

const activeAt = Date.UTC(2024, 0, 2, 3, 4, 5);
const firedAt = activeAt + 30_000;

function alert(fields: Partial<AlertRecord>): AlertRecord {
  return {
    fingerprint: "0123456789abcdef",
    labels: { alertname: "HighCpu", node: "node-a", severity: "critical" },
    annotations: { summary: "CPU above 90% on node-a" },
    state: "firing",
    activeAt,
    firedAt,
    resolvedAt: null,
    value: 0.97,
    updatedAt: firedAt,
    ...fields,
  };
}

test("a firing payload has exactly Alertmanager's webhook v4 fields, endsAt at Go's zero time", () => {
  const payload = webhookPayload({ receiver: "oncall", status: "firing", alerts: [alert({})], externalURL: "http://vigil:7070/" });
  // Round-trip through JSON: what the receiver sees.
  const body = JSON.parse(JSON.stringify(payload));
  assert.deepEqual(body, {
    receiver: "oncall",
    status: "firing",
    alerts: [
      {
        status: "firing",
        labels: { alertname: "HighCpu", node: "node-a", severity: "critical" },
        annotations: { summary: "CPU above 90% on node-a" },
        startsAt: "2024-01-02T03:04:35.000Z",
        endsAt: "0001-01-01T00:00:00Z",
        generatorURL: "http://vigil:7070/api/v1/alerts?fingerprint=0123456789abcdef",
        fingerprint: "0123456789abcdef",
      },
    ],
    groupLabels: { alertname: "HighCpu" },
    commonLabels: { alertname: "HighCpu", node: "node-a", severity: "critical" },
    commonAnnotations: { summary: "CPU above 90% on node-a" },
    externalURL: "http://vigil:7070",
    version: "4",
    groupKey: '{}:{alertname="HighCpu"}',
    truncatedAlerts: 0,
  });
});

test("a resolved alert carries its resolution time as endsAt", () => {
  const resolvedAt = firedAt + 60_000;
  const payload = webhookPayload({
    receiver: "oncall",
    status: "resolved",
    alerts: [alert({ state: "resolved", resolvedAt })],
    externalURL: "http://vigil:7070",
  });
  assert.equal(payload.status, "resolved");
  assert.equal(payload.alerts[0]!.status, "resolved");
  assert.equal(payload.alerts[0]!.startsAt, new Date(firedAt).toISOString());
  assert.equal(payload.alerts[0]!.endsAt, "2024-01-02T03:05:35.000Z");
});

test("startsAt falls back to activeAt for an alert that has no firedAt", () => {
  const payload = webhookPayload({ receiver: "r", status: "firing", alerts: [alert({ firedAt: null })], externalURL: "http://v" });
  assert.equal(payload.alerts[0]!.startsAt, "2024-01-02T03:04:05.000Z");
});

test("common labels and annotations are only the pairs every alert shares", () => {
  const payload = webhookPayload({
    receiver: "oncall",
    status: "firing",
    alerts: [
      alert({ fingerprint: "a".repeat(16) }),
      alert({
        fingerprint: "b".repeat(16),
        labels: { alertname: "HighCpu", node: "node-b", severity: "critical" },
        annotations: { summary: "CPU above 90% on node-b" },
      }),
    ],
    externalURL: "http://vigil:7070",
  });
  assert.deepEqual(payload.commonLabels, { alertname: "HighCpu", severity: "critical" });
  assert.deepEqual(payload.commonAnnotations, {});
  assert.deepEqual(payload.groupLabels, { alertname: "HighCpu" });
  assert.equal(payload.alerts.length, 2);
});

test("a payload without alerts is refused with the receiver named", () => {
  assert.throws(
    () => webhookPayload({ receiver: "oncall", status: "firing", alerts: [], externalURL: "http://v" }),
    /receiver "oncall": expected at least one alert/,
  );
});

test("a route's group labels and group key, when given, replace the alertname default", () => {
  const payload = webhookPayload({
    receiver: "oncall",
    status: "firing",
    alerts: [alert({})],
    externalURL: "http://v",
    groupLabels: { alertname: "HighCpu", node: "node-a" },
    groupKey: '{}/{severity="critical"}:{alertname="HighCpu", node="node-a"}',
  });
  assert.deepEqual(payload.groupLabels, { alertname: "HighCpu", node: "node-a" });
  assert.equal(payload.groupKey, '{}/{severity="critical"}:{alertname="HighCpu", node="node-a"}');
});

test("checkWebhookPayload returns the very object (extra fields kept) or names the first wrong field", () => {
  const payload = { ...webhookPayload({ receiver: "r", status: "firing", alerts: [alert({})], externalURL: "http://v" }), extra: 1 };
  assert.equal(checkWebhookPayload(payload), payload);
  assert.throws(() => checkWebhookPayload({ ...payload, version: "3" }), /^Error: not an Alertmanager webhook v4 payload: version: /);
  assert.throws(
    () => checkWebhookPayload({ ...payload, alerts: [{ ...payload.alerts[0], status: "pending" }] }),
    /not an Alertmanager webhook v4 payload: alerts\[0\]\.status: /,
  );
  assert.throws(() => checkWebhookPayload("text"), /^Error: not an Alertmanager webhook v4 payload: Invalid input: expected object, received string$/);
});
