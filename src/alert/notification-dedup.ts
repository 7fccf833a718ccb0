// The dedup decision at an aggregation group's flush, against the notification log: what the
// receiver is told now, if anything, and what the log records afterwards. Alertmanager's
// DedupStage (notify.go needsUpdate), plus "always send resolved": a receiver that was told an
// alert is firing is told when it resolves, even if it was silenced or inhibited in between.
import type { AlertRecord, NotificationLogEntry } from "../storage/storage.js";

export interface DedupInput {
  receiver: string;
  groupKey: string;
  /** The group's alerts as receivers see them: state "firing" or "resolved". */
  alerts: readonly AlertRecord[];
  /** What the receiver was last told about this group; null: never told anything. */
  entry: NotificationLogEntry | null;
  /** Whether a firing alert is muted (silence, maintenance, inhibition) now. */
  isMuted: (alert: AlertRecord) => boolean;
  /** Alerts whose notified form changed without a state change (flapping began or settled). */
  changed: ReadonlySet<string>;
  repeatIntervalMs: number;
  now: number;
}

export interface DedupPlan {
  send: boolean;
  /** The notification's alerts: firing ones not muted, and resolved ones the receiver saw firing. */
  firing: AlertRecord[];
  resolved: AlertRecord[];
  /** Firing alerts left out because they are muted. */
  muted: AlertRecord[];
  /** Resolved alerts that leave the group once this flush is done (sent, or nothing to tell). */
  done: AlertRecord[];
  /** The log entry to store when the notification was queued. */
  entry: NotificationLogEntry;
  reason: "new" | "new-firing" | "resolved" | "changed" | "repeat" | "unchanged" | "nothing";
}

/**
 * Sends when something is new to the receiver: a firing alert it was not told of (a muted one
 * counts only once unmuted), a resolved alert it was told was firing, an alert whose flapping
 * began or ended; or, with firing alerts, when repeatInterval has passed since the last send.
 * An alert that stopped firing only because it got muted is not news; the log goes on
 * counting it as firing, so that its resolved is sent when it comes.
 */
export function planDedup(input: DedupInput): DedupPlan {
  const { entry, now } = input;
  const known = new Set(entry?.firing ?? []);
  const firing: AlertRecord[] = [];
  const muted: AlertRecord[] = [];
  const resolved: AlertRecord[] = [];
  const untold: AlertRecord[] = [];
  for (const alert of input.alerts) {
    if (alert.state === "resolved") (known.has(alert.fingerprint) ? resolved : untold).push(alert);
    else (input.isMuted(alert) ? muted : firing).push(alert);
  }

  const reason: DedupPlan["reason"] =
    firing.length === 0 && resolved.length === 0
      ? "nothing"
      : entry === null
        ? "new"
        : firing.some((a) => !known.has(a.fingerprint))
          ? "new-firing"
          : resolved.length > 0
            ? "resolved"
            : [...firing, ...resolved].some((a) => input.changed.has(a.fingerprint))
              ? "changed"
              : now - entry.sentAt >= input.repeatIntervalMs
                ? "repeat"
                : "unchanged";
  const send = reason !== "nothing" && reason !== "unchanged";
  const stillBelieved = muted.filter((a) => known.has(a.fingerprint));
  return {
    send,
    firing: send ? firing : [],
    resolved: send ? resolved : [],
    muted,
    done: send ? [...resolved, ...untold] : untold,
    entry: {
      receiver: input.receiver,
      groupKey: input.groupKey,
      firing: [...firing, ...stillBelieved].map((a) => a.fingerprint).sort(),
      resolved: resolved.map((a) => a.fingerprint).sort(),
      sentAt: now,
    },
    reason,
  };
}
