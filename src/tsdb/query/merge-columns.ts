// Merging the points of one series read from two places (two replicas' stores, when the
// node that sends it moved between them mid-range): by timestamp, oldest first, a timestamp
// present in both kept once (the first argument's point). Values are copied as raw 64-bit
// words, never through a JS number, so NaN payloads (staleness markers) stay exact.
import type { Columns } from "../series-store.js";

const EMPTY: Columns = { ts: new Float64Array(0), values: new Float64Array(0) };

/** The union of `a` and `b` (each ascending by ts) by timestamp; on equal timestamps `a` wins. */
export function mergeColumns(a: Columns, b: Columns): Columns {
  if (b.ts.length === 0) return a;
  if (a.ts.length === 0) return b;
  // Disjoint in time (the usual case: a node moved once): two block copies.
  if (a.ts[a.ts.length - 1]! < b.ts[0]!) return concat(a, b);
  if (b.ts[b.ts.length - 1]! < a.ts[0]!) return concat(b, a);
  const ts = new Float64Array(a.ts.length + b.ts.length);
  const values = new Float64Array(ts.length);
  const out = words(values);
  const aw = words(a.values);
  const bw = words(b.values);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.ts.length || j < b.ts.length) {
    const ta = i < a.ts.length ? a.ts[i]! : Infinity;
    const tb = j < b.ts.length ? b.ts[j]! : Infinity;
    if (ta <= tb) {
      ts[n] = ta;
      out[2 * n] = aw[2 * i]!;
      out[2 * n + 1] = aw[2 * i + 1]!;
      i++;
      if (tb === ta) j++;
    } else {
      ts[n] = tb;
      out[2 * n] = bw[2 * j]!;
      out[2 * n + 1] = bw[2 * j + 1]!;
      j++;
    }
    n++;
  }
  return { ts: ts.subarray(0, n), values: values.subarray(0, n) };
}

/** The points of `c` with ts in [from, to] (a view, no copy). */
export function sliceColumns(c: Columns, from: number, to: number): Columns {
  let lo = 0;
  let hi = c.ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (c.ts[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  hi = c.ts.length;
  while (end < hi) {
    const mid = (end + hi) >>> 1;
    if (c.ts[mid]! <= to) end = mid + 1;
    else hi = mid;
  }
  if (lo === 0 && end === c.ts.length) return c;
  if (end <= lo) return EMPTY;
  return { ts: c.ts.subarray(lo, end), values: c.values.subarray(lo, end) };
}

/** True when ts is strictly ascending (what merging and the query readers assume). */
export function isAscending(ts: Float64Array): boolean {
  for (let i = 1; i < ts.length; i++) if (!(ts[i - 1]! < ts[i]!)) return false;
  return true;
}

function concat(first: Columns, second: Columns): Columns {
  const ts = new Float64Array(first.ts.length + second.ts.length);
  const values = new Float64Array(ts.length);
  ts.set(first.ts);
  ts.set(second.ts, first.ts.length);
  // TypedArray.set copies bytes: NaN payloads survive.
  values.set(first.values);
  values.set(second.values, first.values.length);
  return { ts, values };
}

/** The 32-bit words of a float64 column (two per value, in memory order). */
function words(column: Float64Array): Uint32Array {
  return new Uint32Array(column.buffer, column.byteOffset, column.length * 2);
}
