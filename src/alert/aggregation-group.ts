// One aggregation group: the alerts of one route with equal values of its groupBy labels,
// notified together. Alertmanager's timing (dispatch.go aggrGroup): the first flush waits
// groupWait, later ones come every groupInterval. Pure: times are arguments; the shell
// (aggregation-groups.ts) owns the timers and the flush itself.
import type { AlertRecord } from "../storage/storage.js";
import type { RouteMatch } from "./routing.js";

export class AggregationGroup {
  /** Alertmanager's group key: `<route key>:<group labels>`, e.g. `{}/{severity="critical"}:{alertname="X"}`. */
  readonly groupKey: string;
  private readonly alerts = new Map<string, AlertRecord>();
  /** Fingerprints whose notified form changed (flapping began or settled) since the last flush. */
  private readonly changedSinceFlush = new Set<string>();
  private hasFlushed = false;
  private nextFlush: number;

  constructor(
    readonly route: RouteMatch,
    readonly groupLabels: Record<string, string>,
    createdAt: number,
  ) {
    this.groupKey = `${route.routeKey}:${labelSetString(groupLabels)}`;
    this.nextFlush = createdAt + route.groupWait;
  }

  /** When the next flush is due. */
  get nextFlushAt(): number {
    return this.nextFlush;
  }

  /**
   * Adds or replaces an alert (as receivers are to see it). As in Alertmanager, an alert that
   * began more than groupWait ago (one rebuilt after a restart) lets a group that has not
   * flushed yet flush at once: its wait is over.
   */
  upsert(alert: AlertRecord, now: number, options: { changed?: boolean } = {}): void {
    this.alerts.set(alert.fingerprint, alert);
    if (options.changed) this.changedSinceFlush.add(alert.fingerprint);
    const startsAt = alert.firedAt ?? alert.activeAt;
    if (!this.hasFlushed && startsAt + this.route.groupWait <= now) this.nextFlush = Math.min(this.nextFlush, now);
  }

  members(): AlertRecord[] {
    return [...this.alerts.values()];
  }

  changed(): ReadonlySet<string> {
    return this.changedSinceFlush;
  }

  isEmpty(): boolean {
    return this.alerts.size === 0;
  }

  /** A flush begins at `now`: the next one is groupInterval later, whatever this one finds. */
  beginFlush(now: number): void {
    this.hasFlushed = true;
    this.nextFlush = now + this.route.groupInterval;
  }

  /**
   * After a flush: the alerts it is done with leave the group, unless they changed meanwhile
   * (an alert that fired again during the flush stays); the change marks it reported are cleared.
   */
  completeFlush(done: readonly AlertRecord[], reported: readonly AlertRecord[]): void {
    for (const alert of done) {
      if (this.alerts.get(alert.fingerprint) === alert) this.alerts.delete(alert.fingerprint);
    }
    for (const alert of reported) this.changedSinceFlush.delete(alert.fingerprint);
  }
}

/** The labels of `labels` that the route groups by (all of them under groupBy ["..."]). */
export function groupLabelsOf(labels: Record<string, string>, route: RouteMatch): Record<string, string> {
  const names = route.groupByAll ? Object.keys(labels) : route.groupBy.filter((name) => Object.hasOwn(labels, name));
  const picked: Record<string, string> = {};
  for (const name of [...names].sort()) picked[name] = labels[name]!;
  return picked;
}

/** A label set the way Alertmanager prints it in group keys (model.LabelSet.String): {a="1", b="2"}, sorted by name. */
export function labelSetString(labels: Record<string, string>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`);
  return `{${pairs.join(", ")}}`;
}
