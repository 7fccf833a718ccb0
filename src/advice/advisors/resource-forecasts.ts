// Resources forecast to run out: every firing forecast alert (detect/forecast/; it carries
// forecast_state and eta_seconds annotations) becomes advice with its sentence ("`/` on
// node-a will be full in 37 min (...)") and what to do about that kind of resource.
import type { Advisor, AdviceFacts, AdviceItem } from "../advice.js";
import type { AlertRecord } from "../../storage/storage.js";

/** An ETA this close, or a resource already exhausted, is critical. */
export const URGENT_ETA_MS = 15 * 60_000;

function resourceSuggestion(alert: AlertRecord): string {
  const text = `${alert.labels.alertname ?? ""} ${alert.annotations.summary ?? ""}`.toLowerCase();
  if (/inode/.test(text)) return "remove the many small files filling it (caches, sessions, mail queues) or grow the filesystem";
  if (/disk|filesystem|full|volume|mountpoint|`\//.test(text)) return "free space (log rotation, old data, temporary files) or grow the volume";
  if (/swap/.test(text)) return "find what keeps growing in memory (a leak?) or add memory";
  if (/memory|rss|heap/.test(text)) return "find what keeps growing in memory (a leak?) or raise the limit";
  if (/fd|file.?descriptor|socket|connection/.test(text)) return "look for leaked connections or files, or raise the limit";
  return "act before it runs out: find what consumes it or raise its limit";
}

export const resourceForecasts: Advisor = {
  kind: "resource-forecast",
  advise(facts: AdviceFacts): AdviceItem[] {
    const items: AdviceItem[] = [];
    for (const alert of facts.activeAlerts) {
      const state = alert.annotations.forecast_state;
      if (alert.state !== "firing" || (state !== "exhausting" && state !== "exhausted")) continue;
      const etaSeconds = Number(alert.annotations.eta_seconds);
      const etaMs = Number.isFinite(etaSeconds) ? etaSeconds * 1000 : null;
      const subject = alert.labels.service ? `service:${alert.labels.service}` : alert.labels.node ? `node:${alert.labels.node}` : `alert:${alert.labels.alertname}`;
      const summary = alert.annotations.summary ?? `${alert.labels.alertname} forecasts exhaustion`;
      items.push({
        kind: "resource-forecast",
        severity: state === "exhausted" || (etaMs !== null && etaMs <= URGENT_ETA_MS) ? "critical" : "warning",
        subject,
        message: `${summary}: ${resourceSuggestion(alert)}`,
        evidence: {
          alertname: alert.labels.alertname,
          fingerprint: alert.fingerprint,
          labels: alert.labels,
          etaMs,
          forecastState: state,
          ...(alert.annotations.confidence !== undefined && { confidence: Number(alert.annotations.confidence) }),
        },
      });
    }
    return items;
  },
};
