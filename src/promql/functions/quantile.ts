// The φ-quantile of a set of values as Prometheus computes it for quantile() and
// quantile_over_time(): linear interpolation between the closest ranks, NaN sorted first.

export function quantile(q: number, input: ArrayLike<number>): number {
  const n = input.length;
  if (n === 0) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const values = Array.from(input).sort((a, b) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : Number.isNaN(b) ? 1 : a - b));
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower]! * (1 - weight) + values[upper]! * weight;
}
