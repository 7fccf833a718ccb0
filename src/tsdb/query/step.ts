// Step alignment for range queries: one point per evaluation time t = from + k·step ≤ to,
// the last point in (t − step, t], as a graph of `step` resolution wants it. Simpler than
// Prometheus' 5-minute lookback: a step with no point of its own stays empty.
import type { Columns } from "../series-store.js";

/** Most evaluation times a query may ask for, per series (Prometheus' limit). */
export const MAX_STEPS = 11_000;

/** Throws a RangeError naming the problem when the step cannot be used for [from, to]. */
export function checkStep(from: number, to: number, step: number): void {
  if (!(Number.isFinite(step) && step > 0)) throw new RangeError(`step must be a positive number of ms, got ${step}`);
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new RangeError("a query with a step needs finite from and to");
  if (to >= from && Math.floor((to - from) / step) + 1 > MAX_STEPS) {
    throw new RangeError(`step ${step}ms gives more than ${MAX_STEPS} points over [${from}, ${to}]; use a larger step`);
  }
}

/** `points` (ascending) reduced to one per step. */
export function stepColumns(points: Columns, from: number, to: number, step: number): Columns {
  const steps = to >= from ? Math.floor((to - from) / step) + 1 : 0;
  const ts = new Float64Array(Math.min(steps, points.ts.length));
  const values = new Float64Array(ts.length);
  let n = 0;
  let i = 0;
  for (let k = 0; k < steps; k++) {
    const t = from + k * step;
    let last = -1;
    while (i < points.ts.length && points.ts[i]! <= t) {
      if (points.ts[i]! > t - step) last = i;
      i++;
    }
    if (last < 0) continue;
    ts[n] = t;
    values[n++] = points.values[last]!;
  }
  // Copying the value through a Float64Array keeps its bits (a NaN payload included).
  return { ts: ts.subarray(0, n), values: values.subarray(0, n) };
}
