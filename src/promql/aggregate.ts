// Aggregation operators over an instant vector, grouped `by` or `without` labels: sum, avg,
// min, max, count, group, stddev, stdvar, quantile, topk, bottomk, count_values. Figures
// are computed as Prometheus 2.x computes them (incremental mean, Welford's variance).
import type { AggregateExpr } from "./ast.js";
import { quantile } from "./functions/quantile.js";
import { keyOfLabels, keyWithoutLabels, METRIC_NAME, type InstantSample } from "./values.js";
import type { Labels } from "../tsdb/series-store.js";

interface Group {
  labels: Labels;
  value: number;
  mean: number;
  count: number;
  values: number[];
  samples: InstantSample[];
}

export function aggregate(e: AggregateExpr, samples: readonly InstantSample[], param: number | string | undefined): InstantSample[] {
  if ((e.op === "topk" || e.op === "bottomk") && (param as number) < 1) return [];
  const groupKey = e.without ? withoutKey(new Set([...e.grouping, METRIC_NAME])) : byKey([...e.grouping].sort());
  const groups = new Map<string, Group>();
  const order: Group[] = [];
  for (const s of samples) {
    const key = groupKey(s.labels);
    let g = groups.get(key);
    if (g === undefined) {
      g = { labels: groupLabels(e, s.labels), value: s.value, mean: s.value, count: 1, values: [s.value], samples: [s] };
      if (e.op === "stddev" || e.op === "stdvar") g.value = 0;
      groups.set(key, g);
      order.push(g);
      continue;
    }
    add(e, g, s);
  }
  if (e.op === "count_values") return countValues(order, param as string);
  const out: InstantSample[] = [];
  for (const g of order) {
    switch (e.op) {
      case "topk":
      case "bottomk":
        out.push(...selectK(g.samples, Math.floor(param as number), e.op === "topk"));
        continue;
      case "avg":
        out.push({ labels: g.labels, value: g.mean });
        continue;
      case "count":
        out.push({ labels: g.labels, value: g.count });
        continue;
      case "group":
        out.push({ labels: g.labels, value: 1 });
        continue;
      case "stdvar":
        out.push({ labels: g.labels, value: g.value / g.count });
        continue;
      case "stddev":
        out.push({ labels: g.labels, value: Math.sqrt(g.value / g.count) });
        continue;
      case "quantile":
        out.push({ labels: g.labels, value: quantile(param as number, g.values) });
        continue;
      default:
        out.push({ labels: g.labels, value: g.value });
    }
  }
  return out;
}

function add(e: AggregateExpr, g: Group, s: InstantSample): void {
  const v = s.value;
  switch (e.op) {
    case "sum":
      g.value += v;
      break;
    case "avg":
      g.count++;
      if (!Number.isFinite(g.mean) && !Number.isNaN(g.mean)) {
        if (!Number.isFinite(v) && !Number.isNaN(v) && g.mean > 0 === v > 0) break;
        if (Number.isFinite(v)) break;
      }
      // Both terms divided by the count first, so that large values do not overflow.
      g.mean += v / g.count - g.mean / g.count;
      break;
    case "min":
      if (g.value > v || Number.isNaN(g.value)) g.value = v;
      break;
    case "max":
      if (g.value < v || Number.isNaN(g.value)) g.value = v;
      break;
    case "count":
    case "group":
      g.count++;
      break;
    case "stddev":
    case "stdvar": {
      g.count++;
      const delta = v - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (v - g.mean);
      break;
    }
    case "quantile":
      g.values.push(v);
      break;
    case "topk":
    case "bottomk":
    case "count_values":
      g.samples.push(s);
      break;
  }
}

function byKey(names: string[]): (labels: Labels) => string {
  return (labels) => keyOfLabels(labels, names);
}

function withoutKey(names: Set<string>): (labels: Labels) => string {
  return (labels) => keyWithoutLabels(labels, names);
}

function groupLabels(e: AggregateExpr, labels: Labels): Labels {
  const out: Labels = {};
  if (e.without) {
    for (const name in labels) if (name !== METRIC_NAME && !e.grouping.includes(name)) out[name] = labels[name]!;
  } else {
    for (const name of e.grouping) if (labels[name] !== undefined && labels[name] !== "") out[name] = labels[name]!;
  }
  return out;
}

/** The k largest (topk) or smallest samples, with their own labels; NaN counts as the least wanted. */
function selectK(samples: InstantSample[], k: number, largest: boolean): InstantSample[] {
  const sorted = [...samples].sort((a, b) => {
    if (Number.isNaN(a.value)) return Number.isNaN(b.value) ? 0 : 1;
    if (Number.isNaN(b.value)) return -1;
    return largest ? b.value - a.value : a.value - b.value;
  });
  return sorted.slice(0, k);
}

function countValues(groups: Group[], label: string): InstantSample[] {
  const out = new Map<string, InstantSample>();
  for (const g of groups) {
    for (const s of g.samples) {
      const value = formatCountValue(s.value);
      const labels = { ...g.labels, [label]: value };
      const key = keyOfLabels(labels, Object.keys(labels).sort()) + "\x00" + Object.keys(labels).sort().join(",");
      const seen = out.get(key);
      if (seen !== undefined) seen.value++;
      else out.set(key, { labels, value: 1 });
    }
  }
  return [...out.values()];
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64), as count_values labels values. */
function formatCountValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  return formatPlain(v);
}

/** Shortest round-trip digits written without an exponent. */
export function formatPlain(v: number): string {
  const s = String(v);
  if (!s.includes("e")) return s;
  const [mantissa, expText] = s.split("e") as [string, string];
  const exp = Number(expText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const pointAt = (mantissa.replace("-", "").indexOf(".") === -1 ? mantissa.replace("-", "").length : mantissa.replace("-", "").indexOf(".")) + exp;
  let out: string;
  if (pointAt <= 0) out = "0." + "0".repeat(-pointAt) + digits;
  else if (pointAt >= digits.length) out = digits + "0".repeat(pointAt - digits.length);
  else out = digits.slice(0, pointAt) + "." + digits.slice(pointAt);
  return (negative ? "-" : "") + out;
}
