// Notifications for the notify tests, built the way the pipeline builds them (webhookPayload
// over alert records), so every receiver test sees exactly what production sends.
import { webhookPayload, type WebhookPayload, type WebhookStatus } from "../../../src/alert/notify/webhook-payload.js";
import type { AlertRecord } from "../../../src/storage/storage.js";

export const FIRED_AT = Date.UTC(2024, 0, 2, 3, 4, 5);

export interface SampleAlert {
  alertname?: string;
  node?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function sampleAlertRecord(status: WebhookStatus, alert: SampleAlert = {}, index = 0): AlertRecord {
  const alertname = alert.alertname ?? "HighCpu";
  const node = alert.node ?? "node-a";
  return {
    fingerprint: `${index.toString(16).padStart(4, "0")}${alertname.length.toString(16).padStart(12, "0")}`,
    labels: { alertname, node, severity: "critical", ...alert.labels },
    annotations: alert.annotations ?? { summary: `CPU above 90% on ${node}`, description: "node_cpu_usage_ratio is 0.97" },
    state: status,
    activeAt: FIRED_AT - 30_000,
    firedAt: FIRED_AT,
    resolvedAt: status === "resolved" ? FIRED_AT + 600_000 : null,
    value: 0.97,
    updatedAt: FIRED_AT,
  };
}

/** A notification for `receiver` about `alerts` (default: one HighCpu alert on node-a). */
export function sampleNotification(
  status: WebhookStatus,
  alerts: SampleAlert[] = [{}],
  { receiver = "oncall", externalURL = "http://vigil.example:7070" }: { receiver?: string; externalURL?: string } = {},
): WebhookPayload {
  return webhookPayload({ receiver, status, alerts: alerts.map((a, i) => sampleAlertRecord(status, a, i)), externalURL });
}
