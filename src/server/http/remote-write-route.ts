// POST /api/v1/write: Prometheus remote-write 1.0 receiver (snappy-compressed protobuf
// WriteRequest). 204 when every sample was stored; 4xx naming the problem for a bad body
// (nothing stored); 400 when the store refused some samples (out of order, duplicate,
// outside retention: Prometheus drops such a batch rather than retrying it), the others
// stored.
import type { FastifyInstance } from "fastify";
import type { Sample } from "../../protocol/messages.js";
import { decodeRemoteWriteBody, RemoteWriteRefusal } from "../../remote-write/remote-write-body.js";
import type { AppendResult } from "../../tsdb/series-store.js";
import { access } from "../auth/access-control.js";

export interface RemoteWriteRouteOptions {
  /** Stores the samples (and evaluates the rules on them), as agent samples are. */
  ingest(samples: Sample[]): AppendResult;
  /** Counts each request by its HTTP status. */
  onRequest?(status: number, stored: number): void;
}

/** Largest compressed body accepted. */
const BODY_LIMIT = 32 * 1024 * 1024;

export function registerRemoteWriteRoute(http: FastifyInstance, o: RemoteWriteRouteOptions): void {
  // In its own scope, so that taking any body as raw bytes applies to this route only.
  void http.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
    // Writing samples changes what rules see: an operator's right, like Prometheus' remote_write with a bearer token.
    scope.post("/api/v1/write", { bodyLimit: BODY_LIMIT, ...access("operator") }, async (req, reply) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let samples: Sample[];
      try {
        samples = decodeRemoteWriteBody(body, {
          contentType: req.headers["content-type"],
          contentEncoding: header(req.headers["content-encoding"]),
          version: header(req.headers["x-prometheus-remote-write-version"]),
        }).samples;
      } catch (err) {
        if (!(err instanceof RemoteWriteRefusal)) throw err;
        o.onRequest?.(err.status, 0);
        return reply.code(err.status).type("text/plain").send(err.message + "\n");
      }
      const result = samples.length > 0 ? o.ingest(samples) : { accepted: 0, rejected: 0 };
      if (result.rejected > 0) {
        o.onRequest?.(400, result.accepted);
        return reply
          .code(400)
          .type("text/plain")
          .send(
            `${result.rejected} of ${samples.length} samples were not stored: out of order, duplicate, older than the retention or too far in the future; the other ${result.accepted} were stored\n`,
          );
      }
      o.onRequest?.(204, result.accepted);
      return reply.code(204).send();
    });
  });
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
