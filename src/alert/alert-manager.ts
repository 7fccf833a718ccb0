// Turns level-triggered observations from every source (threshold rules, service health, node
// liveness, recovery escalations) into alerts: applies the lifecycle, persists each alert,
// journals firing/resolved, and queues a webhook notification to each routed receiver.
import type { VigilConfig } from "../config/schema.js";
import type { Journal } from "../storage/journal.js";
import type { AlertRecord, Storage } from "../storage/storage.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { nextAlertState, type AlertObservation } from "./alert-lifecycle.js";
import { alertFingerprint } from "./fingerprint.js";
import type { NotificationDispatcher } from "./notify/dispatcher.js";
import { webhookPayload } from "./notify/webhook-payload.js";
import { routeAlert } from "./routing.js";

export interface AlertManagerOptions {
  storage: Storage;
  journal: Journal;
  clock: Clock;
  notify: VigilConfig["notify"];
  dispatcher: NotificationDispatcher;
  /** Vigil's address for links in notifications; read when a notification is built, since the server knows its URL only once bound. */
  externalURL: () => string;
  logger: Logger;
}

export class AlertManager {
  private readonly storage: Storage;
  private readonly journal: Journal;
  private readonly clock: Clock;
  private readonly notify: VigilConfig["notify"];
  private readonly dispatcher: NotificationDispatcher;
  private readonly externalURL: () => string;
  private readonly logger: Logger;

  /** Pending and firing alerts by fingerprint; resolved ones live only in storage. */
  private readonly alerts = new Map<string, AlertRecord>();
  /** The tail of each fingerprint's chain of observations, so they apply in call order. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(options: AlertManagerOptions) {
    this.storage = options.storage;
    this.journal = options.journal;
    this.clock = options.clock;
    this.notify = options.notify;
    this.dispatcher = options.dispatcher;
    this.externalURL = options.externalURL;
    this.logger = options.logger.child({ component: "alert" });
  }

  /** Picks up the alerts that were pending or firing when the server last stopped. */
  async load(): Promise<void> {
    for (const alert of await this.storage.listAlerts()) {
      if (alert.state !== "resolved") this.alerts.set(alert.fingerprint, alert);
    }
  }

  /** Pending and firing alerts. */
  active(): AlertRecord[] {
    return [...this.alerts.values()];
  }

  /**
   * Applies one observation. Its time is taken now, at the call; observations of the same
   * alert apply in call order even when the caller does not await each one.
   */
  observe(observation: AlertObservation): Promise<void> {
    const problem = invalidObservation(observation);
    if (problem !== null) return Promise.reject(new Error(`alert observation: ${problem}`));
    const now = this.clock.now();
    const fingerprint = alertFingerprint(observation.labels);
    const previous = this.tails.get(fingerprint) ?? Promise.resolve();
    const result = previous.then(() => this.apply(fingerprint, observation, now));
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(fingerprint, tail);
    void tail.then(() => {
      if (this.tails.get(fingerprint) === tail) this.tails.delete(fingerprint);
    });
    return result;
  }

  private async apply(fingerprint: string, observation: AlertObservation, now: number): Promise<void> {
    const current = this.alerts.get(fingerprint);
    const { record, transition } = nextAlertState(current, observation, now);

    if (transition === "dropped" && current !== undefined) {
      // Storage keeps no deletes: a dropped alert is stored resolved with firedAt null, which
      // takes it out of the active set (and a restart) while saying it never fired.
      await this.storage.upsertAlert({ ...current, state: "resolved", resolvedAt: now, updatedAt: now });
      this.alerts.delete(fingerprint);
      return;
    }
    if (record === null || (record.state === "resolved" && transition === null)) return;
    if (transition === null && current !== undefined && sameContent(current, record)) return;

    await this.storage.upsertAlert(record);
    if (record.state === "resolved") this.alerts.delete(fingerprint);
    else this.alerts.set(fingerprint, record);

    if (transition === "firing" || transition === "resolved") {
      await this.journal.record(`alert.${transition}`, {
        node: record.labels.node,
        service: record.labels.service,
        data: { fingerprint, labels: record.labels, annotations: record.annotations, value: record.value },
      });
      await this.notifyReceivers(record, transition);
    }
  }

  private async notifyReceivers(alert: AlertRecord, status: "firing" | "resolved"): Promise<void> {
    for (const receiver of routeAlert(alert.labels, this.notify.routes)) {
      try {
        await this.dispatcher.enqueue(
          receiver,
          webhookPayload({ receiver, status, alerts: [alert], externalURL: this.externalURL() }),
        );
      } catch (err) {
        this.logger.error({ err, receiver, fingerprint: alert.fingerprint }, "queueing a notification failed");
      }
    }
  }
}

function sameContent(a: AlertRecord, b: AlertRecord): boolean {
  return a.state === b.state && Object.is(a.value, b.value) && sameStrings(a.annotations, b.annotations);
}

function sameStrings(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** Observations come from many sources; a malformed one is refused with the field at fault. */
function invalidObservation(o: AlertObservation): string | null {
  if (typeof o !== "object" || o === null) return "expected an object";
  for (const field of ["labels", "annotations"] as const) {
    const set: unknown = o[field];
    if (typeof set !== "object" || set === null || Array.isArray(set)) return `${field}: expected an object of strings`;
    for (const [name, value] of Object.entries(set)) {
      if (typeof value !== "string") return `${field}.${name}: expected a string, got ${typeof value}`;
    }
  }
  if (!o.labels.alertname) return "labels.alertname: required (it names the alert in notifications)";
  if (typeof o.active !== "boolean") return `active: expected a boolean, got ${typeof o.active}`;
  if (o.value !== null && typeof o.value !== "number") return `value: expected a number or null, got ${typeof o.value}`;
  if (typeof o.forMs !== "number" || !Number.isFinite(o.forMs) || o.forMs < 0) {
    return `forMs: expected a duration in ms >= 0, got ${String(o.forMs)}`;
  }
  return null;
}
