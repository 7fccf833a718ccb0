// rate, increase, delta (extrapolated to the window's edges exactly as Prometheus 2.x does:
// promql/functions.go extrapolatedRate) and irate, idelta (the last two points only).
import type { PromqlFunction } from "./function.js";
import { asMatrix, overRange } from "./helpers.js";
import type { MatrixValue } from "../values.js";

/**
 * The change over the window: last − first (plus every counter reset's pre-reset value for
 * counters), scaled from the sampled interval to the window. Each end is extrapolated to the
 * window's edge when the gap is below 1.1 × the mean sample spacing, otherwise by half a
 * spacing; a counter is not extrapolated below zero. Needs two points.
 */
export function extrapolatedChange(m: MatrixValue, ts: Float64Array, values: Float64Array, isCounter: boolean, isRate: boolean): number | undefined {
  const n = ts.length;
  if (n < 2) return undefined;
  const firstT = ts[0]!;
  const lastT = ts[n - 1]!;
  let result = values[n - 1]! - values[0]!;
  if (isCounter) {
    let last = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (v < last) result += last;
      last = v;
    }
  }
  let durationToStart = (firstT - m.start) / 1000;
  const durationToEnd = (m.end - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageSpacing = sampledInterval / (n - 1);
  if (isCounter && result > 0 && values[0]! >= 0) {
    const durationToZero = sampledInterval * (values[0]! / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageSpacing * 1.1;
  let interval = sampledInterval;
  interval += durationToStart < threshold ? durationToStart : averageSpacing / 2;
  interval += durationToEnd < threshold ? durationToEnd : averageSpacing / 2;
  let factor = interval / sampledInterval;
  if (isRate) factor /= m.rangeMs / 1000;
  return result * factor;
}

/** The last two points: their difference (a counter reset counts the new value), per second for irate. */
function instantChange(ts: Float64Array, values: Float64Array, isRate: boolean): number | undefined {
  const n = ts.length;
  if (n < 2) return undefined;
  const last = values[n - 1]!;
  const previous = values[n - 2]!;
  const result = isRate && last < previous ? last : last - previous;
  const interval = ts[n - 1]! - ts[n - 2]!;
  if (interval === 0) return undefined;
  return isRate ? result / (interval / 1000) : result;
}

function extrapolating(name: string, isCounter: boolean, isRate: boolean): PromqlFunction {
  return {
    name,
    argTypes: ["matrix"],
    returns: "vector",
    call: ([arg]) => {
      const m = asMatrix(arg!);
      return overRange(m, (ts, values) => extrapolatedChange(m, ts, values, isCounter, isRate));
    },
  };
}

function instant(name: string, isRate: boolean): PromqlFunction {
  return { name, argTypes: ["matrix"], returns: "vector", call: ([arg]) => overRange(asMatrix(arg!), (ts, v) => instantChange(ts, v, isRate)) };
}

export const rateFunctions: PromqlFunction[] = [
  extrapolating("rate", true, true),
  extrapolating("increase", true, false),
  extrapolating("delta", false, false),
  instant("irate", true),
  instant("idelta", false),
];
