// The notification queue's delivery loop. Notifications are stored before they are sent, so a
// restart resends whatever was not delivered; each receiver's queue is delivered strictly in
// order, one request at a time, retried with exponential backoff up to its maxAttempts.
import type { VigilConfig } from "../../config/schema.js";
import type { Journal } from "../../storage/journal.js";
import type { NotificationRecord, Storage } from "../../storage/storage.js";
import type { Clock, TimerHandle } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";
import { retryDelay, type RetryBackoff } from "./retry-backoff.js";
import { sendWebhook, type WebhookTarget } from "./webhook.js";

export type SendWebhook = (target: WebhookTarget, body: string) => Promise<void>;

export interface NotificationDispatcherOptions {
  storage: Storage;
  clock: Clock;
  receivers: VigilConfig["notify"]["receivers"];
  journal: Journal;
  logger: Logger;
  send?: SendWebhook;
  /** Delay between attempts; defaults to retryDelay's (1s doubling up to 60s). */
  backoff?: Partial<RetryBackoff>;
}

/** Pending notifications read per scan: far above any sane backlog, a bound against a runaway one. */
const PENDING_SCAN_LIMIT = 100_000;

export class NotificationDispatcher {
  private readonly storage: Storage;
  private readonly clock: Clock;
  private readonly receivers: VigilConfig["notify"]["receivers"];
  private readonly journal: Journal;
  private readonly logger: Logger;
  private readonly send: SendWebhook;
  private readonly backoff: Partial<RetryBackoff>;

  private started = false;
  private scanning: Promise<void> | null = null;
  private rescanRequested = false;
  private wakeTimer: TimerHandle | null = null;
  /** At most one worker per receiver: it alone delivers that receiver's queue, oldest first. */
  private readonly workers = new Map<string, Promise<void>>();
  /** After a storage error in a receiver's worker: no new worker before this time (no hot loop). */
  private readonly heldUntil = new Map<string, number>();

  constructor(options: NotificationDispatcherOptions) {
    this.storage = options.storage;
    this.clock = options.clock;
    this.receivers = options.receivers;
    this.journal = options.journal;
    this.logger = options.logger.child({ component: "notify" });
    this.send = options.send ?? sendWebhook;
    this.backoff = options.backoff ?? {};
  }

  /** Stores a notification for `receiver` (delivered even across a restart) and wakes the loop. */
  async enqueue(receiver: string, payload: object): Promise<NotificationRecord> {
    if (this.receivers[receiver] === undefined) {
      const known = Object.keys(this.receivers);
      throw new Error(
        `cannot notify receiver "${receiver}": it is not configured (notify.receivers has ${known.length ? known.join(", ") : "none"})`,
      );
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
      const due = [...heads.values()].some((head) => this.dueAt(head) <= now);
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
    const heads = await this.pendingHeads();
    if (!this.started) return;
    const now = this.clock.now();
    let nextDue = Infinity;
    for (const [receiver, head] of heads) {
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
    while (this.started) {
      const head = (await this.pendingHeads()).get(receiver);
      if (head === undefined || this.dueAt(head) > this.clock.now()) return;
      await this.attempt(head);
    }
  }

  private async attempt(notification: NotificationRecord): Promise<void> {
    this.heldUntil.delete(notification.receiver);
    const about = describePayload(notification.payload);
    const receiver = this.receivers[notification.receiver];
    const attempts = notification.attempts + 1;
    if (receiver === undefined) {
      const error = `receiver "${notification.receiver}" is no longer configured`;
      await this.storage.updateNotification({ ...notification, state: "failed", lastError: error });
      await this.journalOutcome("notify.failed", notification, about, { attempts: notification.attempts, error });
      return;
    }

    let error: string | null = null;
    try {
      await this.send(receiver.webhook, notification.payload);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const now = this.clock.now();

    if (error === null) {
      await this.storage.updateNotification({ ...notification, state: "sent", attempts, sentAt: now });
      await this.journalOutcome("notify.sent", notification, about, { attempts });
      return;
    }
    if (attempts >= receiver.webhook.maxAttempts) {
      await this.storage.updateNotification({ ...notification, state: "failed", attempts, lastError: error });
      await this.journalOutcome("notify.failed", notification, about, { attempts, error });
      this.logger.error({ receiver: notification.receiver, id: notification.id, attempts, error }, "notification given up");
      return;
    }
    const nextAttemptAt = now + retryDelay(attempts, this.backoff);
    await this.storage.updateNotification({ ...notification, attempts, lastError: error, nextAttemptAt });
    this.logger.warn({ receiver: notification.receiver, id: notification.id, attempts, error, nextAttemptAt }, "notification failed; will retry");
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
