// What the API answers when a request fails before or outside a route's own checks
// (malformed JSON, a body over the limit, an unsupported content type, a bug): a 4xx with
// `{ error }` saying what was wrong, or a 500 that tells nothing internal (the log has it).
import type { FastifyError, FastifyInstance } from "fastify";
import type { Logger } from "../../util/logger.js";

export function installErrorHandler(http: FastifyInstance, logger: Logger): void {
  http.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ error: clientError(err, req.routeOptions.bodyLimit ?? null) });
    logger.error({ err, method: req.method, url: req.routeOptions.url }, "request failed");
    return reply.code(500).send({ error: "internal error (the server's log says more)" });
  });
}

function clientError(err: FastifyError, bodyLimit: number | null): string {
  switch (err.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return `request body too large${bodyLimit !== null ? `: at most ${bodyLimit} bytes` : ""}`;
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return `unsupported content type: send JSON with content-type: application/json`;
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return "empty body with content-type: application/json: send a JSON value";
    default:
      return err instanceof SyntaxError || err.code === "FST_ERR_CTP_INVALID_JSON_BODY" ? `invalid JSON body: ${err.message}` : err.message;
  }
}
