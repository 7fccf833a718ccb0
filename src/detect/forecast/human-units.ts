// Numbers as an on-call engineer reads them in a forecast: bytes in KB/MB/GB, ratios in
// percent, durations in s/min/h/d, rates per second, minute or hour, whichever reads best.

/** What a metric counts, read from its name's suffix (Prometheus naming: _bytes, _ratio). */
export type MetricUnit = "bytes" | "ratio" | "number";

export function unitOfMetric(metric: string): MetricUnit {
  if (metric.endsWith("_bytes")) return "bytes";
  if (metric.endsWith("_ratio")) return "ratio";
  return "number";
}

/** Binary multiples under the familiar names, as df -h and free -h count: 1 KB = 1024 B. */
const BYTE_UNITS = ["B", "KB", "MB", "GB", "TB", "PB", "EB"] as const;

/** 1536 → "1.5 KB", 2202009.6 → "2.1 MB", 40 * 2**30 → "40 GB"; one decimal below 10, none above. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  let magnitude = Math.abs(bytes);
  let unit = 0;
  while (roundForDisplay(magnitude) >= 1024 && unit < BYTE_UNITS.length - 1) {
    magnitude /= 1024;
    unit++;
  }
  return `${bytes < 0 ? "-" : ""}${trimNumber(roundForDisplay(magnitude))} ${BYTE_UNITS[unit]}`;
}

/** 0.953 → "95.3%", 1 → "100%". */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return String(ratio);
  return `${trimNumber(Number((ratio * 100).toPrecision(3)))}%`;
}

/** A value in the metric's unit. */
export function formatQuantity(value: number, unit: MetricUnit): string {
  if (unit === "bytes") return formatBytes(value);
  if (unit === "ratio") return formatRatio(value);
  return Number.isFinite(value) ? trimNumber(Number(value.toPrecision(3))) : String(value);
}

const RATE_PERIODS = [
  ["s", 1],
  ["min", 60],
  ["h", 3600],
] as const;

/**
 * A signed rate in the metric's unit: "−2.1 MB/s", "+0.6 %/min", "+3.5/h". The period is the
 * shortest of s, min, h in which the magnitude reads at least 1 in its display unit (36 %/h
 * rather than 0.01 %/s); the sign is shown (but for 0), with a true minus sign.
 */
export function formatRate(perSecond: number, unit: MetricUnit): string {
  if (!Number.isFinite(perSecond)) return String(perSecond);
  const sign = perSecond < 0 ? "−" : perSecond > 0 ? "+" : "";
  const magnitude = Math.abs(perSecond);
  let chosen: (typeof RATE_PERIODS)[number] = magnitude === 0 ? RATE_PERIODS[0] : RATE_PERIODS[RATE_PERIODS.length - 1]!;
  for (const period of RATE_PERIODS) {
    if (displayMagnitude(magnitude * period[1], unit) >= 1) {
      chosen = period;
      break;
    }
  }
  const amount = magnitude * chosen[1];
  if (unit === "bytes") return `${sign}${formatBytes(amount)}/${chosen[0]}`;
  if (unit === "ratio") return `${sign}${trimNumber(Number((amount * 100).toPrecision(2)))} %/${chosen[0]}`;
  return `${sign}${trimNumber(Number(amount.toPrecision(2)))}/${chosen[0]}`;
}

/**
 * A duration rounded to what matters at its size: "45 s", "37 min", "5 h 20 min", "3 d 4 h".
 * Under a minute and a half: seconds; under 90 minutes: minutes; under 2 days: hours and
 * minutes; beyond: days and hours.
 */
export function formatDurationHuman(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDurationHuman(-ms)}`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 90) return `${minutes} min`;
  if (minutes < 48 * 60) return joinParts(Math.floor(minutes / 60), "h", minutes % 60, "min");
  const hours = Math.round(ms / 3_600_000);
  return joinParts(Math.floor(hours / 24), "d", hours % 24, "h");
}

function joinParts(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major} ${majorUnit}` : `${major} ${majorUnit} ${minor} ${minorUnit}`;
}

/** The magnitude as it will be printed: bytes scaled to their unit, ratios in percent. */
function displayMagnitude(magnitude: number, unit: MetricUnit): number {
  if (unit === "bytes") return magnitude; // any byte count >= 1 prints as >= 1 in some unit
  if (unit === "ratio") return magnitude * 100;
  return magnitude;
}

/** One decimal below 10, integers from 10 on: 2.13 → 2.1, 37.4 → 37. */
function roundForDisplay(magnitude: number): number {
  return magnitude < 10 ? Math.round(magnitude * 10) / 10 : Math.round(magnitude);
}

/** No trailing ".0", and no "-0". */
function trimNumber(x: number): string {
  return String(Object.is(x, -0) ? 0 : x);
}
