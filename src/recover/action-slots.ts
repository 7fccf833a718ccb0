// The global limit of recovery actions in flight (like Kubernetes' eviction rate limits):
// a run takes a slot before it sends an action and gives it back when the result is in.
// Waiters are served in arrival order.
export class ActionSlots {
  private inUse = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new Error(`action slot limit must be at least 1, got ${limit}`);
  }

  /** Free now: true and the slot is taken. Otherwise false; use acquire(). */
  tryAcquire(): boolean {
    if (this.inUse >= this.limit) return false;
    this.inUse++;
    return true;
  }

  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else this.inUse = Math.max(0, this.inUse - 1);
  }

  get busy(): number {
    return this.inUse;
  }
}
