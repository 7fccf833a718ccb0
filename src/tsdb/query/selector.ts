// Series selectors as Prometheus writes them: `metric`, `metric{label="x",other=~"a|b"}`
// or `{label!="x"}`. The label matchers are alert/matchers.ts' (=, !=, =~, !~, regexes
// anchored); `__name__` matches the metric name.
import { compileMatcher, parseMatcher, type CompiledMatcher, type Matcher } from "../../alert/matchers.js";

export interface Selector {
  /** The metric name when the selector fixes one. */
  name?: string;
  /** Matchers on labels (not on __name__). */
  labelMatchers: CompiledMatcher[];
  /** Matchers on the metric name other than a plain `__name__="x"`. */
  nameMatchers: CompiledMatcher[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/** Parses a selector; throws an Error naming what is wrong. */
export function parseSelector(text: string): Selector {
  const source = text.trim();
  const nameMatch = METRIC_NAME.exec(source);
  let name = nameMatch?.[0];
  let rest = source.slice(name?.length ?? 0).trim();
  const matchers: Matcher[] = [];
  if (rest.startsWith("{")) {
    if (!rest.endsWith("}")) throw new Error(`invalid selector "${text}": expected "}" at the end`);
    for (const part of splitMatchers(rest.slice(1, -1), text)) matchers.push(parseMatcher(part));
    rest = "";
  }
  if (rest !== "") throw new Error(`invalid selector "${text}": expected a metric name and/or {label="value", ...}`);
  if (name === undefined && matchers.length === 0) throw new Error(`invalid selector "${text}": empty`);
  const selector: Selector = { labelMatchers: [], nameMatchers: [] };
  for (const matcher of matchers) {
    if (matcher.name !== "__name__") selector.labelMatchers.push(compileMatcher(matcher));
    else if (matcher.op === "=" && (name === undefined || name === matcher.value)) name = matcher.value;
    else if (matcher.op === "=") throw new Error(`invalid selector "${text}": it names two metrics, ${name} and ${matcher.value}`);
    else selector.nameMatchers.push(compileMatcher(matcher));
  }
  if (name !== undefined) selector.name = name;
  return selector;
}

/** Splits `a="x", b=~"y,z"` at the commas outside quotes; empty parts (a trailing comma) are dropped. */
function splitMatchers(body: string, text: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quote: string | null = null;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (quote !== null) {
      current += ch;
      if (ch === "\\" && i + 1 < body.length) current += body[++i];
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === ",") {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  if (quote !== null) throw new Error(`invalid selector "${text}": unterminated ${quote}`);
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** True when the metric name satisfies the selector's name matchers. */
export function nameMatches(selector: Selector, name: string): boolean {
  if (selector.name !== undefined && selector.name !== name) return false;
  return selector.nameMatchers.every((m) => m.test({ __name__: name }));
}
