// The alert state machine as one pure function: pending -> firing once the condition has held
// for `for`, firing -> resolved when it clears (after `keepFiringFor`, if set); a pending alert
// that clears is dropped without a notification, as in Prometheus. Time comes in as an argument.
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
  /**
   * How long a firing alert keeps firing after its condition cleared (Prometheus'
   * keep_firing_for); 0 or absent: it resolves at the first inactive observation.
   */
  keepFiringMs?: number;
  /**
   * When the sample this observation reads reached the server (ms), for observations made as
   * samples arrive; journalled with the firing/resolved event so its latency can be traced.
   */
  sampleReceivedAt?: number;
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
    // keepFiringFor counts from the first inactive observation; the deadline is stored on the
    // alert, so a later observation (or a restart) keeps the promise made then.
    const keepMs = obs.keepFiringMs ?? 0;
    const keepUntil = live.keepFiringUntil ?? (keepMs > 0 ? now + keepMs : null);
    if (keepUntil !== null && now < keepUntil) {
      if (live.keepFiringUntil === keepUntil) return { record: live, transition: null };
      return { record: { ...live, keepFiringUntil: keepUntil, updatedAt: now }, transition: null };
    }
    return { record: { ...withoutKeepFiring(live), state: "resolved", resolvedAt: now, updatedAt: now }, transition: "resolved" };
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

  // Active again while kept firing: the alert simply goes on firing, with no deadline.
  const updated: AlertRecord = { ...withoutKeepFiring(live), annotations: obs.annotations, value: obs.value, updatedAt: now };
  if (live.state === "pending" && now - live.activeAt >= obs.forMs) {
    return { record: { ...updated, state: "firing", firedAt: now }, transition: "firing" };
  }
  return { record: updated, transition: null };
}

/** The record with no keepFiringFor deadline (the field is absent, as on alerts that never had one). */
function withoutKeepFiring(record: AlertRecord): AlertRecord {
  const { keepFiringUntil: _deadline, ...rest } = record;
  return rest;
}
