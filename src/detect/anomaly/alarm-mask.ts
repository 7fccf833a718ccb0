// Masking after an alarm: one anomaly should raise one alarm, not one per point. For
// `maskPoints` points after an alarm, evidence no stronger than the alarm's surprise plus
// `margin` is held back; stronger evidence gets through and becomes the new alarm.

export class AlarmMask {
  private lastAlarmPoint = -Infinity;
  private lastAlarmSurprise = -Infinity;

  constructor(
    private readonly maskPoints: number,
    private readonly margin: number,
    /** Surprise (decades) from which a point counts as an alarm. */
    private readonly alarmSurprise: number,
  ) {}

  /** The surprise to report for point number `point`: -Infinity when it is masked. */
  filter(point: number, surprise: number): number {
    if (point - this.lastAlarmPoint < this.maskPoints && surprise <= this.lastAlarmSurprise + this.margin) return -Infinity;
    if (surprise >= this.alarmSurprise) {
      this.lastAlarmPoint = point;
      this.lastAlarmSurprise = surprise;
    }
    return surprise;
  }
}
