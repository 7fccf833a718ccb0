// The availability a service would have with a standby on another node, modelled from its
// measured MTBF and outage time. Pure.
//
// Single instance: U = outage / (MTBF + outage), A = 1 − U.
// With a warm standby on an independent node that takes over once a failure is detected:
// the service is down only while both instances are down (probability U², the standby
// failing independently with the same figures), or while a failover is in progress, which
// happens once per failure cycle and lasts T_f:
//     U' = U² + T_f / (MTBF + outage),   A' = 1 − U'
// T_f is the measured mean time to detect (the takeover itself is assumed quick beside it).
// The model ignores common-cause failures (a bug or bad config that fails both instances
// alike), so it is an upper bound for those causes and fits node and host failures best.

export interface StandbyModelInput {
  mtbfMs: number;
  meanOutageMs: number;
  failoverMs: number;
}

export interface StandbyModel {
  singlePercent: number;
  withStandbyPercent: number;
  formula: string;
}

export const STANDBY_FORMULA = "U = outage / (MTBF + outage); with a standby U' = U² + T_f / (MTBF + outage), T_f = MTTD; A = 1 − U";

export function modelStandby(input: StandbyModelInput): StandbyModel | null {
  const { mtbfMs, meanOutageMs, failoverMs } = input;
  if (![mtbfMs, meanOutageMs, failoverMs].every((x) => Number.isFinite(x) && x >= 0)) return null;
  const cycle = mtbfMs + meanOutageMs;
  if (cycle <= 0) return null;
  const u = meanOutageMs / cycle;
  const uStandby = Math.min(1, u * u + failoverMs / cycle);
  return { singlePercent: (1 - u) * 100, withStandbyPercent: (1 - uStandby) * 100, formula: STANDBY_FORMULA };
}
