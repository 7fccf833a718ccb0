// Requests sent to someone who answers later, by id: each waits for its answer, from whom it
// was sent to, or resolves with a fallback when the time is up or the peer is gone. The hub
// uses it for actions and indirect probes sent to agents; the leader for those it sends
// through edge replicas.
import type { Clock, TimerHandle } from "./clock.js";

interface Waiting<T> {
  /** Whom the request went to: only its answer counts. */
  to: string;
  resolve(value: T): void;
  timer: TimerHandle;
}

export class PendingReplies<T> {
  private readonly waiting = new Map<string, Waiting<T>>();

  constructor(private readonly clock: Clock) {}

  /** Waits for the answer to request `id` sent to `to`; `onTimeout` after `timeoutMs` without one. */
  wait(id: string, to: string, timeoutMs: number, onTimeout: () => T): Promise<T> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.waiting.delete(id);
        resolve(onTimeout());
      }, timeoutMs);
      this.waiting.set(id, { to, resolve, timer });
    });
  }

  /** The answer to `id` came from `from`; ignored when nothing waits for it from there. */
  answer(id: string, from: string, value: T): void {
    const w = this.waiting.get(id);
    if (!w || w.to !== from) return;
    this.settle(id, w, value);
  }

  /** Resolves what waits on answers from `to` (every request when omitted) with `value`. */
  settleAll(value: T, to?: string): void {
    for (const [id, w] of this.waiting) if (to === undefined || w.to === to) this.settle(id, w, value);
  }

  private settle(id: string, w: Waiting<T>, value: T): void {
    this.waiting.delete(id);
    w.timer.cancel();
    w.resolve(value);
  }
}
