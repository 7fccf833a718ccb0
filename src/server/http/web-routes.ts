// Serves the dashboard (src/web/, built by scripts/build-web.mjs into dist/web): the page at
// `/`, its script, styles and fonts under `/web/`. Everything is local: it works offline.
// Pages are routed in the browser (`/#/nodes/NAME`), so one index.html serves them all.
import { readFile } from "node:fs/promises";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";
import { access } from "../auth/access-control.js";

/** dist/src/server/http/web-routes.js → dist/web. */
export const DEFAULT_WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../web");

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json; charset=utf-8",
  ".ico": "image/x-icon",
  ".png": "image/png",
};

export function registerWebRoutes(http: FastifyInstance, root: string = DEFAULT_WEB_ROOT): void {
  const send = async (reply: FastifyReply, relative: string) => {
    const path = resolve(root, relative);
    if (path !== root && !path.startsWith(root + sep)) return reply.code(404).send({ error: `no such file "${relative}"` });
    let body: Buffer;
    try {
      body = await readFile(path);
    } catch {
      if (relative === "index.html") {
        return reply
          .code(503)
          .type("text/plain; charset=utf-8")
          .send(`The dashboard is not built: ${join(root, "index.html")} is missing. Run \`npm run build\`.`);
      }
      return reply.code(404).send({ error: `no such file "${relative}"` });
    }
    return reply
      .type(CONTENT_TYPES[extname(path)] ?? "application/octet-stream")
      .header("cache-control", "no-cache")
      .header("x-content-type-options", "nosniff")
      .send(body);
  };
  // The app's files hold no data (that comes from the API, behind its roles): public, so the login page loads.
  http.get("/", access("public"), (_req, reply) => send(reply, "index.html"));
  http.get("/web/*", access("public"), (req, reply) => send(reply, (req.params as { "*": string })["*"]));
}
