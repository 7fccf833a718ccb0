// What can keep an alert from being notified without changing the alert itself:
// silences, maintenance windows and inhibition (rules and topology). Each is a MuteStage;
// the notification pipeline asks them at flush time, never the alert's own evaluation, and
// the alerts API shows every reason they give (Alertmanager's silencedBy/inhibitedBy/mutedBy).

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
  /**
   * Every reason the stage has at `now`: each active silence that matches, each open window,
   * each firing alert that inhibits these labels (by its fingerprint). Empty exactly when
   * muted() gives null.
   */
  reasons(labels: Record<string, string>, now: number): MuteReason[];
}

/** Alertmanager's AlertStatus: what the alerts API says about an alert's notifications. */
export interface MuteStatus {
  /** suppressed when any stage mutes it. */
  state: "active" | "suppressed";
  /** Ids of the active silences that match. */
  silencedBy: string[];
  /** Fingerprints of the firing alerts that inhibit it (rules and topology). */
  inhibitedBy: string[];
  /** Names of the open maintenance windows that match (Alertmanager's mute time intervals). */
  mutedBy: string[];
}

/** The first reason any stage gives, or null. */
export function muteReason(stages: readonly MuteStage[], labels: Record<string, string>, now: number): MuteReason | null {
  for (const stage of stages) {
    const reason = stage.muted(labels, now);
    if (reason) return reason;
  }
  return null;
}

/**
 * Every stage's reasons as Alertmanager's AlertStatus. A stage that throws counts as not
 * muting, as it does in the pipeline; `onError` hears of it.
 */
export function muteStatus(
  stages: readonly MuteStage[],
  labels: Record<string, string>,
  now: number,
  onError: (err: unknown, stage: MuteStage) => void = () => {},
): MuteStatus {
  const by = { silence: new Set<string>(), inhibition: new Set<string>(), maintenance: new Set<string>() };
  for (const stage of stages) {
    try {
      for (const reason of stage.reasons(labels, now)) by[reason.kind].add(reason.id);
    } catch (err) {
      onError(err, stage);
    }
  }
  const suppressed = by.silence.size + by.inhibition.size + by.maintenance.size > 0;
  return {
    state: suppressed ? "suppressed" : "active",
    silencedBy: [...by.silence],
    inhibitedBy: [...by.inhibition],
    mutedBy: [...by.maintenance],
  };
}
