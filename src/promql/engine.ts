// The PromQL engine: instant and range queries over a series source. It loads, once per
// query, every point each selector can reach over all the query's steps, then evaluates the
// tree at each step (evaluator.ts). Limits as in Prometheus: lookback delta 5 m, at most
// 11,000 points per series in a range query, a timeout on the injected clock.
import type { Expr, VectorSelector } from "./ast.js";
import { PromqlExecutionError, PromqlParseError, PromqlTimeoutError } from "./errors.js";
import { evaluate, type EvaluationContext } from "./evaluator.js";
import { selectorWindows } from "./selector-windows.js";
import { parseQuery, typeOf } from "./parser.js";
import { loadSelector, type LoadedSeries, type SeriesSource } from "./selection.js";
import { labelsKey, type InstantSample } from "./values.js";
import type { Labels } from "../tsdb/series-store.js";

export const DEFAULT_LOOKBACK_MS = 300_000;
export const MAX_POINTS_PER_SERIES = 11_000;
export const DEFAULT_TIMEOUT_MS = 120_000;

export interface EngineOptions {
  source: SeriesSource;
  /** Milliseconds, for timeouts only. */
  now: () => number;
  lookbackMs?: number;
}

export type InstantResult =
  | { resultType: "vector"; result: InstantSample[] }
  | { resultType: "scalar"; result: number }
  | { resultType: "string"; result: string }
  | { resultType: "matrix"; result: RangeResultSeries[] };

export interface RangeResultSeries {
  labels: Labels;
  /** [ms, value] per step that had a value. */
  points: [number, number][];
}

export class PromqlEngine {
  private readonly lookbackMs: number;

  constructor(private readonly o: EngineOptions) {
    this.lookbackMs = o.lookbackMs ?? DEFAULT_LOOKBACK_MS;
  }

  /** Evaluates at one instant `t` (ms). Throws PromqlParseError, PromqlExecutionError, PromqlTimeoutError. */
  instant(query: string | Expr, t: number, timeoutMs = DEFAULT_TIMEOUT_MS): InstantResult {
    const expr = typeof query === "string" ? parseQuery(query) : query;
    const ctx = this.context(expr, t, t, timeoutMs);
    const v = evaluate(expr, t, ctx);
    switch (v.kind) {
      case "scalar":
        return { resultType: "scalar", result: v.value };
      case "string":
        return { resultType: "string", result: v.value };
      case "vector":
        checkUnique(v.samples);
        return { resultType: "vector", result: v.samples };
      case "matrix":
        return {
          resultType: "matrix",
          result: v.series.map((s) => ({ labels: s.labels, points: Array.from(s.ts, (ts, i) => [ts, s.values[i]!] as [number, number]) })),
        };
    }
  }

  /** Evaluates at start, start + step, … ≤ end (ms); the result is one series per label set. */
  range(query: string | Expr, start: number, end: number, stepMs: number, timeoutMs = DEFAULT_TIMEOUT_MS): RangeResultSeries[] {
    const expr = typeof query === "string" ? parseQuery(query) : query;
    checkRangeQuery(expr, start, end, stepMs);
    const ctx = this.context(expr, start, end, timeoutMs);
    const series = new Map<string, RangeResultSeries>();
    for (let t = start; t <= end; t += stepMs) {
      ctx.checkDeadline();
      const v = evaluate(expr, t, ctx);
      const samples = v.kind === "scalar" ? [{ labels: {}, value: v.value }] : v.kind === "vector" ? v.samples : [];
      const seen = new Set<string>();
      for (const s of samples) {
        const key = labelsKey(s.labels);
        if (seen.has(key)) throw new PromqlExecutionError("vector cannot contain metrics with the same labelset");
        seen.add(key);
        let out = series.get(key);
        if (out === undefined) series.set(key, (out = { labels: s.labels, points: [] }));
        out.points.push([t, s.value]);
      }
    }
    return [...series.values()];
  }

  private context(expr: Expr, start: number, end: number, timeoutMs: number): EvaluationContext {
    const deadline = this.o.now() + timeoutMs;
    const loaded = new Map<VectorSelector, LoadedSeries[]>();
    for (const { selector, from, to } of selectorWindows(expr, start, end, this.lookbackMs)) {
      loaded.set(selector, loadSelector(this.o.source, selector, from, to));
    }
    return {
      start,
      end,
      lookbackMs: this.lookbackMs,
      loaded,
      checkDeadline: () => {
        if (this.o.now() > deadline) throw new PromqlTimeoutError(timeoutMs);
      },
    };
  }
}

/** Throws what range() would refuse before reading anything: the expression's type, the step, the number of steps. */
export function checkRangeQuery(expr: Expr, start: number, end: number, stepMs: number): void {
  const type = typeOf(expr);
  if (type !== "scalar" && type !== "vector") {
    throw new PromqlParseError(`invalid expression type "${type === "matrix" ? "range vector" : type}" for range query, must be Scalar or instant Vector`, 0);
  }
  if (!(stepMs > 0)) throw new RangeError("zero or negative query resolution step widths are not accepted. Try a positive integer");
  if (end < start) throw new RangeError("end timestamp must not be before start time");
  if ((end - start) / stepMs > MAX_POINTS_PER_SERIES) {
    throw new RangeError("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
  }
}

function checkUnique(samples: readonly InstantSample[]): void {
  const seen = new Set<string>();
  for (const s of samples) {
    const key = labelsKey(s.labels);
    if (seen.has(key)) throw new PromqlExecutionError("vector cannot contain metrics with the same labelset");
    seen.add(key);
  }
}
