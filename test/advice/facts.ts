// Hand-made advisor facts for the advice tests: a window ending at a fixed time, services,
// incidents, journal events and alerts built with defaults.
import type { AdviceFacts, ServiceFacts } from "../../src/advice/advice.js";
import type { AlertRecord, IncidentRecord, JournalEvent } from "../../src/storage/storage.js";

export const S = 1000;
export const M = 60 * S;
export const H = 60 * M;
export const D = 24 * H;
export const NOW = 100 * D;

export function facts(over: Partial<AdviceFacts> = {}): AdviceFacts {
  return { now: NOW, window: { label: "7d", ms: 7 * D }, services: [], incidents: [], availability: [], activeAlerts: [], events: [], ...over };
}

export function service(name: string, over: Partial<ServiceFacts> = {}): ServiceFacts {
  return { name, node: "node-a", dependsOn: [], standby: [], recovery: "default", ...over };
}

let nextIncident = 1;
export function incident(key: string, firstSignalAt: number, over: Partial<IncidentRecord> = {}): IncidentRecord {
  const [kind, target] = key.split(":") as ["service" | "node", string];
  return {
    id: nextIncident++,
    key,
    kind,
    target,
    node: "node-a",
    state: "resolved",
    title: `${target} failed`,
    firstSignalAt,
    detectedAt: firstSignalAt + 2 * S,
    recoveredAt: firstSignalAt + M,
    resolvedAt: firstSignalAt + M + 2 * S,
    escalatedAt: null,
    rootCause: null,
    rootKey: null,
    cause: null,
    confidence: null,
    localizedAt: null,
    members: [key],
    updatedAt: firstSignalAt,
    ...over,
  };
}

let nextEvent = 1;
export function event(kind: string, ts: number, over: Partial<JournalEvent> = {}): JournalEvent {
  return { id: nextEvent++, ts, kind, data: {}, ...over };
}

export function alert(labels: Record<string, string>, annotations: Record<string, string>, over: Partial<AlertRecord> = {}): AlertRecord {
  return {
    fingerprint: `fp-${Object.values(labels).join("-")}`,
    labels,
    annotations,
    state: "firing",
    activeAt: NOW - H,
    firedAt: NOW - H,
    resolvedAt: null,
    value: null,
    updatedAt: NOW,
    ...over,
  };
}
