// GET /api/v1/events/stream: server-sent events for the dashboard. Each change from the
// LiveFeed arrives as `event: change` with `{topic, ...}`; a comment every 15 s keeps
// proxies from closing an idle stream. The browser's EventSource reconnects by itself.
import type { FastifyInstance } from "fastify";
import type { LiveFeed } from "../live-feed.js";
import { access } from "../auth/access-control.js";

const KEEPALIVE_MS = 15_000;

export function registerLiveRoute(http: FastifyInstance, feed: LiveFeed): void {
  http.get("/api/v1/events/stream", access("viewer"), (req, reply) => {
    // HEAD (Fastify's automatic one) gets the headers and an end: a stream that never ends has no length to report.
    if (req.method === "HEAD") return reply.type("text/event-stream; charset=utf-8").header("cache-control", "no-cache, no-transform").send();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    // `retry` tells EventSource how soon to reconnect after the server went away.
    res.write(`retry: 2000\n: connected\n\n`);
    const stop = feed.listen((frame) => res.write(frame));
    const keepalive = setInterval(() => res.write(": keepalive\n\n"), KEEPALIVE_MS);
    const close = () => {
      clearInterval(keepalive);
      stop();
    };
    req.raw.once("close", close);
    res.once("error", close);
  });
}
