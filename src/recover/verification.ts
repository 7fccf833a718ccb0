// The verify step: the service must be healthy continuously for `healthyFor`, and that
// must be reached within `within` of the step's start. Pure: health is passed in.

export interface VerifySpec {
  healthyFor: number;
  within: number;
}

export type VerifyOutcome =
  | { outcome: "verified"; healthySince: number }
  | { outcome: "failed"; reason: string }
  | { outcome: "pending"; checkAt: number };

/**
 * @param startedAt when the verify step began
 * @param healthySince start of the current healthy streak, or null when not healthy now
 */
export function evaluateVerification(spec: VerifySpec, startedAt: number, healthySince: number | null, now: number): VerifyOutcome {
  const deadline = startedAt + spec.within;
  if (healthySince !== null) {
    // A healthy streak that began before the repair does not count for it.
    const streakStart = Math.max(healthySince, startedAt);
    const verifiedAt = streakStart + spec.healthyFor;
    if (verifiedAt <= now && verifiedAt <= deadline) return { outcome: "verified", healthySince: streakStart };
    if (verifiedAt <= deadline) return { outcome: "pending", checkAt: verifiedAt };
  }
  if (now >= deadline) {
    return {
      outcome: "failed",
      reason:
        healthySince === null
          ? `not healthy within ${spec.within}ms`
          : `not healthy for ${spec.healthyFor}ms within ${spec.within}ms`,
    };
  }
  return { outcome: "pending", checkAt: deadline };
}
