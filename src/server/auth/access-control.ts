// The one gate of the HTTP API. Every route declares its access once, at registration
// (`access("operator")` → `config: { access }`); a route without one fails to register.
// One onRequest hook then authenticates the request (bearer token or session cookie),
// refuses addresses with too many failed attempts (429), checks the role (401 / 403) and,
// for mutating requests made with the session cookie, the CSRF token and the origin.
import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "../../util/logger.js";
import type { Actor, Authenticator } from "./authenticator.js";
import type { FailedAuthLimiter } from "./failed-auth-limiter.js";
import { isRouteAccess, roleAllows, type RouteAccess } from "./roles.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Who may call the route (src/server/auth/roles.ts). Required on every route. */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** Who made the request, once the access hook has let it through (null on public routes without credentials). */
    actor: Actor | null;
  }
}

/** Route options that declare who may call the route: `http.get(path, access("viewer"), handler)`. */
export function access(a: RouteAccess): { config: { access: RouteAccess } } {
  return { config: { access: a } };
}

export interface RegisteredRoute {
  method: string;
  url: string;
  access: RouteAccess;
}

export interface AccessControlDeps {
  authenticator: Authenticator;
  limiter: FailedAuthLimiter;
  /** Whether requests need credentials now (auth-policy.ts). */
  enabled(): Promise<boolean>;
  logger: Logger;
}

export const CSRF_HEADER = "x-csrf-token";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export const ANONYMOUS: Actor = { name: "anonymous", role: "admin", via: "none", tokenId: null };

/** Installs the gate; call before any route is registered. Returns the routes it has seen. */
export function installAccessControl(http: FastifyInstance, deps: AccessControlDeps): { routes(): RegisteredRoute[] } {
  const routes: RegisteredRoute[] = [];
  http.decorateRequest("actor", null);

  http.addHook("onRoute", (route) => {
    const declared = route.config?.access;
    const methods = [route.method].flat();
    if (!isRouteAccess(declared)) {
      throw new Error(
        `route ${methods.join(",")} ${route.url} declares no access: register it with access("viewer" | "operator" | "admin" | "public" | "agent" | "replica") from src/server/auth/access-control.ts`,
      );
    }
    for (const method of methods) routes.push({ method, url: route.url, access: declared });
  });

  http.addHook("onRequest", async (req, reply) => {
    const need = req.routeOptions.config.access;
    // No route matched (the 404 handler): nothing to protect. A matched route always has one (onRoute).
    if (need === undefined && req.routeOptions.url === undefined) return;
    if (need === undefined) return deny(reply, 403, "this route declares no access");
    // The agent websocket and replica-to-replica routes check their own credentials.
    if (need === "public" || need === "agent" || need === "replica") return;

    const enabled = await deps.enabled();
    const address = req.ip;
    const retryAfterMs = enabled ? deps.limiter.retryAfterMs(address) : 0;
    if (retryAfterMs > 0) {
      reply.header("retry-after", String(Math.ceil(retryAfterMs / 1000)));
      return deny(reply, 429, `too many failed authentication attempts from ${address}: try again in ${Math.ceil(retryAfterMs / 1000)} s`);
    }
    const auth = await deps.authenticator.authenticate({ authorization: req.headers.authorization, cookie: req.headers.cookie });
    if (!enabled) {
      // Auth is off (loopback only): everyone may do everything; a valid token still names who did it.
      req.actor = auth.kind === "actor" ? { ...auth.actor, role: "admin" } : ANONYMOUS;
      return;
    }
    if (auth.kind === "invalid") {
      deps.limiter.recordFailure(address);
      deps.logger.warn({ address, method: req.method, url: req.routeOptions.url, reason: auth.reason }, "authentication failed");
    }
    if (auth.kind === "invalid") return unauthorized(reply, auth.reason);
    if (auth.kind === "none") {
      return unauthorized(reply, "this route needs a token: send Authorization: Bearer <token> (create one with vigil token create) or log in at POST /api/v1/session");
    }
    const actor = auth.actor;
    req.actor = actor;
    if (!roleAllows(actor.role, need)) {
      return deny(reply, 403, `this route needs the ${need} role; "${actor.name}" has ${actor.role}`);
    }
    if (actor.via === "session" && !SAFE_METHODS.has(req.method)) {
      const problem = csrfProblem(req, actor);
      if (problem) return deny(reply, 403, problem);
    }
  });

  return { routes: () => [...routes] };
}

/**
 * A cross-site page can make the browser send the cookie, but not read the CSRF token nor
 * set a custom header without a CORS preflight (which Vigil never grants); SameSite=Strict
 * is the first line, this the second, and the Origin check the third.
 */
function csrfProblem(req: FastifyRequest, actor: Actor): string | null {
  const sent = req.headers[CSRF_HEADER];
  const expected = actor.session?.csrf ?? "";
  if (typeof sent !== "string" || !sameText(sent, expected)) {
    return `a request made with the session cookie must send the session's CSRF token in ${CSRF_HEADER} (GET /api/v1/session returns it)`;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== "null") {
    let host: string | null = null;
    try {
      host = new URL(origin).host;
    } catch {
      host = null;
    }
    if (host !== req.headers.host) return `cross-origin request refused: Origin ${origin} is not this server`;
  } else if (origin === "null") {
    return "cross-origin request refused: Origin null";
  }
  if (req.headers["sec-fetch-site"] === "cross-site") return "cross-site request refused";
  return null;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function unauthorized(reply: FastifyReply, error: string) {
  reply.header("www-authenticate", 'Bearer realm="vigil"');
  return deny(reply, 401, error);
}

function deny(reply: FastifyReply, status: number, error: string) {
  return reply.code(status).send({ error });
}
