// Asks one other replica for series (POST /api/v1/replica/series with the cluster key) and
// checks its answer as any input from outside: shape, column lengths, ascending timestamps.
// Built-in fetch, TLS as the peer's URL says, the whole exchange bounded by one timeout.
import { z } from "zod";
import { REPLICA_KEY_HEADER } from "../../replicas/cluster-key.js";
import { isAscending } from "../../tsdb/query/merge-columns.js";
import type { SeriesColumns } from "../../tsdb/series-store.js";
import { REPLICA_SERIES_PATH, decodeColumn, type ReplicaSeriesRequest } from "./series-wire.js";

/** Another live replica: its name and advertised base URL. */
export interface ReplicaPeer {
  name: string;
  url: string;
}

/** The peer refused because the answer would exceed its limits (422): the query is too big, not the peer down. */
export class ReplicaLimitError extends Error {
  constructor(peer: ReplicaPeer, detail: string) {
    super(`replica ${peer.name} (${peer.url}) refused the query: ${detail}`);
    this.name = "ReplicaLimitError";
  }
}

const answerSchema = z.object({
  series: z.array(z.object({ name: z.string(), labels: z.record(z.string(), z.string()), ts: z.string(), values: z.string() })),
});

/** The peer's series for `request`; throws ReplicaLimitError on its 422, an Error saying what went wrong otherwise. */
export async function fetchPeerSeries(peer: ReplicaPeer, key: string, request: ReplicaSeriesRequest, timeoutMs: number): Promise<SeriesColumns[]> {
  let text: string;
  let status: number;
  try {
    const res = await fetch(new URL(REPLICA_SERIES_PATH, peer.url), {
      method: "POST",
      headers: { "content-type": "application/json", [REPLICA_KEY_HEADER]: key },
      body: JSON.stringify(request),
      redirect: "error",
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    const e = err as Error & { cause?: Error };
    if (e.name === "TimeoutError" || e.name === "AbortError") throw new Error(`no answer within ${timeoutMs} ms`);
    // undici says "fetch failed" and keeps the useful part (ECONNREFUSED ...) in `cause`.
    throw new Error(e.cause?.message ?? e.message);
  }
  if (status !== 200) {
    const detail = errorOf(text);
    if (status === 422) throw new ReplicaLimitError(peer, detail);
    throw new Error(`it answered ${status}: ${detail}`);
  }
  return decodeAnswer(text);
}

/** The series of a 200 answer; throws naming the first problem. */
export function decodeAnswer(text: string): SeriesColumns[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error("its answer is not JSON");
  }
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) throw new Error(`its answer is not a series list: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
  return parsed.data.series.map((s, i) => {
    const ts = decodeColumn(s.ts, `series[${i}].ts`);
    const values = decodeColumn(s.values, `series[${i}].values`);
    if (ts.length !== values.length) throw new Error(`series[${i}] (${s.name}): ${ts.length} timestamps but ${values.length} values`);
    if (!isAscending(ts)) throw new Error(`series[${i}] (${s.name}): timestamps not in ascending order`);
    return { name: s.name, labels: s.labels, ts, values };
  });
}

function errorOf(text: string): string {
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error;
    if (typeof error === "string") return error;
  } catch {
    // Not JSON: the text itself, shortened.
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text || "(no body)";
}
