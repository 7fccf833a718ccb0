// The recent evidence per component ("service:db", "node:node-b"): health transitions,
// process events and liveness verdicts as the localizer reads them, kept for a while
// (default 15 min) and bounded per component, so a localization can look back at how a
// failure began.
import type { Evidence } from "./localization/observation.js";

export class EvidenceLog {
  private readonly items = new Map<string, Evidence[]>();

  constructor(
    private readonly keepMs = 15 * 60_000,
    private readonly maxPerComponent = 50,
  ) {}

  add(component: string, evidence: Evidence | null): void {
    if (!evidence) return;
    const list = this.items.get(component) ?? [];
    list.push(evidence);
    if (list.length > this.maxPerComponent) list.splice(0, list.length - this.maxPerComponent);
    this.items.set(component, list);
  }

  /** The component's evidence observed after `now − keep`, oldest first. */
  of(component: string, now: number): Evidence[] {
    const list = this.items.get(component);
    if (!list) return [];
    const fresh = list.filter((e) => e.at >= now - this.keepMs);
    if (fresh.length === 0) this.items.delete(component);
    else if (fresh.length !== list.length) this.items.set(component, fresh);
    return fresh;
  }
}
