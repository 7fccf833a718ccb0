// The values PromQL expressions evaluate to at one instant: scalars, strings, instant vectors
// (one sample per series) and range vectors (a window of points per series). Labels include
// the metric name as `__name__`.
import type { Labels } from "../tsdb/series-store.js";

export const METRIC_NAME = "__name__";

export interface InstantSample {
  labels: Labels;
  value: number;
}

export interface RangeSeries {
  labels: Labels;
  /** ms, oldest first; views into the loaded columns, not copies. */
  ts: Float64Array;
  values: Float64Array;
}

export interface ScalarValue {
  kind: "scalar";
  value: number;
}

export interface StringValue {
  kind: "string";
  value: string;
}

export interface VectorValue {
  kind: "vector";
  samples: InstantSample[];
}

export interface MatrixValue {
  kind: "matrix";
  series: RangeSeries[];
  /** The window [start, end] (ms) the points were taken from, and its length. */
  start: number;
  end: number;
  rangeMs: number;
}

export type Value = ScalarValue | StringValue | VectorValue | MatrixValue;

export function scalar(value: number): ScalarValue {
  return { kind: "scalar", value };
}

export function vector(samples: InstantSample[]): VectorValue {
  return { kind: "vector", samples };
}

// A range query evaluates the same series' label objects at every step: the derived label
// sets and keys are remembered per object (label objects are never mutated), so that each is
// built once per query rather than once per step.
const withoutName = new WeakMap<Labels, Labels>();
const keys = new WeakMap<Labels, string>();

/** The labels without `__name__` (the same object when there is none). */
export function dropMetricName(labels: Labels): Labels {
  if (!(METRIC_NAME in labels)) return labels;
  let rest = withoutName.get(labels);
  if (rest === undefined) {
    const { [METRIC_NAME]: _name, ...others } = labels;
    withoutName.set(labels, (rest = others));
  }
  return rest;
}

/** A key equal for equal label sets: sorted name/value pairs joined by \xfe and \xff (not valid UTF-8 bytes, rare as characters). */
export function labelsKey(labels: Labels): string {
  let key = keys.get(labels);
  if (key !== undefined) return key;
  const names = Object.keys(labels).sort();
  key = "";
  for (const name of names) key += name + "\xfe" + labels[name] + "\xff";
  keys.set(labels, key);
  return key;
}

/** The key of only the named labels (missing and empty are the same, as in Prometheus). */
export function keyOfLabels(labels: Labels, names: readonly string[]): string {
  let key = "";
  for (const name of names) key += (labels[name] ?? "") + "\xff";
  return key;
}

/** The key of every label except the named ones and `__name__`. */
export function keyWithoutLabels(labels: Labels, names: ReadonlySet<string>): string {
  const kept = Object.keys(labels)
    .filter((n) => n !== METRIC_NAME && !names.has(n))
    .sort();
  let key = "";
  for (const name of kept) key += name + "\xfe" + labels[name] + "\xff";
  return key;
}

/** Labels with empty values removed: Prometheus treats an empty label as absent. */
export function withoutEmpty(labels: Labels): Labels {
  for (const name in labels) {
    if (labels[name] === "") {
      const out: Labels = {};
      for (const n in labels) if (labels[n] !== "") out[n] = labels[n]!;
      return out;
    }
  }
  return labels;
}
