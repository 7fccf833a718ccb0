// Which points a query can read: for every selector in the tree, the time range its reads
// can reach over all the query's evaluation instants — from the earliest read time minus its
// range (a range selector) or the lookback delta (an instant one), to the latest read time,
// offset and @ applied. The engine loads exactly these ranges; a leader asks other replicas
// for them (src/server/replicas/series-fanout.ts).
import type { Expr, VectorSelector } from "./ast.js";
import { selectorTime } from "./evaluator.js";

export interface SelectorWindow {
  selector: VectorSelector;
  /** ms, both ends included. */
  from: number;
  to: number;
}

/** The range each selector of `expr` reads when evaluated at start … end (ms). */
export function selectorWindows(expr: Expr, start: number, end: number, lookbackMs: number): SelectorWindow[] {
  return selectorsOf(expr, lookbackMs).map(({ selector, windowMs }) => {
    const first = selectorTime(selector, start, start, end);
    const last = selectorTime(selector, end, start, end);
    return { selector, from: Math.min(first, last) - windowMs, to: Math.max(first, last) };
  });
}

/** Every selector in the tree with how far before its read time it looks (range or lookback). */
function selectorsOf(expr: Expr, lookbackMs: number): { selector: VectorSelector; windowMs: number }[] {
  const out: { selector: VectorSelector; windowMs: number }[] = [];
  const walk = (e: Expr): void => {
    switch (e.type) {
      case "selector":
        out.push({ selector: e, windowMs: lookbackMs });
        return;
      case "matrix":
        out.push({ selector: e.selector, windowMs: e.rangeMs });
        return;
      case "paren":
      case "unary":
        walk(e.expr);
        return;
      case "binary":
        walk(e.lhs);
        walk(e.rhs);
        return;
      case "call":
        e.args.forEach(walk);
        return;
      case "aggregate":
        if (e.param !== undefined) walk(e.param);
        walk(e.expr);
        return;
      default:
        return;
    }
  };
  walk(expr);
  return out;
}
