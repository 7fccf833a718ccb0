// The PromQL parser: tokens → syntax tree, with Prometheus' operator precedence (or < and,
// unless < comparisons < + - < * / % atan2 < ^, ^ right-associative, unary minus binding
// tighter than * but looser than ^) and its type checks (function arguments, operands of
// set and comparison operators, aggregation parameters). Every error names its position;
// syntax Vigil does not support (subqueries) says so.
import {
  isComparison,
  isSetOperator,
  type AggregateExpr,
  type AggregateOp,
  type AtModifier,
  type BinaryExpr,
  type BinaryOp,
  type Expr,
  type LabelMatcher,
  type MatchOp,
  type ValueType,
  type VectorMatching,
  type VectorSelector,
} from "./ast.js";
import { PromqlParseError } from "./errors.js";
import { FUNCTIONS, UNSUPPORTED_FUNCTIONS } from "./functions/index.js";
import { lex, type Token } from "./lexer.js";
import { compileAnchoredRegex, RegexSyntaxError } from "./regex.js";
import { METRIC_NAME } from "./values.js";

const PRECEDENCE: Record<BinaryOp, number> = {
  or: 1,
  and: 2,
  unless: 2,
  "==": 3,
  "!=": 3,
  "<": 3,
  "<=": 3,
  ">": 3,
  ">=": 3,
  "+": 4,
  "-": 4,
  "*": 5,
  "/": 5,
  "%": 5,
  atan2: 5,
  "^": 6,
};
const AGGREGATES = new Set<AggregateOp>(["sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values"]);
const PARAMETER_TYPE: Partial<Record<AggregateOp, ValueType>> = { topk: "scalar", bottomk: "scalar", quantile: "scalar", count_values: "string" };
const UNSUPPORTED_AGGREGATES = new Set(["limitk", "limit_ratio"]);
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Parses and type-checks a query; throws PromqlParseError. */
export function parseQuery(query: string): Expr {
  const parser = new Parser(query, lex(query));
  const expr = parser.parseExpression(0);
  parser.expectEnd();
  return expr;
}

/** The type of value an expression evaluates to. */
export function typeOf(expr: Expr): ValueType {
  switch (expr.type) {
    case "selector":
      return "vector";
    case "matrix":
      return "matrix";
    case "number":
      return "scalar";
    case "string":
      return "string";
    case "paren":
    case "unary":
      return typeOf(expr.expr);
    case "binary":
      return typeOf(expr.lhs) === "scalar" && typeOf(expr.rhs) === "scalar" ? "scalar" : "vector";
    case "call":
      return FUNCTIONS.get(expr.func)!.returns;
    case "aggregate":
      return "vector";
  }
}

const TYPE_NAMES: Record<ValueType, string> = { scalar: "scalar", vector: "instant vector", matrix: "range vector", string: "string" };

class Parser {
  private i = 0;

  constructor(
    private readonly query: string,
    private readonly tokens: Token[],
  ) {}

  expectEnd(): void {
    const t = this.peek();
    if (t.kind !== "eof") throw this.error(`unexpected ${describe(t)}`, t);
  }

  parseExpression(minPrecedence: number): Expr {
    let lhs = this.parseUnary();
    for (;;) {
      const t = this.peek();
      const op = binaryOperator(t);
      if (op === null || PRECEDENCE[op] < minPrecedence) return lhs;
      this.i++;
      const returnBool = this.acceptKeyword("bool");
      if (returnBool && !isComparison(op)) throw this.error("bool modifier can only be used on comparisons", t);
      const matching = this.parseMatching(op);
      // ^ is right-associative: its right side may hold another ^.
      const rhs = this.parseExpression(op === "^" ? PRECEDENCE[op] : PRECEDENCE[op] + 1);
      lhs = this.checkBinary({ type: "binary", position: t.position, op, lhs, rhs, returnBool, ...(matching && { matching }) }, t);
    }
  }

  private parseMatching(op: BinaryOp): VectorMatching | undefined {
    let matching: VectorMatching | undefined;
    const t = this.peek();
    if (isKeyword(t, "on") || isKeyword(t, "ignoring")) {
      this.i++;
      matching = { card: "one-to-one", on: t.text === "on", labels: this.parseLabelList(), include: [] };
      const g = this.peek();
      if (isKeyword(g, "group_left") || isKeyword(g, "group_right")) {
        if (isSetOperator(op)) throw this.error(`no grouping allowed for "${op}" operation`, g);
        this.i++;
        matching.card = g.text === "group_left" ? "many-to-one" : "one-to-many";
        matching.include = this.peek().kind === "(" ? this.parseLabelList() : [];
      }
    } else if (isKeyword(t, "group_left") || isKeyword(t, "group_right")) {
      throw this.error(`${t.text} needs on(...) or ignoring(...) before it`, t);
    }
    if (isSetOperator(op)) matching = { card: "many-to-many", on: matching?.on ?? false, labels: matching?.labels ?? [], include: [] };
    return matching;
  }

  private checkBinary(e: BinaryExpr, t: Token): Expr {
    const l = typeOf(e.lhs);
    const r = typeOf(e.rhs);
    for (const [side, type] of [["left", l], ["right", r]] as const) {
      if (type !== "scalar" && type !== "vector") {
        throw this.error(`binary expression must contain only scalar and instant vector types, got ${TYPE_NAMES[type]} on the ${side} of "${e.op}"`, t);
      }
    }
    if (isSetOperator(e.op) && (l !== "vector" || r !== "vector")) throw this.error(`set operator "${e.op}" not allowed in binary scalar expression`, t);
    if (isComparison(e.op) && l === "scalar" && r === "scalar" && !e.returnBool) throw this.error("comparisons between scalars must use BOOL modifier", t);
    if ((l !== "vector" || r !== "vector") && e.matching !== undefined && (e.matching.labels.length > 0 || e.matching.on)) {
      throw this.error("vector matching only allowed between instant vectors", t);
    }
    if (l === "vector" && r === "vector") {
      e.matching ??= { card: "one-to-one", on: false, labels: [], include: [] };
      if (e.matching.card !== "many-to-many" && e.matching.on) {
        for (const name of e.matching.include) {
          if (e.matching.labels.includes(name)) throw this.error(`label "${name}" must not occur in ON and GROUP clause at once`, t);
        }
      }
    } else {
      delete e.matching;
    }
    return e;
  }

  private parseUnary(): Expr {
    const t = this.peek();
    if (t.kind === "operator" && (t.text === "-" || t.text === "+")) {
      this.i++;
      const expr = this.parseExpression(PRECEDENCE["^"]);
      const type = typeOf(expr);
      if (type !== "scalar" && type !== "vector") throw this.error(`unary expression only allowed on expressions of type scalar or instant vector, got ${TYPE_NAMES[type]}`, t);
      if (t.text === "+") return expr;
      if (expr.type === "number") return { ...expr, value: -expr.value, position: t.position };
      return { type: "unary", position: t.position, op: "-", expr };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePrimary(): Expr {
    const t = this.next();
    switch (t.kind) {
      case "number":
        return { type: "number", position: t.position, value: t.value! };
      case "string":
        return { type: "string", position: t.position, value: t.text };
      case "duration":
        throw this.error(`unexpected duration "${t.text}": a duration is valid only in a range [${t.text}] or after offset`, t);
      case "(": {
        const expr = this.parseExpression(0);
        this.expect(")", "closing ) of the parenthesised expression");
        return { type: "paren", position: t.position, expr };
      }
      case "{":
        return this.finishSelector(t, undefined);
      case "identifier": {
        const next = this.peek();
        if (AGGREGATES.has(t.text as AggregateOp) && (next.kind === "(" || isKeyword(next, "by") || isKeyword(next, "without"))) {
          return this.parseAggregate(t);
        }
        if (UNSUPPORTED_AGGREGATES.has(t.text) && next.kind === "(") throw this.error(`aggregation "${t.text}" is not supported by Vigil`, t);
        if (next.kind === "(") return this.parseCall(t);
        if (isKeyword(t, "by") || isKeyword(t, "without") || binaryOperator(t) !== null) throw this.error(`unexpected keyword "${t.text}"`, t);
        return this.finishSelector(t, t.text);
      }
      default:
        throw this.error(`unexpected ${describe(t)}`, t);
    }
  }

  private finishSelector(start: Token, name: string | undefined): VectorSelector {
    const matchers: LabelMatcher[] = [];
    if (name !== undefined) matchers.push(matcher(METRIC_NAME, "=", name));
    if (name === undefined || this.peek().kind === "{") {
      if (name !== undefined) this.i++;
      for (;;) {
        const t = this.next();
        if (t.kind === "}") break;
        if (t.kind !== "identifier") throw this.error(`unexpected ${describe(t)} in label matching, expected label name or "}"`, t);
        const op = this.next();
        if (op.kind !== "operator" || !["=", "!=", "=~", "!~"].includes(op.text)) {
          throw this.error(`unexpected ${describe(op)} in label matching, expected one of "=", "!=", "=~", "!~"`, op);
        }
        const value = this.next();
        if (value.kind !== "string") throw this.error(`unexpected ${describe(value)} in label matching, expected a quoted string`, value);
        try {
          matchers.push(matcher(t.text, op.text as MatchOp, value.text));
        } catch (err) {
          if (err instanceof RegexSyntaxError) throw this.error(err.message, value);
          throw err;
        }
        const sep = this.next();
        if (sep.kind === "}") break;
        if (sep.kind !== ",") throw this.error(`unexpected ${describe(sep)} in label matching, expected "," or "}"`, sep);
      }
    }
    const names = matchers.filter((m) => m.name === METRIC_NAME && m.op === "=");
    if (name !== undefined && names.length > 1) throw this.error(`metric name must not be set twice: "${name}" or "${names[1]!.value}"`, start);
    if (matchers.every((m) => m.matches(""))) throw this.error("vector selector must contain at least one non-empty matcher", start);
    const metricName = name ?? (names.length === 1 ? names[0]!.value : undefined);
    return { type: "selector", position: start.position, ...(metricName !== undefined && { name: metricName }), matchers, offsetMs: 0 };
  }

  private parsePostfix(expr: Expr): Expr {
    for (;;) {
      const t = this.peek();
      if (t.kind === "[") {
        this.i++;
        const range = this.next();
        if (range.kind !== "duration" && !(range.kind === "number" && range.text === "0")) {
          throw this.error(`unexpected ${describe(range)} in range, expected a duration such as 5m`, range);
        }
        if (this.peek().kind === ":") throw this.error("subqueries (expr[range:step]) are not supported by Vigil", this.peek());
        this.expect("]", 'closing "]" of the range');
        if (expr.type !== "selector") throw this.error(`ranges only allowed for vector selectors`, t);
        if (expr.offsetMs !== 0 || expr.at !== undefined) throw this.error("offset and @ must come after the range: metric[5m] offset 1h", t);
        if (range.value! <= 0) throw this.error("range must be greater than 0", range);
        expr = { type: "matrix", position: expr.position, selector: expr, rangeMs: range.value! };
        continue;
      }
      if (isKeyword(t, "offset")) {
        this.i++;
        let sign = 1;
        const maybeSign = this.peek();
        if (maybeSign.kind === "operator" && (maybeSign.text === "-" || maybeSign.text === "+")) {
          sign = maybeSign.text === "-" ? -1 : 1;
          this.i++;
        }
        const d = this.next();
        if (d.kind !== "duration") throw this.error(`unexpected ${describe(d)} after offset, expected a duration such as 5m`, d);
        const selector = this.modifiable(expr, "offset", t);
        if (selector.offsetMs !== 0) throw this.error("offset may not be set multiple times", t);
        selector.offsetMs = sign * d.value!;
        continue;
      }
      if (t.kind === "@") {
        this.i++;
        const selector = this.modifiable(expr, "@", t);
        if (selector.at !== undefined) throw this.error("@ <timestamp> may not be set multiple times", t);
        selector.at = this.parseAt();
        continue;
      }
      return expr;
    }
  }

  private modifiable(expr: Expr, what: string, t: Token): VectorSelector {
    if (expr.type === "selector") return expr;
    if (expr.type === "matrix") return expr.selector;
    throw this.error(`${what} modifier must be preceded by an instant vector selector or range vector selector`, t);
  }

  private parseAt(): AtModifier {
    const t = this.next();
    if (t.kind === "identifier" && (t.text === "start" || t.text === "end")) {
      this.expect("(", `( of ${t.text}()`);
      this.expect(")", `) of ${t.text}()`);
      return { kind: t.text };
    }
    let sign = 1;
    let n = t;
    if (t.kind === "operator" && (t.text === "-" || t.text === "+")) {
      sign = t.text === "-" ? -1 : 1;
      n = this.next();
    }
    if (n.kind !== "number" || !Number.isFinite(n.value!)) throw this.error(`unexpected ${describe(n)} after @, expected a timestamp in seconds, start() or end()`, n);
    return { kind: "time", ms: Math.round(sign * n.value! * 1000) };
  }

  private parseCall(name: Token): Expr {
    const fn = FUNCTIONS.get(name.text);
    if (fn === undefined) {
      if (UNSUPPORTED_FUNCTIONS.has(name.text)) throw this.error(`function "${name.text}" is not supported by Vigil`, name);
      throw this.error(`unknown function with name "${name.text}"`, name);
    }
    this.expect("(", "(");
    const args: Expr[] = [];
    if (this.peek().kind !== ")") {
      for (;;) {
        args.push(this.parseExpression(0));
        if (this.peek().kind === ",") {
          this.i++;
          continue;
        }
        break;
      }
    }
    this.expect(")", `closing ) of ${name.text}(...)`);
    const max = fn.argTypes.length;
    const min = max - (fn.optionalArgs ?? 0);
    if (args.length < min || args.length > max) {
      throw this.error(`expected ${min === max ? min : `${min} to ${max}`} argument(s) in call to "${name.text}", got ${args.length}`, name);
    }
    args.forEach((arg, k) => {
      const type = typeOf(arg);
      if (type !== fn.argTypes[k]) {
        throw this.error(`expected type ${TYPE_NAMES[fn.argTypes[k]!]} in call to function "${name.text}", got ${TYPE_NAMES[type]}`, this.tokenAt(arg.position));
      }
    });
    return { type: "call", position: name.position, func: name.text, args };
  }

  private parseAggregate(opToken: Token): AggregateExpr {
    const op = opToken.text as AggregateOp;
    let grouping: string[] = [];
    let without = false;
    let modifierSeen = false;
    const readModifier = () => {
      const t = this.peek();
      if (isKeyword(t, "by") || isKeyword(t, "without")) {
        if (modifierSeen) throw this.error("aggregation may have only one by/without clause", t);
        this.i++;
        without = t.text === "without";
        grouping = this.parseLabelList();
        modifierSeen = true;
      }
    };
    readModifier();
    this.expect("(", `( after ${op}`);
    let param: Expr | undefined;
    let expr = this.parseExpression(0);
    if (this.peek().kind === ",") {
      this.i++;
      param = expr;
      expr = this.parseExpression(0);
    }
    this.expect(")", `closing ) of ${op}(...)`);
    readModifier();
    const wanted = PARAMETER_TYPE[op];
    if (wanted === undefined && param !== undefined) throw this.error(`aggregation "${op}" takes one argument, got 2`, opToken);
    if (wanted !== undefined && param === undefined) throw this.error(`aggregation "${op}" needs a parameter: ${op}(${wanted === "string" ? '"label"' : "k"}, vector)`, opToken);
    if (wanted !== undefined && typeOf(param!) !== wanted) throw this.error(`expected type ${TYPE_NAMES[wanted]} in aggregation parameter, got ${TYPE_NAMES[typeOf(param!)]}`, opToken);
    if (typeOf(expr) !== "vector") throw this.error(`expected type instant vector in aggregation expression, got ${TYPE_NAMES[typeOf(expr)]}`, opToken);
    if (op === "count_values" && param?.type === "string" && !LABEL_NAME.test(param.value)) throw this.error(`invalid label name "${param.value}" for count_values`, opToken);
    return { type: "aggregate", position: opToken.position, op, expr, ...(param && { param }), grouping, without };
  }

  private parseLabelList(): string[] {
    this.expect("(", "( of the label list");
    const labels: string[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === ")") return labels;
      if (t.kind !== "identifier" || !(LABEL_NAME.test(t.text) || t.text === METRIC_NAME)) throw this.error(`unexpected ${describe(t)} in grouping opts, expected label`, t);
      labels.push(t.text);
      const sep = this.next();
      if (sep.kind === ")") return labels;
      if (sep.kind !== ",") throw this.error(`unexpected ${describe(sep)} in grouping opts, expected "," or ")"`, sep);
    }
  }

  private acceptKeyword(word: string): boolean {
    if (!isKeyword(this.peek(), word)) return false;
    this.i++;
    return true;
  }

  private expect(kind: Token["kind"], what: string): Token {
    const t = this.next();
    if (t.kind !== kind) throw this.error(`unexpected ${describe(t)}, expected ${what}`, t);
    return t;
  }

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private next(): Token {
    const t = this.tokens[this.i]!;
    if (t.kind !== "eof") this.i++;
    return t;
  }

  private tokenAt(position: number): Token {
    return this.tokens.find((t) => t.position === position) ?? this.peek();
  }

  private error(message: string, t: Token): PromqlParseError {
    return new PromqlParseError(message, t.position);
  }
}

function matcher(name: string, op: MatchOp, value: string): LabelMatcher {
  switch (op) {
    case "=":
      return { name, op, value, matches: (v) => v === value };
    case "!=":
      return { name, op, value, matches: (v) => v !== value };
    default: {
      const re = compileAnchoredRegex(value);
      const positive = op === "=~";
      return { name, op, value, matches: (v) => re.test(v) === positive };
    }
  }
}

function isKeyword(t: Token, word: string): boolean {
  return t.kind === "identifier" && t.text.toLowerCase() === word;
}

function binaryOperator(t: Token): BinaryOp | null {
  if (t.kind === "operator" && t.text in PRECEDENCE) return t.text as BinaryOp;
  if (t.kind === "identifier") {
    const lower = t.text.toLowerCase();
    if (lower === "and" || lower === "or" || lower === "unless" || lower === "atan2") return lower;
  }
  return null;
}

function describe(t: Token): string {
  if (t.kind === "eof") return "end of input";
  if (t.kind === "string") return `string ${JSON.stringify(t.text)}`;
  if (t.kind === "identifier") return `identifier "${t.text}"`;
  if (t.kind === "number") return `number "${t.text}"`;
  if (t.kind === "duration") return `duration "${t.text}"`;
  return `"${t.text}"`;
}
