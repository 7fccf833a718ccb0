// The body of a webhook notification in Alertmanager's webhook format (version "4"), so any
// receiver written for Alertmanager (alert bridges, chat relays, paging tools) takes Vigil's.
import type { AlertRecord } from "../../storage/storage.js";

/** Alertmanager's (Go) zero time: the endsAt of an alert that is still firing. */
export const ZERO_TIME = "0001-01-01T00:00:00Z";

export type WebhookStatus = "firing" | "resolved";

export interface WebhookAlert {
  status: WebhookStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** Field names and order as Alertmanager's notify/webhook Message (template.Data + version, groupKey, truncatedAlerts). */
export interface WebhookPayload {
  receiver: string;
  status: WebhookStatus;
  alerts: WebhookAlert[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  version: "4";
  groupKey: string;
  truncatedAlerts: number;
}

export interface WebhookPayloadInput {
  receiver: string;
  status: WebhookStatus;
  alerts: readonly AlertRecord[];
  /** Vigil's own address, for the links back (generatorURL). */
  externalURL: string;
}

export function webhookPayload({ receiver, status, alerts, externalURL }: WebhookPayloadInput): WebhookPayload {
  if (alerts.length === 0) throw new Error(`webhook payload for receiver "${receiver}": expected at least one alert`);
  const baseURL = externalURL.replace(/\/+$/, "");
  const commonLabels = commonPairs(alerts.map((a) => a.labels));
  // Alerts are grouped by alertname (Alertmanager's usual group_by); a batch mixing names has no group label.
  const groupLabels: Record<string, string> =
    commonLabels.alertname !== undefined ? { alertname: commonLabels.alertname } : {};
  return {
    receiver,
    status,
    alerts: alerts.map((alert) => ({
      status: alert.state === "resolved" ? "resolved" : "firing",
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: new Date(alert.firedAt ?? alert.activeAt).toISOString(),
      endsAt: alert.resolvedAt !== null ? new Date(alert.resolvedAt).toISOString() : ZERO_TIME,
      generatorURL: `${baseURL}/api/v1/alerts?fingerprint=${alert.fingerprint}`,
      fingerprint: alert.fingerprint,
    })),
    groupLabels,
    commonLabels,
    commonAnnotations: commonPairs(alerts.map((a) => a.annotations)),
    externalURL: baseURL,
    version: "4",
    groupKey: `{}:${labelSetString(groupLabels)}`,
    truncatedAlerts: 0,
  };
}

/** The name=value pairs present, with the same value, in every set. */
function commonPairs(sets: readonly Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = sets;
  const common: Record<string, string> = {};
  for (const [name, value] of Object.entries(first ?? {})) {
    if (rest.every((set) => set[name] === value)) common[name] = value;
  }
  return common;
}

/** A label set the way Alertmanager prints it in group keys: {a="1", b="2"}, sorted by name. */
function labelSetString(labels: Record<string, string>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`);
  return `{${pairs.join(", ")}}`;
}
