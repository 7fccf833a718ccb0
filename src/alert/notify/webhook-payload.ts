// The body of a webhook notification in Alertmanager's webhook format (version "4"), so any
// receiver written for Alertmanager (alert bridges, chat relays, paging tools) takes Vigil's.
import { z } from "zod";
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
  /** The labels the group was formed by (a route's groupBy); default: the common alertname. */
  groupLabels?: Record<string, string>;
  /** Identifies the group for receivers that deduplicate (Alertmanager: route path + group labels). */
  groupKey?: string;
}

export function webhookPayload({ receiver, status, alerts, externalURL, ...group }: WebhookPayloadInput): WebhookPayload {
  if (alerts.length === 0) throw new Error(`webhook payload for receiver "${receiver}": expected at least one alert`);
  const baseURL = externalURL.replace(/\/+$/, "");
  const commonLabels = commonPairs(alerts.map((a) => a.labels));
  // Alerts are grouped by alertname (Alertmanager's usual group_by); a batch mixing names has no group label.
  const groupLabels: Record<string, string> =
    group.groupLabels ?? (commonLabels.alertname !== undefined ? { alertname: commonLabels.alertname } : {});
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
    groupKey: group.groupKey ?? `{}:${labelSetString(groupLabels)}`,
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

const stringMap = z.record(z.string(), z.string());

/** What the dispatcher accepts and reads back from its queue; extra fields are kept, not stripped. */
const webhookPayloadSchema = z.looseObject({
  receiver: z.string(),
  status: z.enum(["firing", "resolved"]),
  alerts: z
    .array(
      z.looseObject({
        status: z.enum(["firing", "resolved"]),
        labels: stringMap,
        annotations: stringMap,
        startsAt: z.string(),
        endsAt: z.string(),
        generatorURL: z.string(),
        fingerprint: z.string(),
      }),
    )
    .min(1),
  groupLabels: stringMap,
  commonLabels: stringMap,
  commonAnnotations: stringMap,
  externalURL: z.string(),
  version: z.literal("4"),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0),
});

/**
 * Checks that `value` is a webhook v4 payload (as webhookPayload builds it) and returns it
 * unchanged, so a webhook receiver gets exactly what was stored; throws naming the first
 * wrong field otherwise.
 */
export function checkWebhookPayload(value: unknown): WebhookPayload {
  const result = webhookPayloadSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("");
    throw new Error(`not an Alertmanager webhook v4 payload: ${path ? `${path.slice(path.startsWith(".") ? 1 : 0)}: ` : ""}${issue.message}`);
  }
  return value as WebhookPayload;
}
