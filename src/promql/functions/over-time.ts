// The *_over_time functions: one figure of each series' points in the window.
import type { PromqlFunction } from "./function.js";
import { asMatrix, asNumber, overRange } from "./helpers.js";
import { quantile } from "./quantile.js";

/** Incremental mean (Prometheus' avg_over_time: no overflow for large values; infinities kept). */
function mean(values: Float64Array): number {
  let m = 0;
  let count = 0;
  for (const v of values) {
    count++;
    if (!Number.isFinite(m) && !Number.isNaN(m)) {
      if (!Number.isFinite(v) && !Number.isNaN(v) && m > 0 === v > 0) continue;
      if (Number.isFinite(v)) continue;
    }
    m += v / count - m / count;
  }
  return m;
}

/** Population variance with Welford's update, each sum Kahan-compensated. */
function variance(values: Float64Array): number {
  let count = 0;
  let m = 0;
  let cM = 0;
  let aux = 0;
  let cAux = 0;
  for (const v of values) {
    count++;
    const delta = v - (m + cM);
    [m, cM] = kahanAdd(delta / count, m, cM);
    [aux, cAux] = kahanAdd(delta * (v - (m + cM)), aux, cAux);
  }
  return (aux + cAux) / count;
}

function kahanAdd(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  return [t, c];
}

function simple(name: string, figure: (values: Float64Array) => number, keepMetricName = false): PromqlFunction {
  return { name, argTypes: ["matrix"], returns: "vector", call: ([arg]) => overRange(asMatrix(arg!), (_ts, v) => figure(v), keepMetricName) };
}

export const overTimeFunctions: PromqlFunction[] = [
  simple("avg_over_time", mean),
  simple("min_over_time", (values) => {
    let min = values[0]!;
    for (const v of values) if (v < min || Number.isNaN(min)) min = v;
    return min;
  }),
  simple("max_over_time", (values) => {
    let max = values[0]!;
    for (const v of values) if (v > max || Number.isNaN(max)) max = v;
    return max;
  }),
  simple("sum_over_time", (values) => {
    let sum = 0;
    for (const v of values) sum += v;
    return sum;
  }),
  simple("count_over_time", (values) => values.length),
  simple("last_over_time", (values) => values[values.length - 1]!, true),
  simple("present_over_time", () => 1),
  simple("stddev_over_time", (values) => Math.sqrt(variance(values))),
  simple("stdvar_over_time", variance),
  simple("changes", (values) => {
    let changes = 0;
    for (let i = 1; i < values.length; i++) if (values[i] !== values[i - 1] && !(Number.isNaN(values[i]!) && Number.isNaN(values[i - 1]!))) changes++;
    return changes;
  }),
  simple("resets", (values) => {
    let resets = 0;
    for (let i = 1; i < values.length; i++) if (values[i]! < values[i - 1]!) resets++;
    return resets;
  }),
  {
    name: "quantile_over_time",
    argTypes: ["scalar", "matrix"],
    returns: "vector",
    call: ([q, arg]) => {
      const phi = asNumber(q!);
      return overRange(asMatrix(arg!), (_ts, v) => quantile(phi, v));
    },
  },
];
