// The recent evidence per component ("service:db", "node:node-b"): health transitions,
// process events and liveness verdicts as the localizer reads them, kept for a while
// (default 15 min) and bounded per component, so a localization can look back at how a
// failure began. It also remembers when each component became healthy again: a recovery
// that held (no new failure evidence for `settledMs`) closes the failure before it, so an
// incident is not explained by a crash that was repaired minutes before it began.
import type { Evidence } from "./localization/observation.js";

/** A component healthy this long again (no new failure evidence) has put its earlier failure behind it. */
export const SETTLED_MS = 30_000;

export class EvidenceLog {
  private readonly items = new Map<string, Evidence[]>();
  private readonly recoveries = new Map<string, number[]>();

  constructor(
    private readonly keepMs = 15 * 60_000,
    private readonly maxPerComponent = 50,
    private readonly settledMs = SETTLED_MS,
  ) {}

  add(component: string, evidence: Evidence | null): void {
    if (!evidence) return;
    const list = this.items.get(component) ?? [];
    list.push(evidence);
    if (list.length > this.maxPerComponent) list.splice(0, list.length - this.maxPerComponent);
    this.items.set(component, list);
  }

  /** The component became healthy (or alive) again at `at`. */
  recovered(component: string, at: number): void {
    const list = this.recoveries.get(component) ?? [];
    list.push(at);
    if (list.length > this.maxPerComponent) list.splice(0, list.length - this.maxPerComponent);
    this.recoveries.set(component, list);
  }

  /**
   * The component's evidence observed after `now − keep`, oldest first. With `episodeStart`
   * (an incident's first signal), evidence from before the last recovery that had held for
   * `settledMs` by then is left out: it belongs to an earlier, repaired failure.
   */
  of(component: string, now: number, episodeStart?: number): Evidence[] {
    const list = this.items.get(component);
    if (!list) return [];
    const fresh = list.filter((e) => e.at >= now - this.keepMs);
    if (fresh.length === 0) this.items.delete(component);
    else if (fresh.length !== list.length) this.items.set(component, fresh);
    if (episodeStart === undefined) return fresh;
    const closedAt = this.lastSettledRecovery(component, fresh, episodeStart);
    return closedAt === null ? fresh : fresh.filter((e) => e.at >= closedAt);
  }

  /** The latest recovery at or before `before − settled` that no failure evidence followed within `settled`. */
  private lastSettledRecovery(component: string, evidence: readonly Evidence[], before: number): number | null {
    const recoveries = this.recoveries.get(component) ?? [];
    for (let i = recoveries.length - 1; i >= 0; i--) {
      const at = recoveries[i]!;
      if (at + this.settledMs > before) continue;
      const relapsed = evidence.some((e) => e.kind !== "process-started" && e.at >= at && e.at < at + this.settledMs);
      if (!relapsed) return at;
    }
    return null;
  }
}
