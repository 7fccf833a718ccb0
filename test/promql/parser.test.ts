// The PromQL parser: precedence and associativity as Prometheus, modifiers, and errors that
// name what is wrong and where (including syntax Vigil does not support).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseQuery } from "../../src/promql/parser.js";
import type { Expr } from "../../src/promql/ast.js";
import { compileAnchoredRegex } from "../../src/promql/regex.js";

/** A compact rendering of the tree: binary nodes in parentheses. */
function shape(e: Expr): string {
  switch (e.type) {
    case "binary":
      return `(${shape(e.lhs)} ${e.op}${e.returnBool ? " bool" : ""} ${shape(e.rhs)})`;
    case "unary":
      return `(-${shape(e.expr)})`;
    case "number":
      return String(e.value);
    case "paren":
      return shape(e.expr);
    case "selector":
      return (e.name ?? "{}") + (e.offsetMs ? ` offset ${e.offsetMs}` : "");
    case "matrix":
      return `${shape(e.selector)}[${e.rangeMs}]`;
    case "call":
      return `${e.func}(${e.args.map(shape).join(", ")})`;
    case "aggregate":
      return `${e.op}${e.without ? " without" : " by"}(${e.grouping.join(",")})(${e.param ? shape(e.param) + ", " : ""}${shape(e.expr)})`;
    case "string":
      return JSON.stringify(e.value);
  }
}

test("operator precedence and associativity follow Prometheus", () => {
  assert.equal(shape(parseQuery("a + b * c")), "(a + (b * c))");
  assert.equal(shape(parseQuery("a - b - c")), "((a - b) - c)");
  assert.equal(shape(parseQuery("a ^ b ^ c")), "(a ^ (b ^ c))");
  assert.equal(shape(parseQuery("-a ^ b")), "(-(a ^ b))");
  assert.equal(shape(parseQuery("-a * b")), "((-a) * b)");
  assert.equal(shape(parseQuery("a or b and c unless d")), "(a or ((b and c) unless d))");
  assert.equal(shape(parseQuery("a > bool b + 1")), "(a > bool (b + 1))");
  assert.equal(shape(parseQuery("a == b or c")), "((a == b) or c)");
  assert.equal(shape(parseQuery("a atan2 b + c")), "((a atan2 b) + c)");
  assert.equal(shape(parseQuery("-2 ^ 2")), "(-(2 ^ 2))");
});

test("selectors, ranges, offsets, aggregations with the modifier before or after", () => {
  assert.equal(shape(parseQuery("rate(http_requests_total{job=~\"a.*\"}[5m] offset 1h)")), "rate(http_requests_total offset 3600000[300000])");
  assert.equal(shape(parseQuery("sum by (job) (x)")), shape(parseQuery("sum(x) by (job)")));
  assert.equal(shape(parseQuery("topk without (a) (3, x)")), "topk without(a)(3, x)");
  assert.equal(shape(parseQuery("0x1F + 1e3 + .5 + Inf")), "(((31 + 1000) + 0.5) + Infinity)");
  const s = parseQuery(`{__name__="up", job!="a", path=~"/api/.+", code!~'5..'}`);
  assert.equal(s.type === "selector" && s.name, "up");
  const m = parseQuery("x[1h30m] @ 1700000000");
  assert.ok(m.type === "matrix" && m.rangeMs === 5_400_000 && m.selector.at?.kind === "time" && m.selector.at.ms === 1_700_000_000_000);
});

test("errors name what is wrong and the position", () => {
  const cases: [string, RegExp][] = [
    ["sum(rate(x[5m])", /char 16: unexpected end of input, expected closing \) of sum/],
    ["rate(x[5m:1m])", /char 10: subqueries .* not supported/],
    ["label_replace(x, \"a\", \"b\", \"c\", \"d\")", /char 1: function "label_replace" is not supported/],
    ["nosuchfn(x)", /unknown function with name "nosuchfn"/],
    ["rate(x)", /expected type range vector in call to function "rate", got instant vector/],
    ["1 > 2", /comparisons between scalars must use BOOL modifier/],
    ["x + bool y", /bool modifier can only be used on comparisons/],
    ["1 and x", /set operator "and" not allowed in binary scalar expression/],
    ["x and on(a) group_left y", /no grouping allowed for "and" operation/],
    ['{a=""}', /at least one non-empty matcher/],
    ["x offset 5", /expected a duration/],
    ["x{a=~\"(?=b)\"}", /char 6: invalid regex .*lookaround/],
    ["x{a=~\"(\\\\1)\"}", /backreferences/],
    ["topk(x)", /needs a parameter/],
    ["sum(x) by (a) by (b)", /char 15: unexpected identifier "by"/],
    ["sum by (a) (x) by (b)", /only one by\/without/],
    ["5m", /unexpected duration "5m": a duration is valid only in a range/],
    ["x $ y", /char 3: unexpected character "\$"/],
  ];
  for (const [query, expected] of cases) assert.throws(() => parseQuery(query), expected, query);
});

test("regexes are RE2-like and fully anchored", () => {
  assert.ok(compileAnchoredRegex("a|b").test("a"));
  assert.ok(!compileAnchoredRegex("a|b").test("ab"));
  assert.ok(compileAnchoredRegex("(?i)GET").test("get"));
  assert.ok(compileAnchoredRegex("[[:digit:]]+").test("123"));
  assert.ok(compileAnchoredRegex("\\Qa.b\\E").test("a.b") && !compileAnchoredRegex("\\Qa.b\\E").test("axb"));
  assert.ok(compileAnchoredRegex("(?P<x>a)\\:").test("a:"));
});
