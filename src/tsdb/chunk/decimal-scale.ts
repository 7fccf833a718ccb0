// Decimal values stored as integers. A value with few decimal digits (0.23, 41.5) has no
// short binary expansion, so Gorilla's XOR of two of them spends ~50 bits; as integers
// k = v·10^d (23, 24) their XOR is a few bits. The transform is lossless by construction:
// a value is stored as k only when k / 10^d gives back exactly its bits (the division is
// IEEE-754 correctly rounded, so the decoder computes the same double everywhere).

import { MAX_DECIMALS } from "./chunk-format.js";

/** 10^d, exact in a double for d ≤ 22. */
export const POWERS_OF_TEN: readonly number[] = Array.from({ length: MAX_DECIMALS + 1 }, (_, d) => 10 ** d);

/** |k| ≤ 2^51, so that the difference of two k (|Δ| ≤ 2^52) and every partial sum are exact. */
const MAX_SCALED = 2 ** 51;

/**
 * k with k / 10^d === value (same bits), or NaN when `value` is not such a decimal:
 * NaN, ±Inf, -0 and values needing more digits or |k| > 2^51 stay raw.
 */
export function scaleDecimal(value: number, decimals: number): number {
  const power = POWERS_OF_TEN[decimals]!;
  const scaled = Math.round(value * power);
  if (!(Math.abs(scaled) <= MAX_SCALED)) return Number.NaN;
  if (scaled / power !== value) return Number.NaN;
  // 0 / 10^d is +0, so -0 cannot be stored as k.
  if (value === 0 && 1 / value < 0) return Number.NaN;
  return scaled;
}

export function unscaleDecimal(scaled: number, decimals: number): number {
  return scaled / POWERS_OF_TEN[decimals]!;
}

/**
 * The smallest scale ≥ `from` that stores `value` exactly, or -1 when none does.
 * If v = k/10^d exactly then also v = 10k/10^(d+1) (both are the double nearest the same
 * rational), so a chunk's scale only ever needs to grow.
 */
export function smallestScale(value: number, from = 0): number {
  if (!Number.isFinite(value)) return -1;
  for (let d = from; d <= MAX_DECIMALS; d++) if (!Number.isNaN(scaleDecimal(value, d))) return d;
  return -1;
}
