// The shell around aggregation groups: finds or creates the group an alert belongs to on each
// route, owns one timer per group, and runs the flush (given by the alert manager) when it is
// due, one flush at a time per group. An empty group is dropped after its flush.
import type { AlertRecord } from "../storage/storage.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import { AggregationGroup, groupLabelsOf, labelSetString } from "./aggregation-group.js";
import type { RouteMatch } from "./routing.js";

/** Runs one flush of `group`, which fell due at `now`; must not throw (failures are the flusher's to log). */
export type GroupFlusher = (group: AggregationGroup, now: number) => Promise<void>;

interface Slot {
  group: AggregationGroup;
  timer: TimerHandle | null;
  /** The flush in progress (and those queued behind it), so flushes of one group never overlap. */
  flushing: Promise<void>;
}

export class AggregationGroups {
  private readonly slots = new Map<string, Slot>();
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly flush: GroupFlusher,
  ) {}

  /** Puts the alert into its group on `route`, creating the group (and its groupWait) if needed. */
  insert(route: RouteMatch, alert: AlertRecord, options: { changed?: boolean } = {}): AggregationGroup {
    const now = this.clock.now();
    const groupLabels = groupLabelsOf(alert.labels, route);
    // routeId, not the route key, tells routes apart: two siblings may have equal matchers.
    const id = `${route.routeId} ${labelSetString(groupLabels)}`;
    let slot = this.slots.get(id);
    if (slot === undefined) {
      slot = { group: new AggregationGroup(route, groupLabels, now), timer: null, flushing: Promise.resolve() };
      this.slots.set(id, slot);
    }
    const dueBefore = slot.timer === null ? Infinity : slot.group.nextFlushAt;
    slot.group.upsert(alert, now, options);
    if (slot.group.nextFlushAt < dueBefore) this.schedule(id, slot);
    return slot.group;
  }

  all(): AggregationGroup[] {
    return [...this.slots.values()].map((s) => s.group);
  }

  /** Resolves when no flush is running or queued. */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.slots.values()].map((s) => s.flushing);
      await Promise.all(running);
      const after = [...this.slots.values()].map((s) => s.flushing);
      if (after.length === running.length && after.every((p, i) => p === running[i])) return;
    }
  }

  /** Cancels every timer; flushes in progress finish (await idle()). */
  stop(): void {
    this.stopped = true;
    for (const slot of this.slots.values()) {
      slot.timer?.cancel();
      slot.timer = null;
    }
  }

  private schedule(id: string, slot: Slot): void {
    if (this.stopped) return;
    slot.timer?.cancel();
    slot.timer = this.clock.setTimeout(() => this.due(id, slot), Math.max(0, slot.group.nextFlushAt - this.clock.now()));
  }

  /** The group's flush time has come: the next one is set at once (groupInterval on), as Alertmanager does. */
  private due(id: string, slot: Slot): void {
    slot.timer = null;
    if (this.stopped || this.slots.get(id) !== slot) return;
    const now = this.clock.now();
    slot.group.beginFlush(now);
    this.schedule(id, slot);
    slot.flushing = slot.flushing
      .then(() => this.flush(slot.group, now))
      .then(() => {
        if (slot.group.isEmpty() && this.slots.get(id) === slot) {
          slot.timer?.cancel();
          this.slots.delete(id);
        }
      });
  }
}
