// deriv and predict_linear: a least-squares line through the window's points (Prometheus'
// linearRegression: x in seconds from an intercept time, a constant series has slope 0).
import type { PromqlFunction } from "./function.js";
import { asMatrix, asNumber, overRange } from "./helpers.js";

/** Slope (per second) and intercept at `interceptTime` (ms) of the least-squares line. */
export function linearRegression(ts: Float64Array, values: Float64Array, interceptTime: number): { slope: number; intercept: number } {
  const n = ts.length;
  const initY = values[0]!;
  let constY = true;
  let sumX = 0;
  let sumY = 0;
  let sumXY = 0;
  let sumX2 = 0;
  for (let i = 0; i < n; i++) {
    const y = values[i]!;
    if (constY && i > 0 && y !== initY) constY = false;
    const x = (ts[i]! - interceptTime) / 1000;
    sumX += x;
    sumY += y;
    sumXY += x * y;
    sumX2 += x * x;
  }
  if (constY) return Number.isFinite(initY) || Number.isNaN(initY) ? { slope: 0, intercept: initY } : { slope: NaN, intercept: NaN };
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return { slope, intercept: sumY / n - (slope * sumX) / n };
}

export const regressionFunctions: PromqlFunction[] = [
  {
    name: "deriv",
    argTypes: ["matrix"],
    returns: "vector",
    call: ([arg]) => overRange(asMatrix(arg!), (ts, v) => (ts.length < 2 ? undefined : linearRegression(ts, v, ts[0]!).slope)),
  },
  {
    name: "predict_linear",
    argTypes: ["matrix", "scalar"],
    returns: "vector",
    call: ([arg, seconds], ctx) => {
      const duration = asNumber(seconds!);
      return overRange(asMatrix(arg!), (ts, v) => {
        if (ts.length < 2) return undefined;
        const { slope, intercept } = linearRegression(ts, v, ctx.t);
        return slope * duration + intercept;
      });
    },
  },
];
