// The alert pipeline, composed in one place as Alertmanager's notify.go composes its stages:
// observe → lifecycle (for, keepFiringFor) → flap detector → persist + journal → routes →
// aggregation groups; at each group's flush: mute stages → dedup against the notification
// log → dispatcher.enqueue(receiver, webhook v4 payload).
import type { NotifyConfig } from "../config/schema.js";
import type { Journal } from "../storage/journal.js";
import type { AlertRecord, Storage } from "../storage/storage.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { labelSetString, type AggregationGroup } from "./aggregation-group.js";
import { AggregationGroups } from "./aggregation-groups.js";
import { nextAlertState, type AlertObservation } from "./alert-lifecycle.js";
import { alertFingerprint } from "./fingerprint.js";
import { FlapDetector, flappingView } from "./flap-detector.js";
import { muteStatus, type MuteStage, type MuteStatus } from "./mute.js";
import { planDedup } from "./notification-dedup.js";
import type { NotificationDispatcher } from "./notify/dispatcher.js";
import { webhookPayload } from "./notify/webhook-payload.js";
import { compileRouteTree, routeAlert, type CompiledRoute } from "./routing.js";

export interface AlertManagerOptions {
  storage: Storage;
  journal: Journal;
  clock: Clock;
  notify: NotifyConfig;
  /** Where notifications go once decided: stored, then delivered with retries. */
  dispatcher: Pick<NotificationDispatcher, "enqueue">;
  /** Silences, maintenance windows, inhibition: asked at flush time, in order (may be empty). */
  muteStages: readonly MuteStage[];
  /** Vigil's address for links in notifications; read when a notification is built, since the server knows its URL only once bound. */
  externalURL: () => string;
  logger: Logger;
}

/**
 * How far back resolved alerts are put back into their groups on load: a resolved that a
 * receiver was owed when the server stopped is still sent if the server was down less long.
 */
const REBUILD_RESOLVED_WITHIN_MS = 7 * 24 * 3_600_000;

export class AlertManager {
  private readonly storage: Storage;
  private readonly journal: Journal;
  private readonly clock: Clock;
  private readonly dispatcher: Pick<NotificationDispatcher, "enqueue">;
  private readonly muteStages: readonly MuteStage[];
  private readonly externalURL: () => string;
  private readonly logger: Logger;
  private readonly routes: CompiledRoute;
  private readonly flaps: FlapDetector;
  private readonly flapSettings: { withinMs: number; settleMs: number };
  private readonly groups: AggregationGroups;

  /** Pending and firing alerts by fingerprint; resolved ones live only in storage (and their groups). */
  private readonly alerts = new Map<string, AlertRecord>();
  /** The latest record of each flapping alert, whatever its state: what is notified when it settles. */
  private readonly flapping = new Map<string, AlertRecord>();
  /** The tail of each fingerprint's chain of work, so observations (and timer work) apply in order. */
  private readonly tails = new Map<string, Promise<void>>();
  private readonly keepFiringTimers = new Map<string, TimerHandle>();
  private settleTimer: TimerHandle | null = null;
  private stopped = false;

  constructor(options: AlertManagerOptions) {
    this.storage = options.storage;
    this.journal = options.journal;
    this.clock = options.clock;
    this.dispatcher = options.dispatcher;
    this.muteStages = options.muteStages;
    this.externalURL = options.externalURL;
    this.logger = options.logger.child({ component: "alert" });
    this.routes = compileRouteTree(options.notify);
    const { changes, within, settle } = options.notify.flapping;
    this.flapSettings = { withinMs: within, settleMs: settle };
    this.flaps = new FlapDetector({ changes, withinMs: within, settleMs: settle });
    this.groups = new AggregationGroups(this.clock, (group) => this.flush(group));
  }

  /**
   * Picks up what the server knew when it last stopped: pending and firing alerts, flapping
   * state (from the journal), keepFiringFor deadlines, and the aggregation groups of firing
   * and recently resolved alerts, which flush at once and send only what the notification
   * log says a receiver has not been told (a resolved, typically).
   */
  async load(): Promise<void> {
    const now = this.clock.now();
    const records = await this.storage.listAlerts({ resolvedSince: now - REBUILD_RESOLVED_WITHIN_MS });
    for (const alert of records) if (alert.state !== "resolved") this.alerts.set(alert.fingerprint, alert);
    await this.restoreFlapping(now);
    for (const alert of records) {
      if (alert.firedAt === null) continue; // pending, or dropped before it fired: nobody was told
      if (this.flaps.isFlapping(alert.fingerprint)) this.flapping.set(alert.fingerprint, alert);
      this.route(alert);
      this.scheduleKeepFiring(alert);
    }
    this.scheduleSettle();
  }

  /** Pending and firing alerts. */
  active(): AlertRecord[] {
    return [...this.alerts.values()];
  }

  /**
   * What the mute stages say about the alert now, every reason of each (Alertmanager's
   * AlertStatus): the same stages and clock its group's next flush will ask.
   */
  muteStatus(alert: Pick<AlertRecord, "labels" | "fingerprint">): MuteStatus {
    return muteStatus(this.muteStages, alert.labels, this.clock.now(), (err, stage) =>
      this.logger.error({ err, stage: stage.kind, fingerprint: alert.fingerprint }, "mute stage failed; shown as not muting"),
    );
  }

  /**
   * Applies one observation. Its time is taken now, at the call; observations of the same
   * alert apply in call order even when the caller does not await each one.
   */
  observe(observation: AlertObservation): Promise<void> {
    const problem = invalidObservation(observation);
    if (problem !== null) return Promise.reject(new Error(`alert observation: ${problem}`));
    const now = this.clock.now();
    return this.inOrder(alertFingerprint(observation.labels), () => this.apply(observation, now));
  }

  /** Resolves when no observation, timer's work or group flush is in progress. */
  async idle(): Promise<void> {
    for (;;) {
      const tails = [...this.tails.values()];
      await Promise.all(tails);
      await this.groups.idle();
      if (this.tails.size === 0) return;
    }
  }

  /** Cancels every timer (group flushes, keepFiringFor, flap settling) and waits for work in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.groups.stop();
    for (const timer of this.keepFiringTimers.values()) timer.cancel();
    this.keepFiringTimers.clear();
    this.settleTimer?.cancel();
    this.settleTimer = null;
    await this.idle();
  }

  // ---- stages before the groups ----

  private async apply(observation: AlertObservation, now: number): Promise<void> {
    const fingerprint = alertFingerprint(observation.labels);
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

    // Decided at observation time, before any await, so a settle timer cannot slip in between.
    const flap = transition === "firing" || transition === "resolved" ? this.flaps.recordChange(fingerprint, now) : "steady";

    await this.storage.upsertAlert(record);
    if (record.state === "resolved") this.alerts.delete(fingerprint);
    else this.alerts.set(fingerprint, record);
    this.scheduleKeepFiring(record);

    const where = { node: record.labels.node, service: record.labels.service };
    if (transition === "firing" || transition === "resolved") {
      await this.journal.record(`alert.${transition}`, {
        ...where,
        data: {
          fingerprint,
          labels: record.labels,
          annotations: record.annotations,
          value: record.value,
          // The trace of a fast path: the sample's arrival, then this decision (the event's ts).
          ...(observation.sampleReceivedAt !== undefined && { sampleReceivedAt: observation.sampleReceivedAt }),
        },
      });
    }
    if (flap === "started") {
      const { withinMs, settleMs } = this.flapSettings;
      await this.journal.record("alert.flapping", { ...where, data: { fingerprint, labels: record.labels, withinMs, settleMs } });
    }
    if (this.flaps.isFlapping(fingerprint)) {
      this.flapping.set(fingerprint, record);
      this.scheduleSettle();
    }
    // Pending alerts are nobody's business yet; firing ones (and their updates) and resolved ones go to their groups.
    if (record.state !== "pending") this.route(record, { changed: flap === "started" });
  }

  /** Puts the alert, as receivers are to see it, into its group on every route that takes it. */
  private route(record: AlertRecord, options: { changed?: boolean } = {}): void {
    const view = this.flaps.isFlapping(record.fingerprint) ? flappingView(record) : record;
    for (const match of routeAlert(record.labels, this.routes)) this.groups.insert(match, view, options);
  }

  // ---- the stages at a group's flush ----

  /**
   * Mute stages, then dedup against the log, as of the time the flush runs (a flush queued
   * behind a slow one sees the present); a notification is queued, then logged, so a crash
   * between the two repeats it rather than losing it.
   */
  private async flush(group: AggregationGroup): Promise<void> {
    const { receiver } = group.route;
    try {
      const entry = await this.storage.getNotificationLog(receiver, group.groupKey);
      const now = this.clock.now();
      const plan = planDedup({
        receiver,
        groupKey: group.groupKey,
        alerts: group.members(),
        entry,
        isMuted: (alert) => this.isMuted(alert, now),
        changed: group.changed(),
        repeatIntervalMs: group.route.repeatInterval,
        now,
      });
      if (plan.send) {
        const alerts = [...plan.firing, ...plan.resolved].sort((a, b) => compare(labelSetString(a.labels), labelSetString(b.labels)));
        await this.dispatcher.enqueue(
          receiver,
          webhookPayload({
            receiver,
            status: plan.firing.length > 0 ? "firing" : "resolved",
            alerts,
            externalURL: this.externalURL(),
            groupKey: group.groupKey,
            groupLabels: group.groupLabels,
          }),
        );
        await this.storage.putNotificationLog(plan.entry);
        this.logger.debug({ receiver, groupKey: group.groupKey, reason: plan.reason, alerts: alerts.length }, "notification queued");
      }
      group.completeFlush(plan.done, [...plan.done, ...plan.firing, ...plan.resolved]);
    } catch (err) {
      // The group keeps its alerts: the next flush (groupInterval on) tries again.
      this.logger.error({ err, receiver, groupKey: group.groupKey }, "notifying a group failed");
    }
  }

  /** A stage that fails counts as not muting: a page too many beats a page lost. */
  private isMuted(alert: AlertRecord, now: number): boolean {
    for (const stage of this.muteStages) {
      try {
        const reason = stage.muted(alert.labels, now);
        if (reason) {
          this.logger.debug({ fingerprint: alert.fingerprint, reason }, "alert muted");
          return true;
        }
      } catch (err) {
        this.logger.error({ err, stage: stage.kind, fingerprint: alert.fingerprint }, "mute stage failed; notifying");
      }
    }
    return false;
  }

  // ---- timers: keepFiringFor deadlines and flap settling ----

  /** A firing alert held by keepFiringFor resolves at its deadline even if no observation comes (its series went silent). */
  private scheduleKeepFiring(record: AlertRecord): void {
    const fingerprint = record.fingerprint;
    this.keepFiringTimers.get(fingerprint)?.cancel();
    this.keepFiringTimers.delete(fingerprint);
    const until = record.keepFiringUntil;
    if (this.stopped || record.state !== "firing" || until === null || until === undefined) return;
    const timer = this.clock.setTimeout(() => {
      this.keepFiringTimers.delete(fingerprint);
      this.inOrder(fingerprint, async () => {
        const current = this.alerts.get(fingerprint);
        if (current?.keepFiringUntil !== until) return; // fired again or already resolved
        const expiry = { labels: current.labels, annotations: current.annotations, active: false, value: current.value, forMs: 0 };
        await this.apply(expiry, this.clock.now());
      }).catch((err) => this.logger.error({ err, fingerprint }, "resolving an alert after keepFiringFor failed"));
    }, Math.max(0, until - this.clock.now()));
    this.keepFiringTimers.set(fingerprint, timer);
  }

  private scheduleSettle(): void {
    this.settleTimer?.cancel();
    this.settleTimer = null;
    const at = this.flaps.nextSettleAt();
    if (this.stopped || at === null) return;
    this.settleTimer = this.clock.setTimeout(() => {
      this.settleTimer = null;
      const now = this.clock.now();
      for (const fingerprint of this.flaps.settle(now)) {
        this.inOrder(fingerprint, () => this.settled(fingerprint)).catch((err) =>
          this.logger.error({ err, fingerprint }, "settling a flapping alert failed"),
        );
      }
      this.scheduleSettle();
    }, Math.max(0, at - this.clock.now()));
  }

  /** A flapping alert has kept one state for `settle`: receivers now hear its real state. */
  private async settled(fingerprint: string): Promise<void> {
    const record = this.flapping.get(fingerprint);
    this.flapping.delete(fingerprint);
    if (record === undefined) return;
    await this.journal.record("alert.settled", {
      node: record.labels.node,
      service: record.labels.service,
      data: { fingerprint, labels: record.labels, state: record.state },
    });
    this.route(record, { changed: true });
  }

  /** Flapping state from the journal: the changes of the last window and the latest flapping/settled mark per alert. */
  private async restoreFlapping(now: number): Promise<void> {
    const since = now - Math.max(this.flapSettings.withinMs, this.flapSettings.settleMs);
    const changes = new Map<string, number[]>();
    for (const event of await this.storage.listEvents({ kinds: ["alert.firing", "alert.resolved"], since, limit: 100_000 })) {
      const fingerprint = event.data.fingerprint;
      if (typeof fingerprint === "string") changes.set(fingerprint, [...(changes.get(fingerprint) ?? []), event.ts]);
    }
    const flappingSince = new Map<string, number | null>();
    for (const event of await this.storage.listEvents({ kinds: ["alert.flapping", "alert.settled"], order: "desc", limit: 10_000 })) {
      const fingerprint = event.data.fingerprint;
      if (typeof fingerprint !== "string" || flappingSince.has(fingerprint)) continue;
      flappingSince.set(fingerprint, event.kind === "alert.flapping" ? event.ts : null);
    }
    for (const fingerprint of new Set([...changes.keys(), ...flappingSince.keys()])) {
      this.flaps.restore(fingerprint, changes.get(fingerprint) ?? [], flappingSince.get(fingerprint) ?? null);
    }
  }

  /** Runs `work` after everything queued before for this fingerprint (its failure does not block what follows). */
  private inOrder(fingerprint: string, work: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(fingerprint) ?? Promise.resolve();
    const result = previous.then(work);
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
}

function sameContent(a: AlertRecord, b: AlertRecord): boolean {
  return (
    a.state === b.state &&
    Object.is(a.value, b.value) &&
    (a.keepFiringUntil ?? null) === (b.keepFiringUntil ?? null) &&
    sameStrings(a.annotations, b.annotations)
  );
}

function sameStrings(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
  if (o.sampleReceivedAt !== undefined && (typeof o.sampleReceivedAt !== "number" || !Number.isFinite(o.sampleReceivedAt))) {
    return `sampleReceivedAt: expected a time in ms, got ${String(o.sampleReceivedAt)}`;
  }
  if (typeof o.active !== "boolean") return `active: expected a boolean, got ${typeof o.active}`;
  if (o.value !== null && typeof o.value !== "number") return `value: expected a number or null, got ${typeof o.value}`;
  for (const field of ["forMs", "keepFiringMs"] as const) {
    const ms = o[field];
    if (field === "keepFiringMs" && ms === undefined) continue;
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) return `${field}: expected a duration in ms >= 0, got ${String(ms)}`;
  }
  return null;
}
