// Order statistics the trend estimators share: the median by selection (expected O(n), no
// full sort) and the median absolute deviation as a robust spread that outliers cannot inflate.

/** 1/Φ⁻¹(3/4): scales a MAD into a standard deviation when the data are normal. */
export const MAD_TO_SIGMA = 1.4826;

/**
 * The median of values[0..count). Reorders `values` in place (Hoare's quickselect with a
 * median-of-three pivot: expected O(n)); pass a copy when the order matters. NaN for count 0.
 */
export function medianInPlace(values: Float64Array | number[], count: number = values.length): number {
  if (count <= 0) return NaN;
  const upper = selectInPlace(values, count, count >> 1);
  if (count % 2 === 1) return upper;
  // Even count: after the selection every element left of count/2 is <= upper, so the lower
  // middle is their maximum.
  let lower = -Infinity;
  for (let i = 0; i < count >> 1; i++) if (values[i]! > lower) lower = values[i]!;
  return (lower + upper) / 2;
}

/** The median of `values`, which are left untouched. */
export function median(values: ArrayLike<number>): number {
  return medianInPlace(Float64Array.from(values));
}

/** Median absolute deviation from the median, MAD = median|xᵢ − median(x)|; NaN when empty. */
export function medianAbsoluteDeviation(values: ArrayLike<number>): number {
  return absoluteDeviations(values, (work) => medianInPlace(work));
}

/**
 * Mean absolute deviation from the median. The stand-in for the MAD where the MAD says
 * nothing: when more than half the values are equal the MAD is 0 however far the rest lie.
 */
export function meanAbsoluteDeviation(values: ArrayLike<number>): number {
  return absoluteDeviations(values, (work) => work.reduce((sum, x) => sum + x, 0) / work.length);
}

function absoluteDeviations(values: ArrayLike<number>, summarize: (deviations: Float64Array) => number): number {
  if (values.length === 0) return NaN;
  const work = Float64Array.from(values);
  const center = medianInPlace(work);
  for (let i = 0; i < work.length; i++) work[i] = Math.abs(values[i]! - center);
  return summarize(work);
}

/** Puts the k-th smallest of values[0..count) at index k, smaller ones left of it; returns it. */
function selectInPlace(values: Float64Array | number[], count: number, k: number): number {
  let left = 0;
  let right = count - 1;
  while (right > left) {
    const mid = (left + right) >>> 1;
    // Median of three as pivot: sorted input (the common case for time series) stays O(n).
    if (values[mid]! < values[left]!) swap(values, mid, left);
    if (values[right]! < values[left]!) swap(values, right, left);
    if (values[right]! < values[mid]!) swap(values, right, mid);
    const pivot = values[mid]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        swap(values, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k]!;
}

function swap(values: Float64Array | number[], a: number, b: number): void {
  const t = values[a]!;
  values[a] = values[b]!;
  values[b] = t;
}
