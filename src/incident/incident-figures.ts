// Incident figures from its record: time to detect (first failing observation →
// detection), time to localize (first failing observation → the first localization) and
// time to recover (detection → the start of the verified healthy period).
import type { IncidentRecord } from "../storage/storage.js";

export interface IncidentFigures {
  mttdMs: number;
  mttlMs: number | null;
  mttrMs: number | null;
  /** Detection → resolution (includes the verification period). */
  timeToResolveMs: number | null;
}

export function incidentFigures(incident: IncidentRecord): IncidentFigures {
  return {
    mttdMs: Math.max(0, incident.detectedAt - incident.firstSignalAt),
    mttlMs: incident.localizedAt === null ? null : Math.max(0, incident.localizedAt - incident.firstSignalAt),
    mttrMs: incident.recoveredAt === null ? null : Math.max(0, incident.recoveredAt - incident.detectedAt),
    timeToResolveMs: incident.resolvedAt === null ? null : Math.max(0, incident.resolvedAt - incident.detectedAt),
  };
}
