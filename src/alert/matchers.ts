// Label matchers, as Alertmanager and Prometheus write them: name="value", name!="value",
// name=~"regex", name!~"regex". Regexes are anchored (the whole value must match). Used by
// routes, inhibition rules, silences and maintenance windows.

export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
}

/** A matcher ready to test labels: regexes compiled once. */
export interface CompiledMatcher extends Matcher {
  test(labels: Record<string, string>): boolean;
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^"'\s=~!][^\s"']*|))\s*$/;

/** Parses `name="value"` (quotes optional); throws an Error naming what is wrong. */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER.exec(text);
  if (!m) throw new Error(`invalid matcher "${text}": expected name="value", name!="value", name=~"regex" or name!~"regex"`);
  const raw = m[3] ?? m[4] ?? m[5] ?? "";
  const value = m[3] !== undefined || m[4] !== undefined ? raw.replace(/\\(.)/g, "$1") : raw;
  const matcher = { name: m[1]!, op: m[2] as MatchOp, value };
  compileMatcher(matcher); // a bad regex is an error here, at parse time
  return matcher;
}

export function compileMatcher(m: Matcher): CompiledMatcher {
  let test: (labels: Record<string, string>) => boolean;
  if (m.op === "=" || m.op === "!=") {
    const equal = m.op === "=";
    // A missing label counts as the empty string, as in Prometheus.
    test = (labels) => ((labels[m.name] ?? "") === m.value) === equal;
  } else {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${m.value})$`);
    } catch (err) {
      throw new Error(`invalid matcher ${m.name}${m.op}"${m.value}": ${(err as Error).message}`);
    }
    const positive = m.op === "=~";
    test = (labels) => re.test(labels[m.name] ?? "") === positive;
  }
  return { ...m, test };
}

/** True when every matcher matches (an empty list matches everything). */
export function matchesAll(matchers: readonly CompiledMatcher[], labels: Record<string, string>): boolean {
  return matchers.every((m) => m.test(labels));
}

/** Equality matchers from a `match: { name: value }` map. */
export function equalityMatchers(match: Record<string, string>): Matcher[] {
  return Object.entries(match).map(([name, value]) => ({ name, op: "=" as const, value }));
}

export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}
