// Threshold rules as pure functions: whether a value breaks a rule (with hysteresis once it
// does), and the labels and annotations of the alert it raises (summary templated with
// $value and $labels.x).
import type { RuleConfig } from "../config/schema.js";
import type { Labels, LatestSample } from "../tsdb/series-store.js";

/**
 * above only: value > above; below only: value < below; both: outside the band
 * [below, above], i.e. value > above or value < below. NaN never breaks a rule.
 */
export function evaluateThreshold(rule: RuleConfig, value: number): boolean {
  return (rule.above !== undefined && value > rule.above) || (rule.below !== undefined && value < rule.below);
}

/** Which side of a rule a value breaks: "above" (too high), "below" (too low), or null. */
export type Breach = "above" | "below" | null;

/**
 * The breach at this evaluation, given the breach at the previous one (hysteresis). A side
 * that was breached stays breached until its resolve condition holds: for `above`, until
 * value < resolveBelow (without resolveBelow: until value <= above); for `below`, until
 * value > resolveAbove (without it: until value >= below). So with above 0.9 and
 * resolveBelow 0.8, the series 0.95, 0.85, 0.79 is breached, breached, clear, where a plain
 * threshold would flap at 0.85. A side not breached before breaks as evaluateThreshold says.
 */
export function thresholdBreach(rule: RuleConfig, value: number, previous: Breach): Breach {
  if (previous === "above" && rule.above !== undefined) {
    const holds = rule.resolveBelow !== undefined ? value >= rule.resolveBelow : value > rule.above;
    if (holds) return "above";
  }
  if (previous === "below" && rule.below !== undefined) {
    const holds = rule.resolveAbove !== undefined ? value <= rule.resolveAbove : value < rule.below;
    if (holds) return "below";
  }
  if (rule.above !== undefined && value > rule.above) return "above";
  if (rule.below !== undefined && value < rule.below) return "below";
  return null;
}

/**
 * A problem with the rule's thresholds that the schema does not catch, or null: with
 * above < below, "outside the band" holds for every value, so the rule would always fire.
 */
export function thresholdRuleProblem(rule: RuleConfig): string | null {
  if (rule.above === undefined && rule.below === undefined) return `rule ${rule.name}: expected above or below (or both)`;
  if (rule.above !== undefined && rule.below !== undefined && rule.above < rule.below) {
    return `rule ${rule.name}: above (${rule.above}) is less than below (${rule.below}), so every value would be outside the band; expected above >= below`;
  }
  if (rule.resolveBelow !== undefined && (rule.above === undefined || rule.resolveBelow > rule.above)) {
    return `rule ${rule.name}: resolveBelow (${rule.resolveBelow}) needs above and must not exceed it`;
  }
  if (rule.resolveAbove !== undefined && (rule.below === undefined || rule.resolveAbove < rule.below)) {
    return `rule ${rule.name}: resolveAbove (${rule.resolveAbove}) needs below and must not be under it`;
  }
  return null;
}

/**
 * The alert's labels: the series' labels and the rule's labels, then alertname and
 * severity, which are applied last so that a series label cannot override the rule's identity.
 */
export function ruleAlertLabels(rule: RuleConfig, seriesLabels: Labels): Record<string, string> {
  return { ...seriesLabels, ...rule.labels, alertname: rule.name, severity: rule.severity };
}

/**
 * The alert's annotations: rule.annotations, and `summary` from rule.summary (else
 * rule.annotations.summary, else a default such as "node_cpu_usage_ratio is 0.95 (above 0.9)
 * on node a"). Every value is templated: `{{ $value }}` and `{{ $labels.x }}`.
 */
export function ruleAnnotations(rule: RuleConfig, sample: LatestSample): Record<string, string> {
  const labels = ruleAlertLabels(rule, sample.labels);
  const annotations: Record<string, string> = {};
  for (const [key, text] of Object.entries(rule.annotations)) annotations[key] = expandTemplate(text, sample.value, labels);
  const summary = rule.summary ?? rule.annotations.summary;
  annotations.summary = summary === undefined ? defaultSummary(rule, sample) : expandTemplate(summary, sample.value, labels);
  return annotations;
}

/** Numbers as people read them: 6 significant digits drop float noise (0.1 + 0.2 → "0.3"). */
export function formatValue(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : String(value);
}

const templateExpression = /\{\{\s*\$(value|labels\.([A-Za-z_][A-Za-z0-9_]*))\s*\}\}/g;

/**
 * Substitutes `{{ $value }}` and `{{ $labels.name }}`; a label the alert does not have reads
 * "<no value>" as in Prometheus, so a misspelt name shows in the message. Other text is kept as is.
 */
export function expandTemplate(text: string, value: number, labels: Labels): string {
  return text.replace(templateExpression, (_whole, _expr: string, labelName: string | undefined) =>
    labelName === undefined ? formatValue(value) : Object.hasOwn(labels, labelName) ? labels[labelName]! : "<no value>",
  );
}

function defaultSummary(rule: RuleConfig, sample: LatestSample): string {
  const where = Object.entries(sample.labels)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return `${sample.name} is ${formatValue(sample.value)} (${conditionText(rule, sample.value)})${where ? ` on ${where}` : ""}`;
}

/** The side that is broken ("above 0.9"), or the whole condition when none is. */
function conditionText(rule: RuleConfig, value: number): string {
  const { above, below } = rule;
  if (above !== undefined && value > above) return `above ${formatValue(above)}`;
  if (below !== undefined && value < below) return `below ${formatValue(below)}`;
  if (above !== undefined && below !== undefined) {
    return `threshold: outside ${formatValue(below)}..${formatValue(above)}`;
  }
  return above !== undefined ? `threshold: above ${formatValue(above)}` : `threshold: below ${formatValue(below!)}`;
}
