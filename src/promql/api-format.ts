// Prometheus' HTTP API shapes for query results: times in seconds (float), values as
// strings written as Go's strconv.FormatFloat(v, 'f', -1, 64) does ("NaN", "+Inf", no exponent).
import { formatPlain } from "./aggregate.js";
import type { InstantResult, RangeResultSeries } from "./engine.js";

export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  return formatPlain(v);
}

export function instantData(r: InstantResult, t: number): unknown {
  switch (r.resultType) {
    case "scalar":
      return { resultType: "scalar", result: [t / 1000, formatSampleValue(r.result)] };
    case "string":
      return { resultType: "string", result: [t / 1000, r.result] };
    case "vector":
      return { resultType: "vector", result: r.result.map((s) => ({ metric: s.labels, value: [t / 1000, formatSampleValue(s.value)] })) };
    case "matrix":
      return matrixData(r.result);
  }
}

export function matrixData(series: RangeResultSeries[]): unknown {
  return {
    resultType: "matrix",
    result: series.map((s) => ({ metric: s.labels, values: s.points.map(([t, v]) => [t / 1000, formatSampleValue(v)]) })),
  };
}
