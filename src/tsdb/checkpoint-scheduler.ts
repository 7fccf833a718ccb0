// Runs the store's checkpoints: one every interval (and on flush), never two at once, each
// cut into slices of bounded synchronous work with the event loop free in between, and
// tracks which append generation is durable. The store says what a slice writes.
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Clock, TimerHandle } from "../util/clock.js";

/** The least share of the time a running checkpoint gets when the event loop is busy (see sliceBudgetMs). */
export const CHECKPOINT_BUSY_SHARE = 0.25;
/** No slice is given more than this, however long it waited. */
export const MAX_SLICE_MS = 50;

/**
 * How long the next slice may run: `baseMs`, or longer when it waited `waitedMs` for its turn.
 * On a server busy with ingest each turn of the event loop reads and stores tens of ms of
 * samples, and a checkpoint of fixed 5 ms slices would take 20 times its work in wall time —
 * acks wait for checkpoints, and what a kill -9 can lose grows with them. A slice that waited
 * W ms may run S = W · share / (1 − share), so that S / (S + W) = share: the checkpoint gets at
 * least that share of the time while it runs, and on an idle loop (W ≈ 0) slices stay at
 * `baseMs`. Capped at MAX_SLICE_MS.
 */
export function sliceBudgetMs(baseMs: number, waitedMs: number): number {
  return Math.min(Math.max(baseMs, MAX_SLICE_MS), Math.max(baseMs, (waitedMs * CHECKPOINT_BUSY_SHARE) / (1 - CHECKPOINT_BUSY_SHARE)));
}

export interface CheckpointRun {
  /**
   * Writes in one transaction until `overBudget()` turns true (always making some progress);
   * returns true when the run has nothing left. Throws when the write failed, after putting
   * back what it did not write.
   */
  slice(overBudget: () => boolean): boolean;
  /** The run stops early (a slice failed): everything not yet written must be written by a later run. */
  abandon(): void;
}

export interface CheckpointFigures {
  /** Completed checkpoints. */
  runs: number;
  failures: number;
  /** The last completed checkpoint: wall time from start to durable, and its slices. */
  lastDurationMs: number;
  lastSlices: number;
  lastMaxSliceMs: number;
  /** The longest synchronous slice of any checkpoint so far (event-loop blocking). */
  maxSliceMs: number;
}

export interface CheckpointSchedulerOptions {
  clock: Clock;
  intervalMs: number;
  /** Target length of one synchronous slice on an idle event loop (see sliceBudgetMs()). */
  sliceBudgetMs: number;
  /** The append generation right now. */
  generation(): number;
  /** Starts a run: everything appended so far is in it. The first slice's time counts `begin`'s. */
  begin(): CheckpointRun;
  /** After a run is durable (e.g. evict what is now on disk). */
  afterRun(): void;
  onError(err: unknown): void;
}

export class CheckpointScheduler {
  private durable = 0;
  private readonly listeners = new Set<(generation: number) => void>();
  private running: Promise<void> | null = null;
  private timer: TimerHandle | null = null;
  readonly figures: CheckpointFigures = { runs: 0, failures: 0, lastDurationMs: 0, lastSlices: 0, lastMaxSliceMs: 0, maxSliceMs: 0 };

  constructor(private readonly o: CheckpointSchedulerOptions) {
    this.durable = o.generation();
  }

  get durableGeneration(): number {
    return this.durable;
  }

  start(): void {
    this.timer ??= this.o.clock.setInterval(() => {
      if (this.running !== null) return;
      this.run().catch((err) => this.o.onError(err));
    }, this.o.intervalMs);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  onDurable(listener: (generation: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A checkpoint that starts after the call; resolves once it is durable, rejects if it failed. */
  async flush(): Promise<void> {
    while (this.running !== null) await this.running.catch(() => undefined);
    await this.run();
  }

  private run(): Promise<void> {
    const run = this.runOnce().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }

  private async runOnce(): Promise<void> {
    const started = performance.now();
    const generation = this.o.generation();
    let sliceStart = started;
    let budgetMs = this.o.sliceBudgetMs;
    const overBudget = () => performance.now() - sliceStart > budgetMs;
    let slices = 0;
    let maxSliceMs = 0;
    const work = this.o.begin();
    try {
      for (;;) {
        const done = work.slice(overBudget);
        const sliceMs = performance.now() - sliceStart;
        slices++;
        maxSliceMs = Math.max(maxSliceMs, sliceMs);
        if (done) break;
        const sliceEnd = performance.now();
        await nextTurn();
        sliceStart = performance.now();
        budgetMs = sliceBudgetMs(this.o.sliceBudgetMs, sliceStart - sliceEnd);
      }
    } catch (err) {
      work.abandon();
      this.figures.failures++;
      throw err;
    } finally {
      this.figures.maxSliceMs = Math.max(this.figures.maxSliceMs, maxSliceMs);
    }
    Object.assign(this.figures, {
      runs: this.figures.runs + 1,
      lastDurationMs: performance.now() - started,
      lastSlices: slices,
      lastMaxSliceMs: maxSliceMs,
    });
    if (generation > this.durable) {
      this.durable = generation;
      for (const listener of this.listeners) {
        try {
          listener(generation);
        } catch (err) {
          this.o.onError(err);
        }
      }
    }
    this.o.afterRun();
  }
}
