// Metric types and which sample names belong to a family of each type: `http_requests`
// as a counter owns `http_requests_total` and `http_requests_created`; a histogram owns
// `_bucket`, `_count`, `_sum`, `_created`. OpenMetrics checks samples against these.

export const PROMETHEUS_TEXT_TYPES = ["counter", "gauge", "histogram", "summary", "untyped"] as const;
export const OPENMETRICS_TYPES = ["counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset", "unknown"] as const;
export type MetricType = (typeof PROMETHEUS_TEXT_TYPES)[number] | (typeof OPENMETRICS_TYPES)[number];

const SUFFIXES: Record<MetricType, readonly string[]> = {
  counter: ["_total", "_created"],
  gauge: [""],
  histogram: ["_bucket", "_count", "_sum", "_created"],
  gaugehistogram: ["_bucket", "_gcount", "_gsum"],
  summary: ["", "_count", "_sum", "_created"],
  info: ["_info"],
  stateset: [""],
  unknown: [""],
  untyped: [""],
};

/** The suffix by which `sampleName` belongs to family `family` of `type`, or null when it does not. */
export function familySuffix(family: string, type: MetricType, sampleName: string): string | null {
  if (!sampleName.startsWith(family)) return null;
  const rest = sampleName.slice(family.length);
  return SUFFIXES[type].includes(rest) ? rest : null;
}

/** Whether an OpenMetrics exemplar may follow this sample: only on counter totals and histogram buckets. */
export function exemplarAllowed(type: MetricType, suffix: string): boolean {
  return (type === "counter" && suffix === "_total") || ((type === "histogram" || type === "gaugehistogram") && suffix === "_bucket");
}
