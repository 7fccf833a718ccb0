// A service's health over a time range as a strip of segments (up, down, unknown), read off
// its journalled `service.health` transitions. Pure: the caller reads the events.

export type StripState = "healthy" | "unhealthy" | "unknown";

export interface HealthTransitionEvent {
  ts: number;
  from: StripState;
  to: StripState;
}

export interface StripSegment {
  from: number;
  to: number;
  state: StripState;
}

export interface HealthStrip {
  segments: StripSegment[];
  /** Share of the range spent healthy, unhealthy and unknown, in 0..1. */
  shares: Record<StripState, number>;
}

/**
 * Segments covering [from, to]: before the first transition in range the service was in that
 * transition's `from` state (or in `current` when nothing changed in range). Transitions must
 * be in time order; those outside the range only matter through their neighbours.
 */
export function healthStrip(transitions: readonly HealthTransitionEvent[], current: StripState, from: number, to: number): HealthStrip {
  const inRange = transitions.filter((t) => t.ts > from && t.ts <= to);
  const segments: StripSegment[] = [];
  let state: StripState = inRange[0]?.from ?? current;
  let start = from;
  for (const t of inRange) {
    if (t.to === state) continue;
    if (t.ts > start) segments.push({ from: start, to: t.ts, state });
    state = t.to;
    start = t.ts;
  }
  if (to > start) segments.push({ from: start, to, state });
  const shares: Record<StripState, number> = { healthy: 0, unhealthy: 0, unknown: 0 };
  const span = to - from;
  if (span > 0) for (const s of segments) shares[s.state] += (s.to - s.from) / span;
  return { segments, shares };
}
