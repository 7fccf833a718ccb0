// Fuzzing JSON API bodies with fast-check against a real server in this process (SQLite in a
// temp directory; requests through fastify's whole pipeline by inject, with an admin token):
// thousands of bodies per route — arbitrary JSON, objects of the route's own fields with
// arbitrary values, and text that is not JSON — never crash it, never get a 5xx, and every
// 400 says what was wrong (naming the field when the body was JSON). The routes are split
// over two test files (each file has its own time limit).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import { parseConfig } from "../../../src/config/load.js";
import { REPLICA_KEY_HEADER } from "../../../src/replicas/cluster-key.js";
import { issueToken } from "../../../src/server/auth/token-admin.js";
import { Shard } from "../../../src/server/replicas/shard.js";
import { startServer, type VigilServer } from "../../../src/server/server.js";
import { silentLogger } from "../../../src/util/logger.js";
import { tempDir } from "../../agent/process-helpers.js";

const RUNS = 2000;

export interface BodyRoute {
  method: "POST" | "DELETE";
  url: string;
  /** The fields its body has, so the fuzzer reaches past the first check. */
  fields: string[];
  /** Called by other replicas with the cluster key (access "replica"): fuzzed on a server that has one. */
  replica?: true;
}

/** Every route with a JSON body. */
export const BODY_ROUTES: BodyRoute[] = [
  { method: "POST", url: "/api/v1/silences", fields: ["matchers", "startsAt", "endsAt", "duration", "createdBy", "comment"] },
  { method: "POST", url: "/api/v1/incidents/1/approve", fields: ["by"] },
  { method: "POST", url: "/api/v1/services/api/unfence", fields: ["node"] },
  { method: "POST", url: "/api/v1/tokens", fields: ["name", "role"] },
  { method: "POST", url: "/api/v1/session", fields: ["token"] },
  { method: "POST", url: "/api/v2/alerts", fields: ["labels", "annotations", "startsAt", "endsAt", "generatorURL"] },
  { method: "POST", url: "/api/v1/chaos", fields: ["fault", "target", "duration", "options"] },
  { method: "POST", url: "/api/v1/gamedays", fields: ["report", "markdown"] },
  { method: "POST", url: "/api/v1/replica/series", fields: ["selectors", "from", "to", "points", "aggregate"], replica: true },
];

/** Routes that take a body that is not JSON: Prometheus' query forms and remote-write protobuf. */
export const NON_JSON_BODY_ROUTES = ["/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/api/v1/labels", "/api/v1/label/:name/values", "/api/v1/write"];

const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom("1h", "-5m", "viewer", "admin", 'service="api"', "2025-06-01T22:00:00Z", "", "${X}", "\u0000", "9".repeat(400)),
  fc.array(fc.oneof(fc.string(), fc.constantFrom('a="b"', "a=~\"(\"", "=", 'up{job="api"}', '{__name__=~".+"}', "rate(up[5m])")), { maxLength: 4 }),
  fc.dictionary(fc.oneof(fc.string(), fc.constantFrom("alertname", "severity", "__proto__", "constructor")), fc.oneof(fc.string(), fc.integer()), { maxKeys: 4 }),
);

function bodies(fields: string[]): fc.Arbitrary<string> {
  const shaped = fc.dictionary(fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 8 })), value, { maxKeys: fields.length + 1 });
  return fc.oneof(
    { weight: 4, arbitrary: shaped.map((o) => JSON.stringify(o)) },
    // Alertmanager's body is a list of such objects.
    { weight: 2, arbitrary: fc.array(shaped, { maxLength: 3 }).map((a) => JSON.stringify(a)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  );
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The cluster key of the fuzzed server when a route needs one. */
const REPLICA_KEY = "f".repeat(64);

export function fuzzBodies(routes: BodyRoute[]): void {
  let dir: { path: string; remove(): void };
  let server: VigilServer;
  let admin: string;
  // Replica-to-replica routes answer only on a replica: the server then leads a cluster of one.
  const asReplica = routes.some((r) => r.replica);

  before(async () => {
    dir = tempDir("fuzz-api");
    server = await startServer({
      config: parseConfig("server: { auth: { mode: required } }\nservices: [{ name: api, node: node-a }]\n"),
      listen: "127.0.0.1:0",
      dataDir: join(dir.path, "data"),
      logger: silentLogger(),
      // Fuzzed logins are wrong tokens; the limit would soon answer 429 to everything.
      failedAuthLimits: { maxFailures: 1_000_000, windowMs: 1000 },
      ...(asReplica && {
        replica: {
          leaderTerm: () => 1,
          leaseTerm: () => 1,
          replicaUrls: () => [],
          cluster: () => ({ mode: "replicas" as const, self: "fuzzed", leader: { name: "fuzzed", term: 1 }, replicas: [] }),
          peers: () => [],
          key: () => REPLICA_KEY,
          shard: new Shard(() => "fuzzed", () => []),
          onReplicasChange: () => () => undefined,
        },
      }),
    });
    admin = (await issueToken(server.storage.tokens, { name: "fuzzer", role: "admin", createdBy: "test" }, Date.now())).secret;
  });
  after(async () => {
    await server.close();
    dir.remove();
  });

  describe("fuzzing the JSON API bodies", () => {
    for (const route of routes) {
      it(`${route.method} ${route.url}: ${RUNS} bodies, no 5xx, every 4xx explained`, async () => {
        await fc.assert(
          fc.asyncProperty(bodies(route.fields), async (body) => {
            const res = await server.http.inject({
              method: route.method,
              url: route.url,
              headers: { authorization: `Bearer ${admin}`, "content-type": "application/json", ...(route.replica && { [REPLICA_KEY_HEADER]: REPLICA_KEY }) },
              payload: body,
            });
            assert.ok(res.statusCode < 500, `${res.statusCode} for ${body}: ${res.body}`);
            if (res.statusCode >= 400) {
              const json = JSON.parse(res.body) as { error?: unknown };
              assert.equal(typeof json.error, "string", res.body);
              assert.ok((json.error as string).length > 10, res.body);
              if (res.statusCode === 400 && isJson(body) && !/^invalid JSON body/.test(json.error as string)) {
                // "invalid silence: endsAt: expected ...", "invalid alerts: [0].labels.alertname: required ..."
                assert.match(json.error as string, /^invalid [\w -]+: .*(\w|\]|body)[:]? |^empty body/, res.body);
              }
            }
          }),
          { numRuns: RUNS },
        );
      });
    }
  });
}
