// Prometheus' query API, so that Grafana, promtool and other Prometheus tools read Vigil:
// GET|POST /api/v1/query, /api/v1/query_range, /api/v1/series, /api/v1/labels,
// /api/v1/label/<name>/values. Answers `{status:"success", data}` (plus `warnings` when a
// replica of a cluster did not answer); errors `{status:"error", errorType, error}` with 400
// (bad_data), 422 (execution), 503 (timeout). On a cluster's leader every query also reads
// the other replicas' series (src/server/replicas/series-fanout.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { parse as parseForm } from "node:querystring";
import type { Expr } from "../../promql/ast.js";
import { PromqlEngine, DEFAULT_TIMEOUT_MS, checkRangeQuery } from "../../promql/engine.js";
import { PromqlExecutionError, PromqlParseError, PromqlTimeoutError } from "../../promql/errors.js";
import { parseQuery } from "../../promql/parser.js";
import { parsePromqlDuration } from "../../promql/durations.js";
import { instantData, matrixData } from "../../promql/api-format.js";
import { METRIC_NAME } from "../../promql/values.js";
import { seriesMatchingSelector } from "../../promql/matching-series.js";
import { selectorText } from "../../promql/selector-text.js";
import type { SeriesStore, Labels } from "../../tsdb/series-store.js";
import type { Clock } from "../../util/clock.js";
import { labelsKey } from "../../promql/values.js";
import { access } from "../auth/access-control.js";
import { ReplicaLimitError, type SeriesFanout } from "../replicas/series-fanout.js";

export interface PromqlRoutesOptions {
  store: SeriesStore;
  clock: Clock;
  /** On a cluster's leader: the other replicas' series are read too. */
  fanout?: SeriesFanout;
}

type Params = Record<string, string | string[] | undefined>;

class BadData extends Error {}

function param(params: Params, name: string): string | undefined {
  const v = params[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function params(req: FastifyRequest): Params {
  const query = (req.query ?? {}) as Params;
  const body = typeof req.body === "object" && req.body !== null ? (req.body as Params) : {};
  return { ...query, ...body };
}

/** Unix seconds (float) or RFC 3339, as Prometheus takes times; ms. */
export function parseTime(text: string, name: string): number {
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (/^\d{4}-\d\d-\d\dT/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new BadData(`invalid parameter "${name}": cannot parse "${text}" to a valid timestamp`);
}

/** Seconds (float) or a PromQL duration such as 15s; ms. */
export function parseDurationParam(text: string, name: string): number {
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const ms = parsePromqlDuration(text);
  if (ms === null) throw new BadData(`invalid parameter "${name}": cannot parse "${text}" to a valid duration`);
  return ms;
}

function send(reply: FastifyReply, data: unknown, warnings: readonly string[] = []) {
  return reply.send({ status: "success", data, ...(warnings.length > 0 && { warnings }) });
}

function fail(reply: FastifyReply, err: unknown) {
  if (err instanceof PromqlParseError || err instanceof BadData || err instanceof RangeError) {
    return reply.code(400).send({ status: "error", errorType: "bad_data", error: err.message });
  }
  if (err instanceof PromqlExecutionError || err instanceof ReplicaLimitError) {
    return reply.code(422).send({ status: "error", errorType: "execution", error: err.message });
  }
  if (err instanceof PromqlTimeoutError) return reply.code(503).send({ status: "error", errorType: "timeout", error: err.message });
  throw err;
}

function required(p: Params, name: string): string {
  const v = param(p, name);
  if (v === undefined || v === "") throw new BadData(`invalid parameter "${name}": missing`);
  return v;
}

function timeout(p: Params): number {
  const text = param(p, "timeout");
  return text === undefined ? DEFAULT_TIMEOUT_MS : parseDurationParam(text, "timeout");
}

function matchParams(p: Params): string[] {
  const v = p["match[]"];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export function registerPromqlRoutes(http: FastifyInstance, o: PromqlRoutesOptions): void {
  const now = () => o.clock.now();
  const engine = new PromqlEngine({ source: o.store, now });

  /**
   * The engine to evaluate `expr` over start … end with: over this store alone, or on a
   * cluster's leader over the cluster's series for the widest range the query can read.
   */
  const engineFor = async (expr: Expr, start: number, end: number): Promise<{ engine: PromqlEngine; warnings: string[] }> => {
    if (o.fanout === undefined || !o.fanout.hasPeers()) return { engine, warnings: [] };
    const { value: source, warnings } = await o.fanout.readerFor(expr, start, end);
    return { engine: source === o.store ? engine : new PromqlEngine({ source, now }), warnings };
  };

  /** The series matching any of the selectors, with data in [start, end] (all held series without start/end). */
  const seriesMatching = async (p: Params): Promise<{ labels: Labels[]; warnings: string[] }> => {
    const selectors = matchParams(p);
    const start = param(p, "start") === undefined ? -Infinity : parseTime(param(p, "start")!, "start");
    const end = param(p, "end") === undefined ? Infinity : parseTime(param(p, "end")!, "end");
    const window = start === -Infinity && end === Infinity ? null : { from: start, to: end };
    const found = new Map<string, Labels>();
    const add = (name: string, labels: Labels) => {
      const all: Labels = { [METRIC_NAME]: name, ...labels };
      found.set(labelsKey(all), all);
    };
    const exprs = (selectors.length === 0 ? ['{__name__=~".+"}'] : selectors).map((text) => {
      const expr = parseQuery(text);
      if (expr.type !== "selector") throw new BadData(`invalid parameter "match[]": expected a series selector such as up{job="api"}, got "${text}"`);
      return expr;
    });
    for (const expr of exprs) for (const ref of seriesMatchingSelector(o.store, expr, window)) add(ref.name, ref.labels);
    if (o.fanout === undefined || !o.fanout.hasPeers()) return { labels: [...found.values()], warnings: [] };
    const remote = await o.fanout.remoteSeries(exprs.map(selectorText), window);
    for (const ref of remote.value) add(ref.name, ref.labels);
    return { labels: [...found.values()], warnings: remote.warnings };
  };

  const query = async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      const p = params(req);
      const q = required(p, "query");
      const timeText = param(p, "time");
      const t = timeText === undefined ? o.clock.now() : parseTime(timeText, "time");
      const expr = parseQuery(q);
      const { engine, warnings } = await engineFor(expr, t, t);
      return send(reply, instantData(engine.instant(expr, t, timeout(p)), t), warnings);
    } catch (err) {
      return fail(reply, err);
    }
  };

  const queryRange = async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      const p = params(req);
      const q = required(p, "query");
      const start = parseTime(required(p, "start"), "start");
      const end = parseTime(required(p, "end"), "end");
      if (end < start) throw new BadData('invalid parameter "end": end timestamp must not be before start time');
      const step = parseDurationParam(required(p, "step"), "step");
      if (step <= 0) throw new BadData('invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
      const expr = parseQuery(q);
      // Refused before other replicas are asked for anything.
      checkRangeQuery(expr, start, end, step);
      const { engine, warnings } = await engineFor(expr, start, end);
      return send(reply, matrixData(engine.range(expr, start, end, step, timeout(p))), warnings);
    } catch (err) {
      return fail(reply, err);
    }
  };

  const series = async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      const p = params(req);
      if (matchParams(p).length === 0) throw new BadData("no match[] parameter provided");
      const { labels, warnings } = await seriesMatching(p);
      return send(reply, labels, warnings);
    } catch (err) {
      return fail(reply, err);
    }
  };

  const labels = async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      const names = new Set<string>();
      const { labels, warnings } = await seriesMatching(params(req));
      for (const l of labels) for (const n in l) names.add(n);
      return send(reply, [...names].sort(), warnings);
    } catch (err) {
      return fail(reply, err);
    }
  };

  const labelValues = async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      const name = (req.params as { name: string }).name;
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new BadData(`invalid label name: "${name}"`);
      const values = new Set<string>();
      const { labels, warnings } = await seriesMatching(params(req));
      for (const l of labels) if (l[name] !== undefined) values.add(l[name]!);
      return send(reply, [...values].sort(), warnings);
    } catch (err) {
      return fail(reply, err);
    }
  };

  // Prometheus' clients POST forms; the parser is registered in this plugin's scope only.
  void http.register(async (scope) => {
    scope.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => {
      done(null, parseForm(body as string));
    });
    for (const [path, handler] of [
      ["/api/v1/query", query],
      ["/api/v1/query_range", queryRange],
      ["/api/v1/series", series],
      ["/api/v1/labels", labels],
      ["/api/v1/label/:name/values", labelValues],
    ] as const) {
      scope.get(path, access("viewer"), handler);
      scope.post(path, access("viewer"), handler);
    }
  });
}
