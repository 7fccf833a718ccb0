// A component's availability figures over one window, from its condition timeline and the
// incidents it took part in. Pure: the time (`now`, the window's end) is given.
//
//   uptime %   = up / (up + down) × 100 over the observed time (timeline.ts)
//   incidents  = incidents whose first signal falls inside the window (one that began
//                earlier belongs to the window it began in; its down time inside this
//                window still counts against the uptime)
//   MTBF       = up time in the window / incidents            (null with no incident: unbounded)
//   MTTD       = mean(detectedAt − firstSignalAt)               over those incidents
//   MTTR       = mean(recoveredAt − detectedAt)                 over those that recovered
//   outage     = mean(recoveredAt − firstSignalAt) = MTTD + MTTR over those that recovered
//   A          = MTBF / (MTBF + outage) × 100
// A takes the whole outage, detection included, as the repair time: the component is down
// while nobody has noticed too, and with it A agrees with the measured uptime. Incidents
// still open at the window's end count in `incidents` and `openIncidents`, not in the means.
import { incidentFigures } from "../incident/incident-figures.js";
import type { IncidentRecord } from "../storage/storage.js";
import { burnRate, type SloTarget } from "./slo.js";
import { timeInConditions, type ConditionChange } from "./timeline.js";
import type { ReportWindow } from "./windows.js";

export interface WindowFigures {
  window: string;
  windowMs: number;
  from: number;
  to: number;
  upMs: number;
  downMs: number;
  unknownMs: number;
  /** (up + down) / window × 100: how much of the window was observed. */
  observedPercent: number;
  /** null when nothing was observed. */
  uptimePercent: number | null;
  /** Down periods that began in the window (from the health transitions). */
  outages: number;
  incidents: number;
  openIncidents: number;
  /** null: no incident in the window (MTBF is then at least upMs). */
  mtbfMs: number | null;
  mttdMs: number | null;
  mttrMs: number | null;
  meanOutageMs: number | null;
  /** A = MTBF / (MTBF + mean outage) × 100; null without an incident that recovered. */
  availabilityPercent: number | null;
  /** Against the SLO, when one is set: observed error rate / allowed error rate. */
  burnRate?: number | null;
}

export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** A = MTBF / (MTBF + MTTR) as a percentage; null when either is unknown. */
export function steadyStateAvailability(mtbfMs: number | null, repairMs: number | null): number | null {
  if (mtbfMs === null || repairMs === null) return null;
  if (mtbfMs + repairMs === 0) return null;
  return (mtbfMs / (mtbfMs + repairMs)) * 100;
}

export function windowFigures(
  changes: readonly ConditionChange[],
  incidents: readonly IncidentRecord[],
  window: ReportWindow,
  now: number,
  slo?: SloTarget,
): WindowFigures {
  const from = now - window.ms;
  const time = timeInConditions(changes, { from, to: now });
  const inWindow = incidents.filter((i) => i.firstSignalAt >= from && i.firstSignalAt < now);
  const recovered = inWindow.filter((i) => i.recoveredAt !== null);
  const observed = time.upMs + time.downMs;
  const mtbfMs = inWindow.length === 0 ? null : time.upMs / inWindow.length;
  const meanOutageMs = mean(recovered.map((i) => Math.max(0, i.recoveredAt! - i.firstSignalAt)));
  return {
    window: window.label,
    windowMs: window.ms,
    from,
    to: now,
    upMs: time.upMs,
    downMs: time.downMs,
    unknownMs: time.unknownMs,
    observedPercent: window.ms > 0 ? (observed / window.ms) * 100 : 0,
    uptimePercent: observed > 0 ? (time.upMs / observed) * 100 : null,
    outages: time.outagesBegun,
    incidents: inWindow.length,
    openIncidents: inWindow.length - recovered.length,
    mtbfMs,
    mttdMs: mean(inWindow.map((i) => incidentFigures(i).mttdMs)),
    mttrMs: mean(recovered.map((i) => incidentFigures(i).mttrMs!)),
    meanOutageMs,
    availabilityPercent: steadyStateAvailability(mtbfMs, meanOutageMs),
    ...(slo && { burnRate: burnRate(slo, time) }),
  };
}
