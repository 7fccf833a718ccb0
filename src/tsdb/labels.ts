// Label sets: the canonical series key (Prometheus text-format notation, labels sorted by
// name, so equal label sets give equal keys whatever their insertion order) and label matching.
import type { LabelMatch, LabelPredicate, Labels } from "./series-store.js";

const needsEscape = /["\\\n]/;

/** Escapes a label value as the Prometheus text format does: `\` → `\\`, `"` → `\"`, newline → `\n`. */
export function escapeLabelValue(value: string): string {
  if (!needsEscape.test(value)) return value;
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** `name{a="x",b="y"}` with labels sorted by name; just `name` when there are no labels. */
export function seriesKey(name: string, labels: Labels): string {
  const keys = sortedLabelNames(labels);
  if (keys.length === 0) return name;
  let key = name + "{";
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (i > 0) key += ",";
    key += k + '="' + escapeLabelValue(labels[k]!) + '"';
  }
  return key + "}";
}

/** True when `labels` has every pair of `match` with an equal value (an empty match matches all). */
export function matchesLabels(labels: Labels, match: Labels): boolean {
  for (const k in match) {
    if (labels[k] !== match[k]) return false;
  }
  return true;
}

/** True when `labels` satisfy `match`: every equality pair, or every predicate. */
export function matchesLabelMatch(labels: Labels, match: LabelMatch): boolean {
  if (isPredicateList(match)) {
    for (const predicate of match) if (!predicate.test(labels)) return false;
    return true;
  }
  return matchesLabels(labels, match);
}

function isPredicateList(match: LabelMatch): match is readonly LabelPredicate[] {
  return Array.isArray(match);
}

/** The label names in code-unit order (not locale order, so the same on every machine). */
export function sortedLabelNames(labels: Labels): string[] {
  const keys = Object.keys(labels);
  if (!isSorted(keys)) keys.sort(compareCodeUnits);
  return keys;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Label objects usually arrive already sorted (agents build them the same way every time),
// so checking is cheaper than sorting on the hot append path.
function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}
