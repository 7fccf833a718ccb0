// Evaluates a syntax tree at one instant over series loaded for the whole query (see
// engine.ts): selectors look their points up, functions and aggregations compute, binary
// operators match. A range query calls this once per step.
import type { Expr, VectorSelector } from "./ast.js";
import { aggregate } from "./aggregate.js";
import { scalarBinary, vectorBinary, vectorScalarBinary } from "./binary.js";
import { FUNCTIONS } from "./functions/index.js";
import { instantSamples, rangeWindows, type LoadedSeries } from "./selection.js";
import { dropMetricName, scalar, vector, type Value } from "./values.js";

export interface EvaluationContext {
  /** The query's first and last evaluation instants (ms): what @ start() and @ end() mean. */
  start: number;
  end: number;
  lookbackMs: number;
  loaded: ReadonlyMap<VectorSelector, LoadedSeries[]>;
  /** Throws when the query ran out of time. */
  checkDeadline(): void;
}

/** The instant (ms) a selector reads at when the query evaluates at `t`: @ and offset applied. */
export function selectorTime(selector: VectorSelector, t: number, start: number, end: number): number {
  const at = selector.at;
  const base = at === undefined ? t : at.kind === "time" ? at.ms : at.kind === "start" ? start : end;
  return base - selector.offsetMs;
}

export function evaluate(expr: Expr, t: number, ctx: EvaluationContext): Value {
  switch (expr.type) {
    case "number":
      return scalar(expr.value);
    case "string":
      return { kind: "string", value: expr.value };
    case "paren":
      return evaluate(expr.expr, t, ctx);
    case "selector": {
      const at = selectorTime(expr, t, ctx.start, ctx.end);
      return vector(instantSamples(ctx.loaded.get(expr)!, at, ctx.lookbackMs));
    }
    case "matrix": {
      const end = selectorTime(expr.selector, t, ctx.start, ctx.end);
      const start = end - expr.rangeMs;
      return { kind: "matrix", series: rangeWindows(ctx.loaded.get(expr.selector)!, start, end), start, end, rangeMs: expr.rangeMs };
    }
    case "unary": {
      const v = evaluate(expr.expr, t, ctx);
      if (v.kind === "scalar") return scalar(-v.value);
      if (v.kind === "vector") return vector(v.samples.map((s) => ({ labels: dropMetricName(s.labels), value: -s.value })));
      throw new TypeError(`unary minus on ${v.kind}`);
    }
    case "binary": {
      const l = evaluate(expr.lhs, t, ctx);
      const r = evaluate(expr.rhs, t, ctx);
      if (l.kind === "scalar" && r.kind === "scalar") return scalar(scalarBinary(expr, l.value, r.value));
      if (l.kind === "vector" && r.kind === "scalar") return vector(vectorScalarBinary(expr, l.samples, r.value, false));
      if (l.kind === "scalar" && r.kind === "vector") return vector(vectorScalarBinary(expr, r.samples, l.value, true));
      if (l.kind === "vector" && r.kind === "vector") return vector(vectorBinary(expr, l.samples, r.samples));
      throw new TypeError(`binary ${expr.op} on ${l.kind} and ${r.kind}`);
    }
    case "call": {
      ctx.checkDeadline();
      const fn = FUNCTIONS.get(expr.func)!;
      const args = expr.args.map((a) => evaluate(a, t, ctx));
      return fn.call(args, { t, args: expr.args });
    }
    case "aggregate": {
      ctx.checkDeadline();
      const v = evaluate(expr.expr, t, ctx);
      if (v.kind !== "vector") throw new TypeError(`aggregation over ${v.kind}`);
      let param: number | string | undefined;
      if (expr.param !== undefined) {
        const p = evaluate(expr.param, t, ctx);
        param = p.kind === "scalar" || p.kind === "string" ? p.value : undefined;
      }
      return vector(aggregate(expr, v.samples, param));
    }
  }
}
