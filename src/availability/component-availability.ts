// A component's (service's or node's) availability report: its figures over each window
// and, when it has an SLO, the error budget of the SLO window. Pure.
import type { IncidentRecord } from "../storage/storage.js";
import { windowFigures, type WindowFigures } from "./figures.js";
import { errorBudget, type ErrorBudget, type SloTarget } from "./slo.js";
import { timeInConditions, type ConditionChange } from "./timeline.js";
import type { ReportWindow } from "./windows.js";

/** What the figures of one component are computed from (read by history-reader.ts). */
export interface ComponentHistory {
  kind: "service" | "node";
  name: string;
  /** A service's node. */
  node?: string | null;
  changes: ConditionChange[];
  /** Incidents it took part in: its own, and those it was correlated into as a member. */
  incidents: IncidentRecord[];
  slo?: SloTarget;
}

export interface ComponentAvailability {
  kind: "service" | "node";
  name: string;
  node?: string | null;
  /** Present (null without an `slo:`) for services. */
  slo?: ErrorBudget | null;
  windows: WindowFigures[];
}

/** "service:api": the key incidents use for a component. */
export function componentKey(kind: "service" | "node", name: string): string {
  return `${kind}:${name}`;
}

/** Did the incident concern this component: its own incident, or one it was correlated into? */
export function incidentConcerns(incident: IncidentRecord, key: string): boolean {
  return incident.key === key || incident.members.includes(key);
}

export function componentAvailability(history: ComponentHistory, windows: readonly ReportWindow[], now: number): ComponentAvailability {
  const figures = windows.map((w) => windowFigures(history.changes, history.incidents, w, now, history.slo));
  const budget = history.slo ? errorBudget(history.slo, timeInConditions(history.changes, { from: now - history.slo.windowMs, to: now })) : null;
  return {
    kind: history.kind,
    name: history.name,
    ...(history.kind === "service" && { node: history.node ?? null, slo: budget }),
    windows: figures,
  };
}

/** How far back the journal must be read for these windows and SLOs. */
export function lookBackMs(windows: readonly ReportWindow[], slos: readonly (SloTarget | undefined)[]): number {
  return Math.max(0, ...windows.map((w) => w.ms), ...slos.map((s) => s?.windowMs ?? 0));
}
