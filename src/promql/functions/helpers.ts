// Shared shapes of PromQL functions: one value per series of a range vector (rate,
// *_over_time), or one per sample of an instant vector (abs, clamp); the metric name dropped
// as Prometheus drops it.
import { dropMetricName, vector, type InstantSample, type MatrixValue, type Value, type VectorValue } from "../values.js";

export function asVector(v: Value): VectorValue {
  if (v.kind !== "vector") throw new TypeError(`expected an instant vector, got ${v.kind}`);
  return v;
}

export function asMatrix(v: Value): MatrixValue {
  if (v.kind !== "matrix") throw new TypeError(`expected a range vector, got ${v.kind}`);
  return v;
}

export function asNumber(v: Value): number {
  if (v.kind !== "scalar") throw new TypeError(`expected a scalar, got ${v.kind}`);
  return v.value;
}

/** One sample per series of the window: `compute` returns undefined to leave a series out. */
export function overRange(
  m: MatrixValue,
  compute: (ts: Float64Array, values: Float64Array) => number | undefined,
  keepMetricName = false,
): VectorValue {
  const out: InstantSample[] = [];
  for (const s of m.series) {
    if (s.ts.length === 0) continue;
    const value = compute(s.ts, s.values);
    if (value !== undefined) out.push({ labels: keepMetricName ? s.labels : dropMetricName(s.labels), value });
  }
  return vector(out);
}

/** Each sample's value mapped, its metric name dropped. */
export function mapSamples(v: Value, f: (value: number) => number): VectorValue {
  return vector(asVector(v).samples.map((s) => ({ labels: dropMetricName(s.labels), value: f(s.value) })));
}
