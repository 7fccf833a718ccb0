// The windows availability is reported over: 1 h, 24 h, 7 d and 30 d by default, or one
// window a caller names ("6h", "14d"), each with the label it is shown under.
import { parseDuration } from "../util/duration.js";

export interface ReportWindow {
  /** As written: "24h", "7d". */
  label: string;
  ms: number;
}

export const STANDARD_WINDOWS: readonly ReportWindow[] = [
  { label: "1h", ms: 3_600_000 },
  { label: "24h", ms: 86_400_000 },
  { label: "7d", ms: 7 * 86_400_000 },
  { label: "30d", ms: 30 * 86_400_000 },
];

/** The longest window a report may ask for: a year (the journal holds no more than that usefully). */
export const MAX_WINDOW_MS = 366 * 86_400_000;

/** Parses a window such as "24h"; returns the reason when it is not one. */
export function parseWindow(text: string): ReportWindow | { error: string } {
  const ms = parseDuration(text);
  if (ms === null) return { error: `expected a duration such as "24h" or "7d", got "${text}"` };
  if (ms < 60_000) return { error: `expected at least 1m, got "${text}"` };
  if (ms > MAX_WINDOW_MS) return { error: `expected at most 366d, got "${text}"` };
  return { label: text.trim(), ms };
}
