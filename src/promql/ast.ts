// The PromQL syntax tree the parser builds and the evaluator walks. Every node carries its
// position in the query text (for error messages) and its value type (checked at parse time).

export type ValueType = "scalar" | "vector" | "matrix" | "string";

export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
  /** Tests one label value (a missing label is ""); regexes fully anchored. */
  matches(value: string): boolean;
}

/** `@ 1700000000`, `@ start()`, `@ end()`. */
export type AtModifier = { kind: "time"; ms: number } | { kind: "start" } | { kind: "end" };

export interface VectorSelector {
  type: "selector";
  position: number;
  /** The metric name when written before the braces (also in `matchers` as __name__="…"). */
  name?: string;
  matchers: LabelMatcher[];
  offsetMs: number;
  at?: AtModifier;
}

export interface MatrixSelector {
  type: "matrix";
  position: number;
  selector: VectorSelector;
  rangeMs: number;
}

export interface NumberLiteral {
  type: "number";
  position: number;
  value: number;
}

export interface StringLiteral {
  type: "string";
  position: number;
  value: string;
}

export interface ParenExpr {
  type: "paren";
  position: number;
  expr: Expr;
}

export interface UnaryExpr {
  type: "unary";
  position: number;
  op: "-" | "+";
  expr: Expr;
}

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "^" | "atan2" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "and" | "or" | "unless";

export interface VectorMatching {
  /** one-to-one, many-to-one (group_left), one-to-many (group_right), many-to-many (set operators). */
  card: "one-to-one" | "many-to-one" | "one-to-many" | "many-to-many";
  /** on(...) when true, ignoring(...) when false. */
  on: boolean;
  labels: string[];
  /** group_left(...) / group_right(...): labels copied from the "one" side. */
  include: string[];
}

export interface BinaryExpr {
  type: "binary";
  position: number;
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  /** Only when both sides are instant vectors. */
  matching?: VectorMatching;
}

export interface Call {
  type: "call";
  position: number;
  func: string;
  args: Expr[];
}

export type AggregateOp = "sum" | "avg" | "min" | "max" | "count" | "group" | "stddev" | "stdvar" | "topk" | "bottomk" | "quantile" | "count_values";

export interface AggregateExpr {
  type: "aggregate";
  position: number;
  op: AggregateOp;
  expr: Expr;
  param?: Expr;
  grouping: string[];
  without: boolean;
}

export type Expr =
  | VectorSelector
  | MatrixSelector
  | NumberLiteral
  | StringLiteral
  | ParenExpr
  | UnaryExpr
  | BinaryExpr
  | Call
  | AggregateExpr;

export const COMPARISON_OPS: readonly BinaryOp[] = ["==", "!=", "<", "<=", ">", ">="];
export const SET_OPS: readonly BinaryOp[] = ["and", "or", "unless"];

export function isComparison(op: BinaryOp): boolean {
  return COMPARISON_OPS.includes(op);
}

export function isSetOperator(op: BinaryOp): boolean {
  return SET_OPS.includes(op);
}
