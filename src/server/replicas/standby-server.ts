// What a standby replica serves on the listen address while another replica leads: agents
// are sent to the leader (a `redirect` in answer to their hello), API requests are passed
// on to the leader and its answer streamed back (so any replica's URL works for the CLI
// and the dashboard), /api/v1/cluster is answered here, and /healthz says "standby". With
// no leader (the lease vacant), agents are asked to come back later (close 1013) and the
// API answers 503 naming why. /metrics is its own (vigil_replica_leader 0, the term it last read).
import { Readable } from "node:stream";
import type { TlsOptions } from "node:tls";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import websocket from "@fastify/websocket";
import { Registry } from "prom-client";
import type { WebSocket } from "ws";
import { AGENT_WS_PATH, PROTOCOL_VERSION, type RedirectMessage } from "../../protocol/messages.js";
import type { Storage } from "../../storage/storage.js";
import type { Clock } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";
import { access } from "../auth/access-control.js";
import { installApiAuth } from "../auth/api-auth.js";
import type { AuthMode } from "../auth/auth-policy.js";
import { registerClusterRoute } from "../http/cluster-route.js";
import { installErrorHandler } from "../http/error-handler.js";
import type { ClusterStatus } from "./cluster-status.js";
import { registerReplicaMetrics } from "./replica-metrics.js";

export interface LeaderAddress {
  name: string;
  url: string;
  term: number;
}

export interface StandbyServerOptions {
  host: string;
  port: number;
  tls: TlsOptions | null;
  storage: Storage;
  clock: Clock;
  logger: Logger;
  authMode: AuthMode;
  sessionTtlMs: number;
  /** The leader as last read from the database, or null while the lease is vacant. */
  leader(): LeaderAddress | null;
  cluster(): ClusterStatus | Promise<ClusterStatus>;
}

export interface StandbyServer {
  /** The bound port (the listen port, or the one picked for port 0). */
  port: number;
  close(): Promise<void>;
}

/** An agent that sends no hello within this long is closed. */
const HELLO_TIMEOUT_MS = 10_000;
/** A request passed on to the leader that takes longer is answered 504. */
const PROXY_TIMEOUT_MS = 30_000;
/** Request headers not passed on: hop-by-hop ones, and those fetch sets itself. */
const DROPPED_REQUEST_HEADERS = new Set(["host", "connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "te", "trailer", "proxy-authorization"]);
/** Response headers not passed back as they are: the body is re-framed here; cookies are passed one by one. */
const DROPPED_RESPONSE_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "set-cookie"]);

export async function startStandbyServer(o: StandbyServerOptions): Promise<StandbyServer> {
  const http: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true, ...(o.tls && { https: o.tls }) });
  installErrorHandler(http, o.logger);
  installApiAuth(http, { storage: o.storage, clock: o.clock, logger: o.logger, mode: o.authMode, sessionTtlMs: o.sessionTtlMs });
  // Bodies are passed on as they came.
  http.removeAllContentTypeParsers();
  http.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
  await http.register(websocket);

  http.get(AGENT_WS_PATH, { websocket: true, ...access("agent") }, (socket) => redirectAgent(socket, o));
  http.get("/healthz", access("public"), async () => ({ status: "ok", role: "standby", leader: o.leader()?.name ?? null }));
  registerClusterRoute(http, () => o.cluster());
  // Its own metrics, not the leader's: a scrape of each replica sees each replica.
  const metrics = new Registry();
  registerReplicaMetrics(metrics, () => ({ leading: false, term: o.leader()?.term ?? 0 }));
  http.get("/metrics", access("viewer"), async (_req, reply) => reply.header("content-type", metrics.contentType).send(await metrics.metrics()));
  // The leader checks credentials itself: a public route here, so that the request reaches it as it came.
  http.all("/*", access("public"), (req, reply) => passToLeader(req, reply, o));

  await http.listen({ host: o.host, port: o.port });
  const address = http.server.address();
  const port = typeof address === "object" && address ? address.port : o.port;
  return { port, close: () => http.close() };
}

/** Answers the agent's hello with a redirect to the leader, then closes. */
function redirectAgent(socket: WebSocket, o: StandbyServerOptions): void {
  const timer = setTimeout(() => socket.close(1008, "no hello"), HELLO_TIMEOUT_MS);
  socket.once("message", () => {
    clearTimeout(timer);
    const leader = o.leader();
    if (leader === null) {
      socket.close(1013, "no replica holds the leader lease yet; try again later");
      return;
    }
    const redirect: RedirectMessage = {
      type: "redirect",
      v: PROTOCOL_VERSION,
      url: leader.url,
      owner: leader.name,
      reason: `this replica stands by; ${leader.name} leads (term ${leader.term})`,
    };
    socket.send(JSON.stringify(redirect), () => socket.close(1000, "redirected to the leader"));
  });
  socket.once("close", () => clearTimeout(timer));
}

async function passToLeader(req: FastifyRequest, reply: FastifyReply, o: StandbyServerOptions): Promise<FastifyReply> {
  const leader = o.leader();
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
