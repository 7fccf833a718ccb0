// How availability figures are written for people: percentages with as many decimals as
// the unavailability needs (99.2%, 99.98%, 99.9995%), durations, and "∞" for unbounded.
import { formatDuration } from "../util/duration.js";

/** 99.17 → "99.2%", 99.9815 → "99.98%", 100 → "100%": the first significant digit of 100 − p shows. */
export function formatPercent(percent: number | null | undefined): string {
  if (percent === null || percent === undefined || !Number.isFinite(percent)) return "-";
  const down = 100 - percent;
  if (down <= 0) return "100%";
  const decimals = Math.min(6, Math.max(1, Math.ceil(-Math.log10(down))));
  const text = percent.toFixed(decimals);
  // Rounding must not claim 100% for something that was down.
  return text === (100).toFixed(decimals) ? `${(100 - 10 ** -decimals).toFixed(decimals)}%` : `${text}%`;
}

export function formatMs(ms: number | null | undefined, none = "-"): string {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? none : formatDuration(ms);
}
