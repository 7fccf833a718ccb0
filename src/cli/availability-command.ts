// `vigil availability`: uptime, incidents, MTBF / MTTD / MTTR, A and SLO error budgets per
// service and node from a running server (GET /api/v1/availability), as tables or --json.
import type { ComponentAvailability } from "../availability/component-availability.js";
import type { AvailabilityReport } from "../availability/availability-report.js";
import { formatMs, formatPercent } from "../availability/format.js";
import { apiGet, formatTable } from "./api-get.js";
import { apiTarget, type ClientFlags } from "./options.js";

export interface AvailabilityFlags extends ClientFlags {
  window?: string;
  service?: string;
  node?: string;
}

export async function availabilityCommand(flags: AvailabilityFlags): Promise<number> {
  const target = apiTarget(flags);
  const params = new URLSearchParams();
  if (flags.window !== undefined) params.set("window", flags.window);
  if (flags.service !== undefined) params.set("service", flags.service);
  if (flags.node !== undefined) params.set("node", flags.node);
  const query = params.size > 0 ? `?${params}` : "";
  const report = await apiGet<AvailabilityReport>("availability", target, `/api/v1/availability${query}`);
  if (report === null) return 1;
  if (flags.json) {
    console.log(JSON.stringify(report, null, 2));
    return 0;
  }
  const sections: string[] = [];
  if (report.services.length > 0) sections.push(`Services\n${servicesTable(report.services)}`);
  if (report.nodes.length > 0) sections.push(`Nodes\n${nodesTable(report.nodes)}`);
  if (sections.length === 0) sections.push("No services or nodes to report on.");
  sections.push(
    "UPTIME is over the observed time (OBSERVED: its share of the window); A = MTBF / (MTBF + mean outage); " +
      "BUDGET LEFT is of the SLO's own window; BURN = error rate / allowed error rate over the row's window.",
  );
  console.log(sections.join("\n\n"));
  return 0;
}

function common(c: ComponentAvailability, w: ComponentAvailability["windows"][number]): string[] {
  const incidents = w.openIncidents > 0 ? `${w.incidents} (${w.openIncidents} open)` : String(w.incidents);
  return [
    w.window,
    formatPercent(w.uptimePercent),
    `${w.observedPercent.toFixed(0)}%`,
    incidents,
    w.incidents === 0 && w.upMs > 0 ? `>${formatMs(w.upMs)}` : formatMs(w.mtbfMs),
    formatMs(w.mttdMs),
    formatMs(w.mttrMs),
    formatPercent(w.availabilityPercent),
  ];
}

function servicesTable(services: ComponentAvailability[]): string {
  const rows = [["SERVICE", "NODE", "WINDOW", "UPTIME", "OBSERVED", "INCIDENTS", "MTBF", "MTTD", "MTTR", "A", "SLO", "BUDGET LEFT", "BURN"]];
  for (const s of services) {
    for (const w of s.windows) {
      const slo = s.slo;
      rows.push([
        s.name,
        s.node ?? "-",
        ...common(s, w),
        slo ? `${slo.targetPercent}%/${formatMs(slo.windowMs)}` : "-",
        slo ? budgetLeft(slo.remaining, slo.remainingMs) : "-",
        w.burnRate === undefined || w.burnRate === null ? "-" : w.burnRate.toFixed(2),
      ]);
    }
  }
  return formatTable(rows);
}

function budgetLeft(remaining: number | null, remainingMs: number | null): string {
  if (remaining === null || remainingMs === null) return "-";
  if (remaining < 0) return `overspent ${formatMs(-remainingMs)}`;
  return `${(remaining * 100).toFixed(0)}% (${formatMs(remainingMs)})`;
}

function nodesTable(nodes: ComponentAvailability[]): string {
  const rows = [["NODE", "WINDOW", "UPTIME", "OBSERVED", "INCIDENTS", "MTBF", "MTTD", "MTTR", "A"]];
  for (const n of nodes) for (const w of n.windows) rows.push([n.name, ...common(n, w)]);
  return formatTable(rows);
}
