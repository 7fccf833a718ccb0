// What can keep an alert from being notified without changing the alert itself:
// silences, maintenance windows and inhibition (rules and topology). Each is a MuteStage;
// the notification pipeline asks them at flush time, never the alert's own evaluation.

export interface MuteReason {
  kind: "silence" | "maintenance" | "inhibition";
  /** The silence id, the window's name, the inhibiting alert's fingerprint. */
  id: string;
  /** For people: "silenced by 12 (alice: db migration)". */
  detail: string;
}

export interface MuteStage {
  readonly kind: MuteReason["kind"];
  /** Why these labels are muted at `now`, or null when they are not. */
  muted(labels: Record<string, string>, now: number): MuteReason | null;
}

/** The first reason any stage gives, or null. */
export function muteReason(stages: readonly MuteStage[], labels: Record<string, string>, now: number): MuteReason | null {
  for (const stage of stages) {
    const reason = stage.muted(labels, now);
    if (reason) return reason;
  }
  return null;
}
