// Alerts pushed by another system (a Prometheus naming Vigil as its Alertmanager) carry no
// "resolved" of their own: they stay firing while re-sent and resolve when their endsAt passes
// without a re-send. A pure record of the deadlines, and a shell that sets one Clock timer.
import type { Clock, TimerHandle } from "../util/clock.js";
import type { AlertObservation } from "./alert-lifecycle.js";
import { alertFingerprint } from "./fingerprint.js";

/**
 * Alertmanager's default resolve_timeout: how long an alert posted without endsAt stays
 * firing after its last post.
 */
export const DEFAULT_RESOLVE_TIMEOUT_MS = 5 * 60_000;

export interface ExternalAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** When the alert resolves unless posted again (ms since the epoch). */
  endsAt: number;
  generatorURL: string;
}

/** fingerprint → the latest post of each external alert still firing; time comes in as an argument. */
export class ExternalAlertDeadlines {
  private readonly alerts = new Map<string, ExternalAlert>();

  /** Records a firing post (a later post replaces the deadline, earlier or later). */
  firing(alert: ExternalAlert): void {
    this.alerts.set(alertFingerprint(alert.labels), alert);
  }

  /** Forgets an alert that its sender resolved. */
  forget(fingerprint: string): void {
    this.alerts.delete(fingerprint);
  }

  get(fingerprint: string): ExternalAlert | undefined {
    return this.alerts.get(fingerprint);
  }

  /** Removes and returns the alerts whose endsAt is at or before `now`. */
  takeExpired(now: number): ExternalAlert[] {
    const expired: ExternalAlert[] = [];
    for (const [fingerprint, alert] of this.alerts) {
      if (alert.endsAt <= now) {
        expired.push(alert);
        this.alerts.delete(fingerprint);
      }
    }
    return expired;
  }

  /** The earliest deadline, or null when nothing is tracked. */
  nextDeadline(): number | null {
    let next: number | null = null;
    for (const alert of this.alerts.values()) if (next === null || alert.endsAt < next) next = alert.endsAt;
    return next;
  }
}

export interface ExternalAlertsOptions {
  clock: Clock;
  /** Where observations go: the alert manager's observe(). */
  observe: (observation: AlertObservation) => Promise<void>;
  onError: (err: unknown, labels: Record<string, string>) => void;
}

export interface ExternalPost {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** ms since the epoch; null when the sender gave none. */
  endsAt: number | null;
  generatorURL: string;
}

/** Turns posts into level-triggered observations and resolves, on a Clock timer, the ones not re-sent in time. */
export class ExternalAlerts {
  private readonly deadlines = new ExternalAlertDeadlines();
  private timer: TimerHandle | null = null;
  private stopped = false;

  constructor(private readonly options: ExternalAlertsOptions) {}

  /**
   * Applies a batch of posts: active when endsAt is absent or in the future (Alertmanager's
   * rule); absent endsAt means now + resolve timeout. Observations are issued in batch order.
   */
  receive(posts: readonly ExternalPost[]): Promise<void> {
    const now = this.options.clock.now();
    const observed: Promise<void>[] = [];
    for (const post of posts) {
      const active = post.endsAt === null || post.endsAt > now;
      if (active) {
        const endsAt = post.endsAt ?? now + DEFAULT_RESOLVE_TIMEOUT_MS;
        this.deadlines.firing({ labels: post.labels, annotations: post.annotations, endsAt, generatorURL: post.generatorURL });
      } else {
        this.deadlines.forget(alertFingerprint(post.labels));
      }
      observed.push(this.options.observe({ labels: post.labels, annotations: post.annotations, active, value: null, forMs: 0 }));
    }
    this.schedule();
    return Promise.all(observed).then(() => undefined);
  }

  /** The tracked post of a firing external alert (for its endsAt and generatorURL), if any. */
  get(fingerprint: string): ExternalAlert | undefined {
    return this.deadlines.get(fingerprint);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  /** One timer, for the earliest deadline; re-set after every change. */
  private schedule(): void {
    this.timer?.cancel();
    this.timer = null;
    const at = this.deadlines.nextDeadline();
    if (this.stopped || at === null) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      for (const alert of this.deadlines.takeExpired(this.options.clock.now())) {
        this.options
          .observe({ labels: alert.labels, annotations: alert.annotations, active: false, value: null, forMs: 0 })
          .catch((err) => this.options.onError(err, alert.labels));
      }
      this.schedule();
    }, Math.max(0, at - this.options.clock.now()));
  }
}
