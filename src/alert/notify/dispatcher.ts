// The notification queue's delivery loop. Notifications are stored before they are sent, so a
// restart resends whatever was not delivered; each receiver's queue is delivered strictly in
// order, one attempt at a time, through the notifier of the receiver's kind, retried with
// exponential backoff up to its maxAttempts. Every attempt is journalled (notify.attempt).
//
// Delivery is at least once: an attempt is marked in flight in storage before it starts and
// marked sent as soon as the receiver accepted it. If Vigil dies between the receiver's
// acceptance and that write (the answer in transit plus one SQLite write), the notification is
// sent again after the restart, with the same delivery key so the receiver can drop the duplicate.
import type { VigilConfig } from "../../config/schema.js";
import type { Journal } from "../../storage/journal.js";
import type { NotificationRecord, Storage } from "../../storage/storage.js";
import type { Clock, TimerHandle } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";
import { DeliveryError, deliverySettings, isRetryable, type Notifier } from "./notifier.js";
import { createNotifier, type NotifierOptions } from "./notifiers.js";
import { retryDelay, type RetryBackoff } from "./retry-backoff.js";
import { checkWebhookPayload, type WebhookPayload } from "./webhook-payload.js";

export interface NotificationDispatcherOptions {
  storage: Storage;
  clock: Clock;
  receivers: VigilConfig["notify"]["receivers"];
  journal: Journal;
  logger: Logger;
  /** Notifiers by receiver name, used instead of the ones built from the receivers' config. */
  notifiers?: Record<string, Notifier>;
  /** Passed on to createNotifier (e.g. TLS settings of email receivers). */
  notifierOptions?: Omit<NotifierOptions, "logger">;
  /** Delay between attempts; defaults to retryDelay's (1s doubling up to 60s). */
  backoff?: Partial<RetryBackoff>;
  /**
   * Asked before each attempt: false holds every delivery (a replica that no longer holds
   * the leader lease must not notify; the new leader delivers the queue). Default: always.
   */
  mayDeliver?: () => boolean;
}

/** While deliveries are held (mayDeliver false), the queue is looked at again after this long. */
const HELD_RESCAN_MS = 1000;

/** lastError of a notification while an attempt is running; found after a restart, it means that attempt was cut off. */
const IN_FLIGHT = "in flight:";

/** A receiver's notifier, or why it could not be built (every delivery to it then fails with that). */
type ReceiverDelivery = { notifier: Notifier; maxAttempts: number } | { broken: string };

/** Pending notifications read per scan: far above any sane backlog, a bound against a runaway one. */
const PENDING_SCAN_LIMIT = 100_000;

export class NotificationDispatcher {
  private readonly storage: Storage;
  private readonly clock: Clock;
  private readonly receivers: VigilConfig["notify"]["receivers"];
  private readonly journal: Journal;
  private readonly logger: Logger;
  private readonly deliveries = new Map<string, ReceiverDelivery>();
  private readonly backoff: Partial<RetryBackoff>;
  private readonly mayDeliver: () => boolean;

  private started = false;
  private scanning: Promise<void> | null = null;
  private rescanRequested = false;
  private wakeTimer: TimerHandle | null = null;
  /** At most one worker per receiver: it alone delivers that receiver's queue, oldest first. */
  private readonly workers = new Map<string, Promise<void>>();
  /** After a storage error in a receiver's worker: no new worker before this time (no hot loop). */
  private readonly heldUntil = new Map<string, number>();
  /** Notifications whose attempt is running in this process (their IN_FLIGHT mark is current). */
  private readonly inFlight = new Set<number>();
  /** Whether the attempts a previous run left in flight have been found and journalled. */
  private interruptedRecovered = false;

  constructor(options: NotificationDispatcherOptions) {
    this.storage = options.storage;
    this.clock = options.clock;
    this.receivers = options.receivers;
    this.journal = options.journal;
    this.logger = options.logger.child({ component: "notify" });
    this.backoff = options.backoff ?? {};
    this.mayDeliver = options.mayDeliver ?? (() => true);
    for (const [name, config] of Object.entries(this.receivers)) {
      try {
        const notifier =
          options.notifiers?.[name] ?? createNotifier(name, config, { ...options.notifierOptions, logger: this.logger });
        this.deliveries.set(name, { notifier, maxAttempts: deliverySettings(name, config).maxAttempts });
      } catch (err) {
        const broken = err instanceof Error ? err.message : String(err);
        this.deliveries.set(name, { broken });
        this.logger.error({ receiver: name, error: broken }, "receiver cannot be used; its notifications will fail");
      }
    }
  }

  /**
   * Stores a notification for `receiver` (delivered even across a restart) and wakes the loop.
   * `payload` is the Alertmanager webhook v4 object that webhookPayload builds.
   */
  async enqueue(receiver: string, payload: WebhookPayload): Promise<NotificationRecord> {
    if (this.receivers[receiver] === undefined) {
      const known = Object.keys(this.receivers);
      throw new Error(
        `cannot notify receiver "${receiver}": it is not configured (notify.receivers has ${known.length ? known.join(", ") : "none"})`,
      );
    }
    try {
      checkWebhookPayload(payload);
    } catch (err) {
      throw new Error(`cannot notify receiver "${receiver}": ${(err as Error).message}`);
    }
    const now = this.clock.now();
    const record = await this.storage.enqueueNotification({
      receiver,
      payload: JSON.stringify(payload),
      createdAt: now,
      nextAttemptAt: now,
    });
    this.wake();
    return record;
  }

  /** Starts delivering, beginning with whatever a previous run left in the queue. */
  start(): void {
    this.started = true;
    this.wake();
  }

  /** Stops scheduling deliveries; resolves once the requests in flight have settled. */
  async stop(): Promise<void> {
    this.started = false;
    this.wakeTimer?.cancel();
    this.wakeTimer = null;
    await this.idle();
  }

  /** Resolves when no delivery is running and none is due right now (later retries stay scheduled); once stopped, when deliveries in flight have settled. */
  async drain(): Promise<void> {
    for (;;) {
      await this.idle();
      if (!this.started) return;
      const now = this.clock.now();
      const heads = await this.pendingHeads();
      const due = this.mayDeliver() && [...heads.values()].some((head) => this.dueAt(head) <= now);
      if (!due && this.scanning === null && this.workers.size === 0) return;
      this.wake();
    }
  }

  private async idle(): Promise<void> {
    while (this.scanning !== null || this.workers.size > 0) {
      await this.scanning;
      await Promise.all(this.workers.values());
    }
  }

  /** Requests a scan; scans never overlap, and a request during one runs another after it. */
  private wake(): void {
    if (!this.started) return;
    if (this.scanning !== null) {
      this.rescanRequested = true;
      return;
    }
    this.scanning = (async () => {
      do {
        this.rescanRequested = false;
        try {
          await this.scan();
        } catch (err) {
          this.logger.error({ err }, "reading the notification queue failed");
        }
      } while (this.rescanRequested && this.started);
      this.scanning = null;
    })();
  }

  /** Starts a worker for each receiver whose oldest notification is due; sets the timer for the next one. */
  private async scan(): Promise<void> {
    if (!this.interruptedRecovered) {
      await this.recoverInterrupted();
      this.interruptedRecovered = true;
    }
    const heads = await this.pendingHeads();
    if (!this.started) return;
    const now = this.clock.now();
    let nextDue = Infinity;
    const held = !this.mayDeliver();
    if (held && heads.size > 0) nextDue = now + HELD_RESCAN_MS;
    for (const [receiver, head] of held ? [] : heads) {
      if (this.workers.has(receiver)) continue; // its worker rescans when done
      const dueAt = this.dueAt(head);
      if (dueAt <= now) this.startWorker(receiver);
      else nextDue = Math.min(nextDue, dueAt);
    }
    this.wakeTimer?.cancel();
    this.wakeTimer = null;
    if (Number.isFinite(nextDue)) {
      this.wakeTimer = this.clock.setTimeout(() => {
        this.wakeTimer = null;
        this.wake();
      }, nextDue - now);
    }
  }

  private startWorker(receiver: string): void {
    const worker = this.deliverQueue(receiver)
      .catch((err) => {
        const retryAt = this.clock.now() + retryDelay(1, this.backoff);
        this.heldUntil.set(receiver, retryAt);
        this.logger.error({ err, receiver }, "notification queue storage failed; retrying later");
      })
      .finally(() => {
        this.workers.delete(receiver);
        this.wake();
      });
    this.workers.set(receiver, worker);
  }

  /** Delivers the receiver's queue oldest first, stopping at the first one not yet due (a failed one in backoff). */
  private async deliverQueue(receiver: string): Promise<void> {
    while (this.started && this.mayDeliver()) {
      const head = (await this.pendingHeads()).get(receiver);
      if (head === undefined || this.dueAt(head) > this.clock.now()) return;
      await this.attempt(head);
    }
  }

  private async attempt(notification: NotificationRecord): Promise<void> {
    this.heldUntil.delete(notification.receiver);
    const about = describePayload(notification.payload);
    const receiver = notification.receiver;
    const delivery = this.deliveries.get(receiver);
    if (delivery === undefined) {
      const error = `receiver "${receiver}" is no longer configured`;
      await this.storage.updateNotification({ ...notification, state: "failed", lastError: error });
      await this.journalOutcome("notify.failed", notification, about, { attempts: notification.attempts, error });
      return;
    }
    const maxAttempts = "broken" in delivery ? 1 : delivery.maxAttempts;
    if (notification.attempts >= maxAttempts) {
      // Its last attempt was cut off by a restart (or maxAttempts was lowered): give up as that attempt would have.
      const error = notification.lastError ?? "no attempts left";
      await this.storage.updateNotification({ ...notification, state: "failed", lastError: error });
      await this.journalOutcome("notify.failed", notification, about, { attempts: notification.attempts, error });
      return;
    }

    const attempt = notification.attempts + 1;
    const startedAt = this.clock.now();
    await this.storage.updateNotification({
      ...notification,
      attempts: attempt,
      lastError: `${IN_FLIGHT} attempt ${attempt} started at ${new Date(startedAt).toISOString()}`,
    });
    this.inFlight.add(notification.id);
    let error: string | null = null;
    let retryable = true;
    try {
      if ("broken" in delivery) throw new DeliveryError(delivery.broken, { retryable: false });
      const payload = parseStoredPayload(notification.payload);
      await delivery.notifier.send(payload, { key: deliveryKey(notification), attempt });
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      retryable = isRetryable(err);
    } finally {
      this.inFlight.delete(notification.id);
    }
    const now = this.clock.now();
    const attemptEvent = { receiver, notificationId: notification.id, attempt, ok: error === null, durationMs: now - startedAt };

    if (error === null) {
      // First the mark, then anything else: this write is all that stands between a delivered
      // notification and its duplicate after a crash.
      await this.storage.updateNotification({ ...notification, state: "sent", attempts: attempt, sentAt: now });
      await this.journal.record("notify.attempt", { data: attemptEvent });
      await this.journalOutcome("notify.sent", notification, about, { attempts: attempt });
      return;
    }
    if (!retryable || attempt >= maxAttempts) {
      await this.storage.updateNotification({ ...notification, state: "failed", attempts: attempt, lastError: error });
      await this.journal.record("notify.attempt", { data: { ...attemptEvent, error } });
      await this.journalOutcome("notify.failed", notification, about, { attempts: attempt, error });
      this.logger.error({ receiver, id: notification.id, attempts: attempt, error }, "notification given up");
      return;
    }
    const nextAttemptAt = now + retryDelay(attempt, this.backoff);
    await this.storage.updateNotification({ ...notification, attempts: attempt, lastError: error, nextAttemptAt });
    await this.journal.record("notify.attempt", { data: { ...attemptEvent, error } });
    this.logger.warn({ receiver, id: notification.id, attempts: attempt, error, nextAttemptAt }, "notification failed; will retry");
  }

  /**
   * Attempts a previous run left in flight were cut off: the receiver may or may not have the
   * notification. Each is journalled as a failed attempt and retried (at least once, never lost).
   */
  private async recoverInterrupted(): Promise<void> {
    const pending = await this.storage.listNotifications({ state: "pending", limit: PENDING_SCAN_LIMIT });
    for (const notification of pending) {
      if (!notification.lastError?.startsWith(IN_FLIGHT) || this.inFlight.has(notification.id)) continue;
      const error = `attempt ${notification.attempts} interrupted: Vigil stopped before the outcome was stored, so the receiver may already have this notification and the next attempt may be a duplicate`;
      await this.storage.updateNotification({ ...notification, lastError: error });
      await this.journal.record("notify.attempt", {
        data: { receiver: notification.receiver, notificationId: notification.id, attempt: notification.attempts, ok: false, error, interrupted: true },
      });
      this.logger.warn({ receiver: notification.receiver, id: notification.id, attempt: notification.attempts }, "notification attempt was interrupted by a restart; retrying");
    }
  }

  private async journalOutcome(
    kind: "notify.sent" | "notify.failed",
    notification: NotificationRecord,
    about: PayloadSummary,
    extra: Record<string, unknown>,
  ): Promise<void> {
    await this.journal.record(kind, {
      data: { receiver: notification.receiver, notificationId: notification.id, ...about, ...extra },
    });
  }

  private dueAt(head: NotificationRecord): number {
    return Math.max(head.nextAttemptAt, this.heldUntil.get(head.receiver) ?? -Infinity);
  }

  /** The oldest pending notification of each receiver: only it may be attempted, so order is kept. */
  private async pendingHeads(): Promise<Map<string, NotificationRecord>> {
    const pending = await this.storage.listNotifications({ state: "pending", limit: PENDING_SCAN_LIMIT });
    const heads = new Map<string, NotificationRecord>();
    for (const n of pending) {
      const head = heads.get(n.receiver);
      if (head === undefined || n.id < head.id) heads.set(n.receiver, n);
    }
    return heads;
  }
}

/** The same for every attempt of a notification, and unique per notification of this data directory. */
export function deliveryKey(notification: Pick<NotificationRecord, "id" | "createdAt">): string {
  return `${notification.id}.${notification.createdAt}`;
}

/** The stored body as a payload; one that is not (written by a bug or another version) can never be delivered. */
function parseStoredPayload(text: string): WebhookPayload {
  try {
    return checkWebhookPayload(JSON.parse(text));
  } catch (err) {
    throw new DeliveryError(`stored notification cannot be sent: ${(err as Error).message}`, { retryable: false });
  }
}

interface PayloadSummary {
  status: string | null;
  alertnames: string[];
}

/** What a stored payload is about, for the journal; tolerant of bodies written by other versions. */
function describePayload(payload: string): PayloadSummary {
  try {
    const body: unknown = JSON.parse(payload);
    if (typeof body !== "object" || body === null) return { status: null, alertnames: [] };
    const { status, alerts } = body as { status?: unknown; alerts?: unknown };
    const names = new Set<string>();
    if (Array.isArray(alerts)) {
      for (const alert of alerts) {
        const name: unknown = (alert as { labels?: Record<string, unknown> } | null)?.labels?.alertname;
        if (typeof name === "string") names.add(name);
      }
    }
    return { status: typeof status === "string" ? status : null, alertnames: [...names] };
  } catch {
    return { status: null, alertnames: [] };
  }
}
