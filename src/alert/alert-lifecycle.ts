// The alert state machine as one pure function: pending -> firing once the condition has held
// for `for`, firing -> resolved when it clears; a pending alert that clears is dropped without
// a notification, as in Prometheus. Time comes in as an argument.
import type { AlertRecord } from "../storage/storage.js";
import { alertFingerprint } from "./fingerprint.js";

/** One level-triggered reading of an alert condition: is it true right now? */
export interface AlertObservation {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  active: boolean;
  value: number | null;
  /** How long the condition must hold before the alert fires (0: at once). */
  forMs: number;
}

export type AlertTransition = "pending" | "firing" | "resolved" | "dropped";

export interface AlertStep {
  /** The alert after the observation; null when there is none (never was, or dropped). */
  record: AlertRecord | null;
  transition: AlertTransition | null;
}

export function nextAlertState(current: AlertRecord | undefined, obs: AlertObservation, now: number): AlertStep {
  const live = current !== undefined && current.state !== "resolved" ? current : undefined;

  if (!obs.active) {
    if (live === undefined) return { record: current ?? null, transition: null };
    if (live.state === "pending") return { record: null, transition: "dropped" };
    return { record: { ...live, state: "resolved", resolvedAt: now, updatedAt: now }, transition: "resolved" };
  }

  if (live === undefined) {
    const firesAtOnce = obs.forMs <= 0;
    return {
      record: {
        fingerprint: current?.fingerprint ?? alertFingerprint(obs.labels),
        labels: obs.labels,
        annotations: obs.annotations,
        state: firesAtOnce ? "firing" : "pending",
        activeAt: now,
        firedAt: firesAtOnce ? now : null,
        resolvedAt: null,
        value: obs.value,
        updatedAt: now,
      },
      transition: firesAtOnce ? "firing" : "pending",
    };
  }

  const updated: AlertRecord = { ...live, annotations: obs.annotations, value: obs.value, updatedAt: now };
  if (live.state === "pending" && now - live.activeAt >= obs.forMs) {
    return { record: { ...updated, state: "firing", firedAt: now }, transition: "firing" };
  }
  return { record: updated, transition: null };
}
