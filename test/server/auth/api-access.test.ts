// The HTTP API's gate against a real server in this process (real socket, SQLite in a temp
// directory, auth mode "required"): a route scanner that walks every registered route and
// checks it answers 401 without a token and 403 with a too-weak role, so no route can be
// added unprotected; revoked tokens; the dashboard login with its cookie and CSRF token;
// the audit log; body limits; and the failed-attempt limit.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Fastify from "fastify";
import { parseConfig } from "../../../src/config/load.js";
import { access, installAccessControl } from "../../../src/server/auth/access-control.js";
import { Authenticator } from "../../../src/server/auth/authenticator.js";
import { FailedAuthLimiter } from "../../../src/server/auth/failed-auth-limiter.js";
import { weakerRole, type Role } from "../../../src/server/auth/roles.js";
import { issueToken } from "../../../src/server/auth/token-admin.js";
import { startServer, type VigilServer } from "../../../src/server/server.js";
import { systemClock } from "../../../src/util/clock.js";
import { silentLogger } from "../../../src/util/logger.js";
import { tempDir } from "../../agent/process-helpers.js";
import { BODY_ROUTES, NON_JSON_BODY_ROUTES } from "./body-fuzzer.js";

let dir: { path: string; remove(): void };
let server: VigilServer;
const tokens = {} as Record<Role, string>;
let revokedToken: string;

before(async () => {
  dir = tempDir("api-access");
  server = await startServer({
    config: parseConfig("server: { auth: { mode: required } }\nservices: [{ name: api, node: node-a }]\n"),
    listen: "127.0.0.1:0",
    dataDir: join(dir.path, "data"),
    logger: silentLogger(),
    // The scanner tries revoked tokens on every route: the limit is tested on a server of its own.
    failedAuthLimits: { maxFailures: 1_000_000, windowMs: 60_000 },
  });
  for (const role of ["viewer", "operator", "admin"] as const) {
    tokens[role] = (await issueToken(server.storage.tokens, { name: `${role}-token`, role, createdBy: "test" }, Date.now())).secret;
  }
  const revoked = await issueToken(server.storage.tokens, { name: "old", role: "admin", createdBy: "test" }, Date.now());
  await server.storage.tokens.revokeToken(revoked.token.id, Date.now());
  revokedToken = revoked.secret;
});
after(async () => {
  await server.close();
  dir.remove();
});

interface Answer {
  status: number;
  headers: Headers;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(method: string, path: string, o: { token?: string; body?: unknown; headers?: Record<string, string>; base?: string } = {}): Promise<Answer> {
  const res = await fetch(`${o.base ?? server.url}${path}`, {
    method,
    headers: {
      ...(o.token !== undefined && { authorization: `Bearer ${o.token}` }),
      ...(o.body !== undefined && { "content-type": "application/json" }),
      ...o.headers,
    },
    ...(o.body !== undefined && { body: typeof o.body === "string" ? o.body : JSON.stringify(o.body) }),
    signal: AbortSignal.timeout(30_000),
  });
  // The event stream never ends: its status and headers are the answer.
  if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
    await res.body?.cancel();
    return { status: res.status, headers: res.headers, json: null };
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json };
}

/** A concrete path for a route pattern: every :param names nothing that exists (the scanner must not revoke its own tokens). */
const concrete = (url: string) => url.replace(/:[^/]+/g, "999999");

describe("route scanner", () => {
  it("every registered route but /healthz, the login, the agent websocket and the replica-to-replica call needs a token, and a strong enough role", async () => {
    const routes = server.routes();
    assert.ok(routes.length >= 25, `only ${routes.length} routes registered`);
    const open = routes.filter((r) => r.access === "public" || r.access === "agent").map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(open.sort(), ["GET /", "GET /api/v1/agent/ws", "GET /healthz", "GET /web/*", "HEAD /", "HEAD /api/v1/agent/ws", "HEAD /healthz", "HEAD /web/*", "POST /api/v1/session"].sort());
    const byClusterKey = routes.filter((r) => r.access === "replica").map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(byClusterKey, ["POST /api/v1/replica/series"]);
    for (const route of routes) {
      if (route.access === "public" || route.access === "agent") continue;
      if (route.access === "replica") {
        // Checked by the cluster key, which a single server has none of: refused, whatever the token.
        for (const token of [undefined, tokens.admin]) {
          const answer = await call(route.method, concrete(route.url), { body: {}, ...(token !== undefined && { token }) });
          assert.equal(answer.status, 503, `${route.method} ${route.url} on a single server`);
          assert.match(answer.json.error, /not a replica of a cluster/);
        }
        continue;
      }
      const path = concrete(route.url);
      const body = route.method === "POST" || route.method === "PUT" ? {} : undefined;
      const what = `${route.method} ${route.url} (${route.access})`;
      const anonymous = await call(route.method, path, { ...(body !== undefined && { body }) });
      assert.equal(anonymous.status, 401, `${what} without a token`);
      const revoked = await call(route.method, path, { token: revokedToken, ...(body !== undefined && { body }) });
      assert.equal(revoked.status, 401, `${what} with a revoked token`);
      const weaker = weakerRole(route.access);
      if (weaker !== null) {
        const weak = await call(route.method, path, { token: tokens[weaker], ...(body !== undefined && { body }) });
        assert.equal(weak.status, 403, `${what} with a ${weaker} token`);
        if (route.method !== "HEAD") assert.match(weak.json.error, new RegExp(`needs the ${route.access} role`));
      }
      const enough = await call(route.method, path, { token: tokens[route.access], ...(body !== undefined && { body }) });
      assert.ok(![401, 403].includes(enough.status), `${what} with a ${route.access} token: ${enough.status}`);
    }
  });

  it("every route that changes something needs at least operator (logging out of one's own session excepted)", () => {
    // Prometheus' query API also takes its queries by POST (long expressions): reads, for viewers.
    const queriesByPost = new Set(["/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/api/v1/labels", "/api/v1/label/:name/values"]);
    for (const r of server.routes()) {
      if (["GET", "HEAD"].includes(r.method) || r.access === "public" || r.url === "/api/v1/session") continue;
      // Reads one replica makes of another's series, by POST (a list of selectors), with the cluster key.
      if (r.access === "replica" && r.url === "/api/v1/replica/series" && r.method === "POST") continue;
      if (r.method === "POST" && queriesByPost.has(r.url)) {
        assert.equal(r.access, "viewer", `POST ${r.url}`);
        continue;
      }
      assert.ok(r.access === "operator" || r.access === "admin", `${r.method} ${r.url} is ${r.access}`);
    }
    const byRoute = new Map(server.routes().map((r) => [`${r.method} ${r.url}`, r.access]));
    assert.equal(byRoute.get("POST /api/v1/tokens"), "admin");
    assert.equal(byRoute.get("GET /api/v1/tokens"), "admin");
    assert.equal(byRoute.get("GET /api/v1/audit"), "operator");
    assert.equal(byRoute.get("POST /api/v1/silences"), "operator");
  });

  it("every route that takes a JSON body is fuzzed (body-fuzzer.ts), so a new one cannot be left out", () => {
    const fuzzed = (url: string) => BODY_ROUTES.some((b) => new RegExp(`^${url.replace(/:[^/]+/g, "[^/]+")}$`).test(b.url));
    for (const r of server.routes()) {
      if (!["POST", "PUT", "PATCH"].includes(r.method) || NON_JSON_BODY_ROUTES.includes(r.url)) continue;
      assert.ok(fuzzed(r.url), `${r.method} ${r.url} takes a body but is not in BODY_ROUTES of test/server/auth/body-fuzzer.ts`);
    }
  });

  it("a route registered without a declared access fails at registration", async () => {
    const http = Fastify();
    installAccessControl(http, {
      authenticator: new Authenticator(server.storage.tokens, systemClock, 1000),
      limiter: new FailedAuthLimiter(systemClock),
      enabled: async () => true,
      logger: silentLogger(),
    });
    http.get("/fine", access("viewer"), async () => ({}));
    assert.throws(() => http.get("/naked", async () => ({})), /route GET \/naked declares no access/);
    await http.close();
  });

  it("/healthz answers without a token", async () => {
    assert.equal((await call("GET", "/healthz")).status, 200);
  });
});

describe("tokens", () => {
  it("are created by admins and shown once; lists never carry the token or its hash; revoked ones stop working at once", async () => {
    const created = await call("POST", "/api/v1/tokens", { token: tokens.admin, body: { name: "ci", role: "operator" } });
    assert.equal(created.status, 201);
    assert.match(created.json.secret, /^vgt_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.json.token.name, "ci");
    assert.equal((await call("GET", "/api/v1/status", { token: created.json.secret })).status, 200);
    const list = await call("GET", "/api/v1/tokens", { token: tokens.admin });
    const text = JSON.stringify(list.json);
    assert.ok(!text.includes(created.json.secret) && !text.includes("hash"), text);
    const ci = list.json.tokens.find((t: { name: string }) => t.name === "ci");
    assert.ok(ci.lastUsedAt !== null, "last use is recorded");
    const revoked = await call("DELETE", `/api/v1/tokens/${ci.id}`, { token: tokens.admin });
    assert.equal(revoked.status, 200);
    assert.ok(revoked.json.token.revokedAt !== null);
    assert.equal((await call("GET", "/api/v1/status", { token: created.json.secret })).status, 401);
    assert.equal((await call("DELETE", "/api/v1/tokens/9999", { token: tokens.admin })).status, 404);
  });

  it("refuse bad requests naming the field, and bodies over the limit with 413", async () => {
    const bad = await call("POST", "/api/v1/tokens", { token: tokens.admin, body: { name: "x", role: "root" } });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /^invalid token request: role: expected one of viewer, operator, admin/);
    const extra = await call("POST", "/api/v1/tokens", { token: tokens.admin, body: { name: "x", role: "viewer", admin: true } });
    assert.match(extra.json.error, /unknown field "admin"/);
    const huge = await call("POST", "/api/v1/tokens", { token: tokens.admin, body: { name: "x".repeat(10_000), role: "viewer" } });
    assert.equal(huge.status, 413);
    const hugeSilence = await call("POST", "/api/v1/silences", { token: tokens.operator, body: { matchers: ["a=\"b\""], comment: "x".repeat(70_000), createdBy: "t", duration: "1h" } });
    assert.equal(hugeSilence.status, 413);
  });
});

describe("dashboard login", () => {
  it("exchanges a token for an HttpOnly SameSite=Strict cookie; mutating calls with it need the CSRF token and this origin", async () => {
    const login = await call("POST", "/api/v1/session", { body: { token: tokens.operator } });
    assert.equal(login.status, 201);
    assert.equal(login.json.name, "operator-token");
    assert.equal(login.json.role, "operator");
    const setCookie = login.headers.get("set-cookie")!;
    assert.match(setCookie, /^vigil_session=vgs_[A-Za-z0-9_-]+; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    assert.ok(!setCookie.includes("Secure"), "no Secure over plain HTTP");
    const cookie = setCookie.split(";")[0]!;
    const csrf = login.json.csrfToken as string;

    const me = await call("GET", "/api/v1/session", { headers: { cookie } });
    assert.deepEqual({ ...me.json, expiresAt: 0 }, { name: "operator-token", role: "operator", via: "session", authEnabled: true, csrfToken: csrf, expiresAt: 0 });
    assert.equal((await call("GET", "/api/v1/services", { headers: { cookie } })).status, 200);

    const silence = { matchers: ['service="api"'], duration: "1h", createdBy: "web" };
    const noCsrf = await call("POST", "/api/v1/silences", { headers: { cookie }, body: silence });
    assert.equal(noCsrf.status, 403);
    assert.match(noCsrf.json.error, /CSRF token in x-csrf-token/);
    const wrongCsrf = await call("POST", "/api/v1/silences", { headers: { cookie, "x-csrf-token": "nope" }, body: silence });
    assert.equal(wrongCsrf.status, 403);
    const crossOrigin = await call("POST", "/api/v1/silences", { headers: { cookie, "x-csrf-token": csrf, origin: "https://evil.example" }, body: silence });
    assert.equal(crossOrigin.status, 403);
    assert.match(crossOrigin.json.error, /cross-origin/);
    const ok = await call("POST", "/api/v1/silences", { headers: { cookie, "x-csrf-token": csrf, origin: server.url }, body: silence });
    assert.equal(ok.status, 201);
    // The cookie carries the role of its token: an operator cannot administer.
    assert.equal((await call("GET", "/api/v1/tokens", { headers: { cookie } })).status, 403);

    const logout = await call("DELETE", "/api/v1/session", { headers: { cookie, "x-csrf-token": csrf } });
    assert.deepEqual(logout.json, { loggedOut: true });
    assert.match(logout.headers.get("set-cookie")!, /^vigil_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
    assert.equal((await call("GET", "/api/v1/services", { headers: { cookie } })).status, 401);
  });

  it("a wrong token gets no session; revoking a token ends its sessions", async () => {
    assert.equal((await call("POST", "/api/v1/session", { body: { token: "vgt_wrong" } })).status, 401);
    assert.equal((await call("POST", "/api/v1/session", { body: { nope: 1 } })).status, 400);
    const issued = await issueToken(server.storage.tokens, { name: "short-lived", role: "viewer", createdBy: "test" }, Date.now());
    const login = await call("POST", "/api/v1/session", { body: { token: issued.secret } });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    assert.equal((await call("GET", "/api/v1/status", { headers: { cookie } })).status, 200);
    await call("DELETE", `/api/v1/tokens/${issued.token.id}`, { token: tokens.admin });
    assert.equal((await call("GET", "/api/v1/status", { headers: { cookie } })).status, 401);
  });
});

describe("audit log", () => {
  it("records mutating calls with who, what, when and the result; operators may read it, viewers may not", async () => {
    const before = Date.now();
    await call("POST", "/api/v1/silences", { token: tokens.operator, body: { matchers: ['service="api"'], duration: "1h", createdBy: "op" } });
    await call("POST", "/api/v1/silences", { token: tokens.viewer, body: { matchers: ['service="api"'], duration: "1h", createdBy: "op" } });
    assert.equal((await call("GET", "/api/v1/audit", { token: tokens.viewer })).status, 403);
    const mine = await call("GET", `/api/v1/audit?actor=operator-token&since=${before}&limit=1`, { token: tokens.operator });
    assert.equal(mine.status, 200);
    const [entry] = mine.json.entries;
    assert.equal(mine.json.entries.length, 1);
    assert.equal(entry.action, "POST /api/v1/silences");
    assert.equal(entry.target, "/api/v1/silences");
    assert.equal(entry.result, "ok");
    assert.equal(entry.status, 201);
    assert.equal(entry.via, "token");
    assert.equal(entry.role, "operator");
    assert.ok(entry.ts >= before);
    const denied = await call("GET", `/api/v1/audit?actor=viewer-token&since=${before}`, { token: tokens.admin });
    assert.deepEqual(denied.json.entries.map((e: { result: string; status: number }) => [e.result, e.status]), [["denied", 403]]);
    const bad = await call("GET", "/api/v1/audit?limit=0&who=x", { token: tokens.admin });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /unknown field "who"/);
  });
});

describe("failed authentication", () => {
  it("after 5 wrong tokens from one address, 429 with Retry-After, even for a right token", async () => {
    const limited = await startServer({
      config: parseConfig("server: { auth: { mode: required } }\n"),
      listen: "127.0.0.1:0",
      dataDir: join(dir.path, "limited"),
      logger: silentLogger(),
      failedAuthLimits: { maxFailures: 5, windowMs: 60_000 },
    });
    try {
      const admin = (await issueToken(limited.storage.tokens, { name: "admin", role: "admin", createdBy: "test" }, Date.now())).secret;
      const at = (method: string, path: string, o: Parameters<typeof call>[2] = {}) => call(method, path, { ...o, base: limited.url });
      assert.equal((await at("GET", "/api/v1/status")).status, 401, "no token is not a failed attempt");
      for (let i = 0; i < 5; i++) assert.equal((await at("GET", "/api/v1/status", { token: `vgt_guess${i}` })).status, 401);
      const blocked = await at("GET", "/api/v1/status", { token: admin });
      assert.equal(blocked.status, 429);
      const retryAfter = Number(blocked.headers.get("retry-after"));
      assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      assert.match(blocked.json.error, /too many failed authentication attempts from 127\.0\.0\.1/);
      assert.equal((await at("POST", "/api/v1/session", { body: { token: admin } })).status, 429);
      assert.equal((await at("GET", "/healthz")).status, 200);
    } finally {
      await limited.close();
    }
  });
});
