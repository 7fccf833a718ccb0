// How a replica that does not lead answers the API: the request is passed on to the leader
// and its answer streamed back (credentials, bodies and cookies included), so that any
// replica's URL works for the CLI and the dashboard. With no leader (the lease vacant) the
// answer is 503 naming why.
import { Readable } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";

export interface LeaderAddress {
  name: string;
  url: string;
  term: number;
}

/** A request passed on to the leader that takes longer is answered 504. */
const PROXY_TIMEOUT_MS = 30_000;
/** Request headers not passed on: hop-by-hop ones, and those fetch sets itself. */
const DROPPED_REQUEST_HEADERS = new Set(["host", "connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "te", "trailer", "proxy-authorization"]);
/** Response headers not passed back as they are: the body is re-framed here; cookies are passed one by one. */
const DROPPED_RESPONSE_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "set-cookie"]);

export async function passToLeader(req: FastifyRequest, reply: FastifyReply, leader: LeaderAddress | null): Promise<FastifyReply> {
  if (leader === null) {
    return reply.code(503).send({ error: "no replica holds the leader lease right now; this one stands by (GET /api/v1/cluster shows the replicas)" });
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || DROPPED_REQUEST_HEADERS.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  headers.set("x-forwarded-for", req.ip);
  let response: Response;
  try {
    response = await fetch(new URL(req.url, leader.url), {
      method: req.method,
      headers,
      ...(req.body instanceof Buffer && req.method !== "GET" && req.method !== "HEAD" && { body: req.body }),
      redirect: "manual",
      signal: AbortSignal.timeout(PROXY_TIMEOUT_MS),
    });
  } catch (err) {
    const timedOut = (err as Error).name === "TimeoutError";
    return reply
      .code(timedOut ? 504 : 502)
      .send({ error: `the leader ${leader.name} (${leader.url}) ${timedOut ? `did not answer within ${PROXY_TIMEOUT_MS} ms` : `could not be reached: ${(err as Error).message}`}` });
  }
  reply.code(response.status);
  response.headers.forEach((value, name) => {
    if (!DROPPED_RESPONSE_HEADERS.has(name)) reply.header(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) reply.header("set-cookie", cookies);
  return reply.send(response.body ? Readable.fromWeb(response.body as import("node:stream/web").ReadableStream) : null);
}
