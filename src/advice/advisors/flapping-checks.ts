// Flapping checks: alerts that flapped in the window (journal `alert.flapping`), and services
// whose health went unhealthy and back many times within a short while (blips). Either says
// the check is too sensitive or the thing it checks stalls briefly and often.
import type { Advisor, AdviceFacts, AdviceItem } from "../advice.js";
import { formatMs } from "../../availability/format.js";
import type { JournalEvent } from "../../storage/storage.js";

/** An unhealthy period shorter than this is a blip. */
export const BLIP_MS = 60_000;
/** This many blips in the window make a service's check flapping. */
export const MIN_BLIPS = 5;

interface Blips {
  blips: number[];
  transitions: number;
}

/** Per service, the durations of its unhealthy periods shorter than BLIP_MS that ended in the window. */
export function healthBlips(events: readonly JournalEvent[]): Map<string, Blips> {
  const byService = new Map<string, JournalEvent[]>();
  for (const e of events) {
    if (e.kind !== "service.health" || !e.service) continue;
    byService.set(e.service, [...(byService.get(e.service) ?? []), e]);
  }
  const out = new Map<string, Blips>();
  for (const [service, list] of byService) {
    const sorted = [...list].sort((a, b) => a.ts - b.ts || a.id - b.id);
    const blips: number[] = [];
    let unhealthySince: number | null = null;
    for (const e of sorted) {
      if (e.data.to === "unhealthy") unhealthySince ??= e.ts;
      else if (unhealthySince !== null) {
        if (e.ts - unhealthySince < BLIP_MS) blips.push(e.ts - unhealthySince);
        unhealthySince = null;
      }
    }
    out.set(service, { blips, transitions: sorted.length });
  }
  return out;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const flappingChecks: Advisor = {
  kind: "flapping-check",
  advise(facts: AdviceFacts): AdviceItem[] {
    const items: AdviceItem[] = [];
    const flappingServices = new Set<string>();
    for (const [service, { blips, transitions }] of healthBlips(facts.events)) {
      if (blips.length < MIN_BLIPS) continue;
      flappingServices.add(service);
      items.push({
        kind: "flapping-check",
        severity: "warning",
        subject: `service:${service}`,
        message:
          `${service} went unhealthy and recovered within ${formatMs(BLIP_MS)} ${blips.length} times in ${facts.window.label} ` +
          `(median ${formatMs(median(blips))}, ${transitions} health changes): its check may be too strict (raise health.failures or health.timeout) ` +
          `or it stalls briefly and often (GC pauses, an exhausted pool)`,
        evidence: { blips: blips.length, medianBlipMs: median(blips), transitions, blipUnderMs: BLIP_MS, window: facts.window.label },
      });
    }

    const flaps = new Map<string, JournalEvent[]>();
    for (const e of facts.events) {
      const fingerprint = e.data.fingerprint;
      if (e.kind !== "alert.flapping" || typeof fingerprint !== "string") continue;
      flaps.set(fingerprint, [...(flaps.get(fingerprint) ?? []), e]);
    }
    for (const [fingerprint, events] of flaps) {
      const labels = (events[events.length - 1]!.data.labels ?? {}) as Record<string, string>;
      const alertname = labels.alertname ?? "an alert";
      if (alertname === "ServiceDown" && labels.service && flappingServices.has(labels.service)) continue; // said above
      const where = labels.service ? ` for ${labels.service}` : labels.node ? ` on ${labels.node}` : "";
      const fix =
        alertname === "ServiceDown"
          ? `${labels.service ?? "the service"}'s health check passes and fails in turn: raise health.failures / health.successes, or fix what makes it unstable`
          : "its condition hovers at the threshold: give the rule hysteresis (resolveBelow / resolveAbove), a `for:` duration or keepFiringFor";
      items.push({
        kind: "flapping-check",
        severity: "warning",
        subject: labels.service ? `service:${labels.service}` : labels.node ? `node:${labels.node}` : `alert:${alertname}`,
        message: `alert ${alertname}${where} flapped ${events.length} time${events.length === 1 ? "" : "s"} in ${facts.window.label}: ${fix}`,
        evidence: { alertname, fingerprint, labels, flapped: events.length, window: facts.window.label },
      });
    }
    return items;
  },
};
