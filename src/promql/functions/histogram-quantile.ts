// histogram_quantile over classic histograms: the `_bucket` series of each label set (le
// dropped) are one histogram; the quantile is interpolated linearly inside the bucket that
// holds its rank (Prometheus' bucketQuantile, with buckets made monotonic first).
import type { PromqlFunction } from "./function.js";
import { asNumber, asVector } from "./helpers.js";
import { dropMetricName, labelsKey, vector, type InstantSample } from "../values.js";
import type { Labels } from "../../tsdb/series-store.js";

interface Bucket {
  upperBound: number;
  count: number;
}

export function bucketQuantile(q: number, input: Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  let buckets = [...input].sort((a, b) => a.upperBound - b.upperBound);
  if (buckets.length === 0 || buckets[buckets.length - 1]!.upperBound !== Infinity) return NaN;
  buckets = coalesce(buckets);
  let max = -Infinity;
  for (const b of buckets) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
  if (buckets.length < 2) return NaN;
  const observations = buckets[buckets.length - 1]!.count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = buckets.length - 1;
  for (let i = 0; i < buckets.length - 1; i++) {
    if (buckets[i]!.count >= rank) {
      b = i;
      break;
    }
  }
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.upperBound;
  if (b === 0 && buckets[0]!.upperBound <= 0) return buckets[0]!.upperBound;
  let bucketStart = 0;
  const bucketEnd = buckets[b]!.upperBound;
  let count = buckets[b]!.count;
  if (b > 0) {
    bucketStart = buckets[b - 1]!.upperBound;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** Buckets with the same upper bound (sorted input) merged by adding their counts. */
function coalesce(buckets: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  for (const b of buckets) {
    const last = out[out.length - 1];
    if (last !== undefined && last.upperBound === b.upperBound) last.count += b.count;
    else out.push({ ...b });
  }
  return out;
}

export const histogramQuantile: PromqlFunction = {
  name: "histogram_quantile",
  argTypes: ["scalar", "vector"],
  returns: "vector",
  call: ([qArg, arg]) => {
    const q = asNumber(qArg!);
    const groups = new Map<string, { labels: Labels; buckets: Bucket[] }>();
    for (const s of asVector(arg!).samples) {
      const le = s.labels.le;
      if (le === undefined) continue;
      const upperBound = parseBound(le);
      if (upperBound === null) continue;
      const { le: _le, ...rest } = dropMetricName(s.labels);
      const key = labelsKey(rest);
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = { labels: rest, buckets: [] }));
      group.buckets.push({ upperBound, count: s.value });
    }
    const out: InstantSample[] = [];
    for (const g of groups.values()) out.push({ labels: g.labels, value: bucketQuantile(q, g.buckets) });
    return vector(out);
  },
};

/** An `le` value as Go's ParseFloat reads it ("+Inf", "0.5", "1e3"); null when it is not a number. */
function parseBound(text: string): number | null {
  const t = text.trim();
  if (/^[+]?inf(inity)?$/i.test(t)) return Infinity;
  if (/^-inf(inity)?$/i.test(t)) return -Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) && !/^[-+]?0[xX][0-9a-fA-F]+$/.test(t)) return null;
  return Number(t);
}
