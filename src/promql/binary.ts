// Binary operators: arithmetic and comparisons on scalars and vectors, vector matching
// (one-to-one; many-to-one and one-to-many with group_left / group_right; on / ignoring)
// and the set operators and / or / unless, with Prometheus' rules for which labels and
// which value a result sample gets.
import { isComparison, type BinaryExpr, type BinaryOp, type VectorMatching } from "./ast.js";
import { PromqlExecutionError } from "./errors.js";
import { dropMetricName, keyOfLabels, keyWithoutLabels, labelsKey, METRIC_NAME, type InstantSample } from "./values.js";
import type { Labels } from "../tsdb/series-store.js";

/** The operator on two numbers: its value, and for comparisons whether it holds. */
export function applyOperator(op: BinaryOp, l: number, r: number): { value: number; keep: boolean } {
  switch (op) {
    case "+":
      return { value: l + r, keep: true };
    case "-":
      return { value: l - r, keep: true };
    case "*":
      return { value: l * r, keep: true };
    case "/":
      return { value: l / r, keep: true };
    case "%":
      return { value: l % r, keep: true };
    case "^":
      return { value: Math.pow(l, r), keep: true };
    case "atan2":
      return { value: Math.atan2(l, r), keep: true };
    case "==":
      return { value: l, keep: l === r };
    case "!=":
      return { value: l, keep: l !== r };
    case "<":
      return { value: l, keep: l < r };
    case "<=":
      return { value: l, keep: l <= r };
    case ">":
      return { value: l, keep: l > r };
    case ">=":
      return { value: l, keep: l >= r };
    default:
      throw new PromqlExecutionError(`operator "${op}" is not defined between scalars`);
  }
}

/** scalar op scalar (comparisons need bool, checked at parse time). */
export function scalarBinary(e: BinaryExpr, l: number, r: number): number {
  const { value, keep } = applyOperator(e.op, l, r);
  return isComparison(e.op) ? (keep ? 1 : 0) : value;
}

/** vector op scalar, or scalar op vector (`scalarOnLeft`). The vector's sample value is kept by comparisons. */
export function vectorScalarBinary(e: BinaryExpr, samples: readonly InstantSample[], s: number, scalarOnLeft: boolean): InstantSample[] {
  const out: InstantSample[] = [];
  const comparison = isComparison(e.op);
  for (const sample of samples) {
    const [l, r] = scalarOnLeft ? [s, sample.value] : [sample.value, s];
    let { value, keep } = applyOperator(e.op, l, r);
    if (comparison && scalarOnLeft) value = sample.value;
    if (e.returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    const labels = !comparison || e.returnBool ? dropMetricName(sample.labels) : sample.labels;
    out.push({ labels, value });
  }
  return out;
}

function signatureFunction(matching: VectorMatching): (labels: Labels) => string {
  if (matching.on) {
    const names = [...matching.labels].sort();
    return (labels) => keyOfLabels(labels, names);
  }
  const ignored = new Set(matching.labels);
  return (labels) => keyWithoutLabels(labels, ignored);
}

/** vector op vector with the expression's matching. */
export function vectorBinary(e: BinaryExpr, lhs: readonly InstantSample[], rhs: readonly InstantSample[]): InstantSample[] {
  const matching = e.matching!;
  const signature = signatureFunction(matching);
  switch (e.op) {
    case "and": {
      const right = new Set(rhs.map((s) => signature(s.labels)));
      return lhs.filter((s) => right.has(signature(s.labels)));
    }
    case "unless": {
      const right = new Set(rhs.map((s) => signature(s.labels)));
      return lhs.filter((s) => !right.has(signature(s.labels)));
    }
    case "or": {
      const left = new Set(lhs.map((s) => signature(s.labels)));
      return [...lhs, ...rhs.filter((s) => !left.has(signature(s.labels)))];
    }
    default:
      return matchedBinary(e, matching, signature, lhs, rhs);
  }
}

function matchedBinary(
  e: BinaryExpr,
  matching: VectorMatching,
  signature: (labels: Labels) => string,
  lhsIn: readonly InstantSample[],
  rhsIn: readonly InstantSample[],
): InstantSample[] {
  // The "many" side is iterated; the "one" side is looked up by signature.
  const swapped = matching.card === "one-to-many";
  const [many, one] = swapped ? [rhsIn, lhsIn] : [lhsIn, rhsIn];
  const oneBySignature = new Map<string, InstantSample>();
  for (const s of one) {
    const sig = signature(s.labels);
    const seen = oneBySignature.get(sig);
    if (seen !== undefined) {
      const side = swapped ? "left" : "right";
      throw new PromqlExecutionError(
        `found duplicate series for the match group ${describeGroup(s.labels, matching)} on the ${side} hand-side of the operation: [${describeLabels(seen.labels)}, ${describeLabels(s.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    oneBySignature.set(sig, s);
  }
  const comparison = isComparison(e.op);
  const out: InstantSample[] = [];
  const matched = new Map<string, Set<string> | null>();
  for (const ms of many) {
    const sig = signature(ms.labels);
    const os = oneBySignature.get(sig);
    if (os === undefined) continue;
    const [l, r] = swapped ? [os.value, ms.value] : [ms.value, os.value];
    let { value, keep } = applyOperator(e.op, l, r);
    if (e.returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    let labels = resultLabels(ms.labels, os.labels, comparison, matching);
    if (e.returnBool) labels = dropMetricName(labels);
    if (matching.card === "one-to-one") {
      if (matched.has(sig)) {
        throw new PromqlExecutionError("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
      }
      matched.set(sig, null);
    } else {
      const key = labelsKey(labels);
      let keys = matched.get(sig);
      if (keys == null) matched.set(sig, (keys = new Set()));
      else if (keys.has(key)) throw new PromqlExecutionError("multiple matches for labels: grouping labels must ensure unique matches");
      keys.add(key);
    }
    out.push({ labels, value });
  }
  return out;
}

function resultLabels(many: Labels, one: Labels, comparison: boolean, matching: VectorMatching): Labels {
  let labels: Labels = { ...many };
  if (!comparison) delete labels[METRIC_NAME];
  if (matching.card === "one-to-one") {
    if (matching.on) {
      const kept: Labels = {};
      for (const name of matching.labels) if (labels[name] !== undefined) kept[name] = labels[name]!;
      labels = kept;
    } else {
      for (const name of matching.labels) delete labels[name];
    }
  }
  for (const name of matching.include) {
    const v = one[name];
    if (v !== undefined && v !== "") labels[name] = v;
    else delete labels[name];
  }
  return labels;
}

function describeLabels(labels: Labels): string {
  return `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(", ")}}`;
}

function describeGroup(labels: Labels, matching: VectorMatching): string {
  if (!matching.on) return describeLabels(dropMetricName(Object.fromEntries(Object.entries(labels).filter(([k]) => !matching.labels.includes(k)))));
  return describeLabels(Object.fromEntries(matching.labels.filter((k) => labels[k] !== undefined).map((k) => [k, labels[k]!])));
}
