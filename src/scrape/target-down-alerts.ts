// The built-in TargetDown alert: a target whose scrapes fail (up = 0) for three scrapes in
// a row fires `TargetDown` with the target's labels, like the `up == 0` rule Prometheus
// users write; it resolves at the next good scrape, or when the target is removed from its
// job. Pure: outcomes in, alert observations out.
import type { AlertObservation } from "../alert/alert-lifecycle.js";
import type { ScrapeOutcome } from "./scrape-loop.js";
import type { Target } from "./target.js";

/** Failed scrapes in a row before the alert fires: the first, then two more intervals. */
export const TARGET_DOWN_SCRAPES = 3;

export class TargetDownAlerts {
  /** Targets (by key) last seen down: they owe an inactive observation when they come back. */
  private readonly down = new Set<string>();

  /** The observation a scrape outcome calls for: every failed scrape, and the first good one after. */
  scraped(outcome: ScrapeOutcome, intervalMs: number): AlertObservation | null {
    const { target } = outcome;
    if (outcome.error === null) {
      if (!this.down.delete(target.key)) return null;
      return observation(target, false, `${target.url} is up again`, intervalMs);
    }
    this.down.add(target.key);
    return observation(target, true, `${target.url} (job ${target.job}) cannot be scraped: ${outcome.error}`, intervalMs);
  }

  /** Inactive observations for removed targets that were down. */
  removed(targets: readonly Target[], intervalMs: number): AlertObservation[] {
    return targets.filter((t) => this.down.delete(t.key)).map((t) => observation(t, false, `${t.url} is no longer a target of job ${t.job}`, intervalMs));
  }
}

function observation(target: Target, active: boolean, summary: string, intervalMs: number): AlertObservation {
  return {
    labels: { ...target.labels, alertname: "TargetDown", severity: "warning" },
    annotations: { summary },
    active,
    value: active ? 0 : 1,
    forMs: (TARGET_DOWN_SCRAPES - 1) * intervalMs,
  };
}
