// Series queries over HTTP: GET /api/v1/tsdb/series (which series match a selector) and
// GET /api/v1/tsdb/query_range (their points over a time range, optionally one per step).
// Times are ms since the epoch; non-finite values are written "NaN", "+Inf", "-Inf". On a
// cluster's leader the other replicas' series are read too (src/server/replicas/series-fanout.ts);
// a replica that did not answer is named in `warnings`.
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { compileMatcher, matchesAll, parseMatcher, type CompiledMatcher } from "../../alert/matchers.js";
import { nameMatches, parseSelector, type Selector } from "../../tsdb/query/selector.js";
import { seriesKey } from "../../tsdb/labels.js";
import { AGGREGATES, QueryLimitError, type SeriesColumns, type SeriesReader, type SeriesRef, type SeriesStore } from "../../tsdb/series-store.js";
import { checkStep } from "../../tsdb/query/step.js";
import { parseDuration } from "../../util/duration.js";
import type { Clock } from "../../util/clock.js";
import { access } from "../auth/access-control.js";
import { ReplicaLimitError, type SeriesFanout } from "../replicas/series-fanout.js";

export interface TsdbRoutesOptions {
  store: SeriesStore;
  clock: Clock;
  /** Most points one query_range may return. Default 500,000. */
  maxPoints?: number;
  /** On a cluster's leader: the other replicas' series are read too. */
  fanout?: SeriesFanout;
}

const DEFAULT_MAX_POINTS = 500_000;
/** query_range without `from` looks back this far from `to`. */
const DEFAULT_RANGE_MS = 3_600_000;

const repeatable = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((m) => (m === undefined ? [] : Array.isArray(m) ? m : [m]));

const msOrDuration = z.string().transform((text, ctx) => {
  const ms = /^\d+$/.test(text) ? Number(text) : parseDuration(text);
  if (ms === null || ms <= 0) {
    ctx.addIssue({ code: "custom", message: `expected a positive number of ms or a duration such as "1m", got "${text}"` });
    return z.NEVER;
  }
  return ms;
});

const seriesQuery = z.object({
  match: repeatable,
  "match[]": repeatable,
});

const queryRangeQuery = z.object({
  /** A metric name, or a selector with one: `node_load1{node="a"}`. */
  metric: z.string().min(1, "expected a metric name"),
  /** Label matchers, `name=value` or name!=, =~, !~ (value quoted or not); repeat for several. */
  match: repeatable,
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  step: msOrDuration.optional(),
  aggregate: z.enum(AGGREGATES).optional(),
});

function badRequest(reply: FastifyReply, message: string) {
  return reply.code(400).send({ error: message });
}

function zodMessage(error: z.ZodError): string {
  return `invalid query: ${error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ")}`;
}

/** `name=value` as before matchers existed: a value that parseMatcher refuses (spaces, quotes) is taken literally. */
function parseMatchParameter(text: string): CompiledMatcher {
  try {
    return compileMatcher(parseMatcher(text));
  } catch (err) {
    const literal = /^([a-zA-Z_][a-zA-Z0-9_]*)=(?![=~])(.*)$/s.exec(text);
    if (literal) return compileMatcher({ name: literal[1]!, op: "=", value: literal[2]! });
    throw err;
  }
}

function jsonValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  return Number.isNaN(value) ? '"NaN"' : value > 0 ? '"+Inf"' : '"-Inf"';
}

/** `{"series":[{"name","labels","points":[[ts,value],…]}]}` written directly: no array per point. */
function seriesJson(series: SeriesColumns[], warnings: readonly string[]): string {
  const parts: string[] = [];
  for (const s of series) {
    const points: string[] = new Array<string>(s.ts.length);
    for (let i = 0; i < s.ts.length; i++) points[i] = `[${s.ts[i]},${jsonValue(s.values[i]!)}]`;
    parts.push(`{"name":${JSON.stringify(s.name)},"labels":${JSON.stringify(s.labels)},"points":[${points.join(",")}]}`);
  }
  return `{"series":[${parts.join(",")}]${warnings.length > 0 ? `,"warnings":${JSON.stringify(warnings)}` : ""}}`;
}

function selectSeries(store: SeriesReader, selector: Selector): SeriesRef[] {
  return store.find(selector.name, selector.labelMatchers).filter((ref) => nameMatches(selector, ref.name));
}

/**
 * What to ask other replicas for, as a PromQL selector: the metric name and the = and !=
 * matchers, whose meaning is the same in both languages. Regex matchers are left out (PromQL
 * reads RE2, these routes JavaScript regexes): the answer is a superset, filtered here.
 */
function remoteSelector(name: string | undefined, matchers: readonly CompiledMatcher[]): string {
  const exact = matchers.filter((m) => m.op === "=" || m.op === "!=").map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`);
  return `{${[name === undefined ? '__name__=~".+"' : `__name__=${JSON.stringify(name)}`, ...exact].join(",")}}`;
}

export function registerTsdbRoutes(http: FastifyInstance, o: TsdbRoutesOptions): void {
  const maxPoints = o.maxPoints ?? DEFAULT_MAX_POINTS;

  http.get("/api/v1/tsdb/series", access("viewer"), async (req, reply) => {
    const q = seriesQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, zodMessage(q.error));
    const texts = [...q.data.match, ...q.data["match[]"]];
    if (texts.length === 0) return badRequest(reply, 'invalid query: match: expected at least one selector such as match=node_load1{node="a"}');
    const selectors: Selector[] = [];
    for (const text of texts) {
      try {
        selectors.push(parseSelector(text));
      } catch (err) {
        return badRequest(reply, `invalid query: match: ${(err as Error).message}`);
      }
    }
    const found = new Map<string, SeriesRef>();
    for (const selector of selectors) for (const ref of selectSeries(o.store, selector)) found.set(seriesKey(ref.name, ref.labels), ref);
    let warnings: string[] = [];
    if (o.fanout?.hasPeers()) {
      const remote = await o.fanout.remoteSeries(selectors.map((s) => remoteSelector(s.name, s.labelMatchers)), null);
      warnings = remote.warnings;
      for (const ref of remote.value) {
        if (selectors.some((s) => nameMatches(s, ref.name) && matchesAll(s.labelMatchers, ref.labels))) found.set(seriesKey(ref.name, ref.labels), ref);
      }
    }
    const keys = [...found.keys()].sort();
    return { series: keys.map((k) => ({ name: found.get(k)!.name, labels: found.get(k)!.labels })), ...(warnings.length > 0 && { warnings }) };
  });

  http.get("/api/v1/tsdb/query_range", access("viewer"), async (req, reply) => {
    const q = queryRangeQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, zodMessage(q.error));
    let selector: Selector;
    const matchers: CompiledMatcher[] = [];
    try {
      selector = parseSelector(q.data.metric);
      for (const m of q.data.match) matchers.push(parseMatchParameter(m));
    } catch (err) {
      return badRequest(reply, `invalid query: ${(err as Error).message}`);
    }
    if (selector.name === undefined || selector.nameMatchers.length > 0) {
      return badRequest(reply, `invalid query: metric: expected a metric name, got "${q.data.metric}"`);
    }
    const to = q.data.to ?? o.clock.now();
    const from = q.data.from ?? Math.max(0, to - DEFAULT_RANGE_MS);
    if (from > to) return badRequest(reply, `invalid query: from (${from}) is after to (${to})`);
    const allMatchers = [...selector.labelMatchers, ...matchers];
    const { step, aggregate } = q.data;
    try {
      let reader: SeriesReader = o.store;
      let warnings: string[] = [];
      if (o.fanout?.hasPeers()) {
        // Refused before other replicas are asked for anything.
        if (step !== undefined) checkStep(from, to, step);
        // A step takes the last point in (t − step, t]: the first one looks back before `from`.
        const remoteFrom = step === undefined ? from : from - step + 1;
        ({ value: reader, warnings } = await o.fanout.reader([remoteSelector(selector.name, allMatchers)], remoteFrom, to, { ...(aggregate !== undefined && { aggregate }) }));
      }
      const series = reader.rangeColumns(selector.name, allMatchers, from, to, {
        maxPoints,
        ...(step !== undefined && { step }),
        ...(aggregate !== undefined && { aggregate }),
      });
      return reply.type("application/json; charset=utf-8").send(seriesJson(series, warnings));
    } catch (err) {
      if (err instanceof QueryLimitError || err instanceof RangeError || err instanceof ReplicaLimitError) return badRequest(reply, `invalid query: ${err.message}`);
      throw err;
    }
  });
}
