// The availability report of a server: reads the histories (history-reader.ts) and computes
// every component's figures (component-availability.ts) for the given windows at `now`.
import type { VigilConfig } from "../config/schema.js";
import type { Storage } from "../storage/storage.js";
import { componentAvailability, lookBackMs, type ComponentAvailability } from "./component-availability.js";
import { readHistories } from "./history-reader.js";
import type { ReportWindow } from "./windows.js";

export interface AvailabilityReport {
  generatedAt: number;
  windows: string[];
  services: ComponentAvailability[];
  nodes: ComponentAvailability[];
}

export interface AvailabilityReportQuery {
  storage: Storage;
  config: VigilConfig;
  localNode: string;
  now: number;
  windows: readonly ReportWindow[];
  service?: string;
  node?: string;
}

export async function availabilityReport(q: AvailabilityReportQuery): Promise<AvailabilityReport> {
  const slos = q.config.services.map((s) => (s.slo ? { targetPercent: s.slo.target, windowMs: s.slo.window } : undefined));
  const histories = await readHistories({
    storage: q.storage,
    config: q.config,
    localNode: q.localNode,
    now: q.now,
    lookBackMs: lookBackMs(q.windows, slos),
    ...(q.service !== undefined && { service: q.service }),
    ...(q.node !== undefined && { node: q.node }),
  });
  const reports = histories.map((h) => componentAvailability(h, q.windows, q.now));
  return {
    generatedAt: q.now,
    windows: q.windows.map((w) => w.label),
    services: reports.filter((r) => r.kind === "service"),
    nodes: reports.filter((r) => r.kind === "node"),
  };
}
