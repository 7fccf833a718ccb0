// The risk score of a node or service (src/detect/forecast/risk.ts) fed from what the
// server knows now: health, firing alerts (threshold, anomaly, forecast), and the last
// 24 hours of incidents and restarts from storage.
import { riskScore, type RiskAssessment, type RiskSignals } from "../detect/forecast/risk.js";
import type { AlertRecord, ServiceHealth, Storage } from "../storage/storage.js";

const LOOK_BACK_MS = 24 * 3_600_000;

export interface RiskSubject {
  kind: "node" | "service";
  name: string;
  health: ServiceHealth;
}

export async function assessRisk(subject: RiskSubject, firing: readonly AlertRecord[], storage: Storage, now: number): Promise<RiskAssessment> {
  const mine = firing.filter((a) => a.state === "firing" && a.labels[subject.kind] === subject.name);
  const count = (severity: string) => mine.filter((a) => a.labels.severity === severity).length;
  const number = (text: string | undefined) => (text === undefined || text === "" ? NaN : Number(text));
  const anomalies = mine
    .filter((a) => Number.isFinite(number(a.annotations.probability)))
    .map((a) => ({ series: a.labels.alertname ?? "anomaly", probability: number(a.annotations.probability) }));
  const forecasts = mine
    .filter((a) => Number.isFinite(number(a.annotations.eta_seconds)) && Number.isFinite(number(a.annotations.confidence)))
    .map((a) => ({ what: a.annotations.summary ?? a.labels.alertname ?? "forecast", etaMs: number(a.annotations.eta_seconds) * 1000, confidence: number(a.annotations.confidence) }));
  const since = now - LOOK_BACK_MS;
  const incidents = (await storage.listIncidents({ limit: 1000 })).filter((i) => i.key === `${subject.kind}:${subject.name}` && i.detectedAt >= since);
  const restarts =
    subject.kind === "service" ? (await storage.listEvents({ kinds: ["process.started"], service: subject.name, since, limit: 10_000 })).length : 0;
  const signals: RiskSignals = {
    health: subject.health,
    firingAlerts: { critical: count("critical"), warning: count("warning"), info: count("info") },
    anomalies,
    forecasts,
    recentIncidents: incidents.length,
    recentRestarts: Math.max(0, restarts - 1), // the first start is not a restart
  };
  return riskScore(signals);
}
