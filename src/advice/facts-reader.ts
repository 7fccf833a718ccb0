// The thin shell that gathers the advisors' facts: the services' topology from the config,
// the window's incidents, availability and journal events from storage, and the active alerts.
import { availabilityReport } from "../availability/availability-report.js";
import { eventsSince, incidentsSince } from "../availability/history-reader.js";
import type { ReportWindow } from "../availability/windows.js";
import type { VigilConfig } from "../config/schema.js";
import type { AlertRecord, Storage } from "../storage/storage.js";
import { ADVICE_EVENT_KINDS, type AdviceFacts } from "./advice.js";

export interface AdviceFactsQuery {
  storage: Storage;
  config: VigilConfig;
  localNode: string;
  activeAlerts: AlertRecord[];
  now: number;
  window: ReportWindow;
}

export async function readAdviceFacts(q: AdviceFactsQuery): Promise<AdviceFacts> {
  const from = q.now - q.window.ms;
  const report = await availabilityReport({ storage: q.storage, config: q.config, localNode: q.localNode, now: q.now, windows: [q.window] });
  return {
    now: q.now,
    window: q.window,
    services: q.config.services.map((s) => ({
      name: s.name,
      node: s.node ?? q.localNode,
      dependsOn: s.dependsOn,
      standby: s.standby ?? [],
      recovery: s.recovery ?? "default",
    })),
    incidents: (await incidentsSince(q.storage, from)).filter((i) => i.firstSignalAt >= from && i.firstSignalAt < q.now),
    availability: [...report.services, ...report.nodes],
    activeAlerts: q.activeAlerts,
    events: await eventsSince(q.storage, ADVICE_EVENT_KINDS, from),
  };
}
