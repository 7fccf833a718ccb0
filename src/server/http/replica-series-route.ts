// POST /api/v1/replica/series: the internal endpoint every replica serves so that the leader
// can answer series queries for the whole cluster (src/server/replicas/series-fanout.ts). It
// answers the series this replica's own store holds for some PromQL selectors: their points
// in [from, to] bit for bit (series-wire.ts), or with `points: false` only which series
// match. Callers prove they are replicas with the cluster key (access "replica"); the answer
// is bounded (maxSeries, maxPoints: 422 beyond them).
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import type { VectorSelector } from "../../promql/ast.js";
import { PromqlParseError } from "../../promql/errors.js";
import { seriesMatchingSelector } from "../../promql/matching-series.js";
import { parseQuery } from "../../promql/parser.js";
import { selectorLabelPredicates, selectorMetricNames } from "../../promql/selection.js";
import { seriesKey } from "../../tsdb/labels.js";
import { AGGREGATES, QueryLimitError, type SeriesColumns, type SeriesReader, type SeriesRef } from "../../tsdb/series-store.js";
import { access } from "../auth/access-control.js";
import { requireReplicaKey } from "../auth/replica-key-auth.js";
import { REPLICA_SERIES_PATH, encodeColumn } from "../replicas/series-wire.js";

export interface ReplicaSeriesRouteOptions {
  /** This replica's own series. */
  store: SeriesReader;
  /** The cluster key callers must send; null when this server is not a replica (the route then answers 503). */
  key: () => string | null;
  /** Most series one answer may hold. Default 100,000. */
  maxSeries?: number;
  /** Most points one answer may hold, all series together. Default 2,000,000 (32 MB of columns). */
  maxPoints?: number;
}

export const DEFAULT_REPLICA_MAX_SERIES = 100_000;
export const DEFAULT_REPLICA_MAX_POINTS = 2_000_000;
/** A request is a few selectors and two times. */
const BODY_LIMIT = 256 * 1024;
const MAX_SELECTORS = 100;

/** A PromQL vector selector without offset or @ (the caller applies those to the range it asks for). */
const selectorText = z.string().transform((text, ctx): VectorSelector => {
  let expr;
  try {
    expr = parseQuery(text);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: err instanceof PromqlParseError ? err.message : String(err) });
    return z.NEVER;
  }
  if (expr.type !== "selector" || expr.offsetMs !== 0 || expr.at !== undefined) {
    ctx.addIssue({ code: "custom", message: `expected a vector selector such as node_load1{node="a"} (no offset or @), got ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return expr;
});

const time = z.number({ error: "expected ms since the epoch" }).refine(Number.isSafeInteger, { message: "expected a whole number of ms" });

const requestBody = z
  .strictObject({
    selectors: z.array(selectorText, { error: 'expected a list of PromQL selectors such as ["node_load1{node=\\"a\\"}"]' }).min(1, "expected at least one selector").max(MAX_SELECTORS, `expected at most ${MAX_SELECTORS} selectors: ask in several requests`),
    from: time.optional(),
    to: time.optional(),
    points: z.boolean({ error: "expected true or false" }).default(true),
    aggregate: z.enum(AGGREGATES).optional(),
  })
  .superRefine((b, ctx) => {
    if ((b.from === undefined) !== (b.to === undefined)) {
      ctx.addIssue({ code: "custom", path: [b.from === undefined ? "from" : "to"], message: "expected both from and to, or neither" });
    } else if (b.from === undefined && b.points) {
      ctx.addIssue({ code: "custom", path: ["from"], message: "required with points (only a listing with points: false may leave out the range)" });
    } else if (b.from !== undefined && b.from > b.to!) {
      ctx.addIssue({ code: "custom", path: ["to"], message: `expected to ≥ from (${b.from}), got ${b.to}` });
    }
  });

type RequestBody = z.infer<typeof requestBody>;

/** "selectors.0" → "selectors[0]", as the path reads in the request. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), "");
}

class AnswerTooLarge extends Error {}

export function registerReplicaSeriesRoute(http: FastifyInstance, o: ReplicaSeriesRouteOptions): void {
  const maxSeries = o.maxSeries ?? DEFAULT_REPLICA_MAX_SERIES;
  const maxPoints = o.maxPoints ?? DEFAULT_REPLICA_MAX_POINTS;

  /** Every matching series with its points, each once however many selectors match it. */
  const columnsOf = (b: RequestBody): SeriesColumns[] => {
    const found = new Map<string, SeriesColumns>();
    let points = 0;
    for (const selector of b.selectors) {
      const predicates = selectorLabelPredicates(selector);
      for (const name of selectorMetricNames(o.store, selector)) {
        let series: SeriesColumns[];
        try {
          series = o.store.rangeColumns(name, predicates, b.from!, b.to!, { maxPoints: maxPoints - points, ...(b.aggregate && { aggregate: b.aggregate }) });
        } catch (err) {
          if (err instanceof QueryLimitError) throw new AnswerTooLarge(`more than ${maxPoints} points`);
          throw err;
        }
        for (const s of series) {
          const key = seriesKey(s.name, s.labels);
          if (found.has(key)) continue;
          found.set(key, s);
          points += s.ts.length;
          if (found.size > maxSeries) throw new AnswerTooLarge(`more than ${maxSeries} series`);
        }
      }
    }
    return [...found.values()];
  };

  /** Every matching series without points. */
  const listingOf = (b: RequestBody): SeriesRef[] => {
    const found = new Map<string, SeriesRef>();
    const window = b.from === undefined ? null : { from: b.from, to: b.to! };
    for (const selector of b.selectors) {
      for (const ref of seriesMatchingSelector(o.store, selector, window)) {
        found.set(seriesKey(ref.name, ref.labels), ref);
        if (found.size > maxSeries) throw new AnswerTooLarge(`more than ${maxSeries} series`);
      }
    }
    return [...found.values()];
  };

  http.post(REPLICA_SERIES_PATH, { ...access("replica"), preValidation: requireReplicaKey(o.key), bodyLimit: BODY_LIMIT }, async (req, reply: FastifyReply) => {
    const parsed = requestBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${fieldPath(i.path) || "body"}: ${i.message}`).join("; ");
      return reply.code(400).send({ error: `invalid replica series request: ${detail}` });
    }
    const b = parsed.data;
    const parts: string[] = [];
    try {
      if (b.points) {
        for (const s of columnsOf(b)) {
          parts.push(`{"name":${JSON.stringify(s.name)},"labels":${JSON.stringify(s.labels)},"ts":"${encodeColumn(s.ts)}","values":"${encodeColumn(s.values)}"}`);
        }
      } else {
        for (const s of listingOf(b)) parts.push(`{"name":${JSON.stringify(s.name)},"labels":${JSON.stringify(s.labels)},"ts":"","values":""}`);
      }
    } catch (err) {
      if (err instanceof AnswerTooLarge) {
        const range = b.from === undefined ? "" : ` in [${b.from}, ${b.to}]`;
        return reply.code(422).send({ error: `the selectors match ${err.message}${range} on this replica: narrow the selectors or the time range` });
      }
      if (err instanceof RangeError) return reply.code(400).send({ error: `invalid replica series request: ${err.message}` });
      throw err;
    }
    return reply.type("application/json; charset=utf-8").send(`{"series":[${parts.join(",")}]}`);
  });
}
