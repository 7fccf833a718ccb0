// Keeps checkpoints of the data directories of the services this agent runs (`snapshot:
// { path, every, keep }`): one soon after the service is configured, then one every
// `every`, the newest `keep` kept. Each one is reported (snapshot.taken / snapshot.failed);
// a bad path is an event, never a crash. Snapshots and restores of one service never overlap.
import type { AgentService } from "../protocol/messages.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import type { SnapshotInfo, SnapshotStore } from "./snapshot-store.js";

/** The first snapshot of a newly configured service comes this long after it (it may still be starting). */
export const FIRST_SNAPSHOT_DELAY_MS = 1000;

export type SnapshotEvent =
  | { kind: "snapshot.taken"; service: string; data: { service: string; path: string; id: string; bytes: number; files: number; durationMs: number; pruned: string[] } }
  | { kind: "snapshot.failed"; service: string; data: { service: string; path: string; error: string } };

export interface SnapshotsOptions {
  store: SnapshotStore;
  clock: Clock;
  logger: Logger;
  onEvent(event: SnapshotEvent): void;
  firstDelayMs?: number;
}

interface Schedule {
  /** path, every and keep: a change reschedules. */
  key: string;
  config: NonNullable<AgentService["snapshot"]>;
  timers: TimerHandle[];
}

export class Snapshots {
  private readonly schedules = new Map<string, Schedule>();
  /** One chain of snapshot and restore work per service. */
  private readonly queues = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly o: SnapshotsOptions) {}

  /** Schedules snapshots for the services given (those this agent runs); cancels the others. */
  reconcile(services: AgentService[]): void {
    const wanted = new Map(services.filter((s) => s.snapshot).map((s) => [s.name, s.snapshot!]));
    for (const [name, schedule] of this.schedules) {
      if (wanted.has(name) && JSON.stringify(wanted.get(name)) === schedule.key) continue;
      for (const t of schedule.timers) t.cancel();
      this.schedules.delete(name);
    }
    if (this.stopped) return;
    for (const [name, config] of wanted) {
      if (this.schedules.has(name)) continue;
      const schedule: Schedule = { key: JSON.stringify(config), config, timers: [] };
      const first = this.o.clock.setTimeout(() => {
        void this.take(name);
        schedule.timers.push(this.o.clock.setInterval(() => void this.take(name), config.every));
      }, this.o.firstDelayMs ?? FIRST_SNAPSHOT_DELAY_MS);
      schedule.timers.push(first);
      this.schedules.set(name, schedule);
    }
  }

  /** Takes a snapshot of a scheduled service now (after any running one); resolves with the event reported. */
  take(service: string): Promise<SnapshotEvent | null> {
    return this.serially(service, async () => {
      const schedule = this.schedules.get(service);
      if (!schedule || this.stopped) return null;
      const { path, keep } = schedule.config;
      const started = performance.now();
      let event: SnapshotEvent;
      try {
        const taken = await this.o.store.take(service, path, this.o.clock.now());
        const pruned = await this.o.store.prune(service, keep, { removeTemporary: true });
        const durationMs = Math.round(performance.now() - started);
        event = { kind: "snapshot.taken", service, data: { service, path, id: taken.id, bytes: taken.bytes, files: taken.files, durationMs, pruned } };
        this.o.logger.info({ ...event.data }, "snapshot taken");
      } catch (err) {
        event = { kind: "snapshot.failed", service, data: { service, path, error: (err as Error).message } };
        this.o.logger.warn({ ...event.data }, "snapshot failed");
      }
      this.o.onEvent(event);
      return event;
    });
  }

  latest(service: string): Promise<SnapshotInfo | null> {
    return this.o.store.latest(service);
  }

  /** Puts the latest snapshot back into `path`, never while a snapshot of the service is being taken. */
  restoreLatest(service: string, path: string): Promise<SnapshotInfo> {
    return this.serially(service, () => this.o.store.restoreLatest(service, path));
  }

  /** Cancels the schedule; resolves once the snapshot or restore in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const schedule of this.schedules.values()) for (const t of schedule.timers) t.cancel();
    this.schedules.clear();
    await Promise.all([...this.queues.values()]);
  }

  private serially<T>(service: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(service) ?? Promise.resolve();
    const result = previous.then(work);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(service, settled);
    void settled.then(() => {
      if (this.queues.get(service) === settled) this.queues.delete(service);
    });
    return result;
  }
}
