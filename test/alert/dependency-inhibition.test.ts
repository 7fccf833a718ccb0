// Dependency inhibition over the topology: a chain, a diamond and a down node each leave
// exactly the root's alerts to be notified, and the reason names the root.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configSchema } from "../../src/config/schema.js";
import { DependencyInhibitionStage, serviceTopology, type ServiceTopology } from "../../src/alert/dependency-inhibition.js";

function world(services: ServiceTopology[]) {
  const down = new Set<string>();
  const nodesDown = new Set<string>();
  const stage = new DependencyInhibitionStage({ services, serviceDown: (s) => down.has(s), nodeDown: (n) => nodesDown.has(n) });
  const serviceDown = (service: string, node = services.find((s) => s.name === service)!.node) => ({ alertname: "ServiceDown", severity: "warning", service, node });
  /** The services whose ServiceDown alert would be notified. */
  const paged = () => services.filter((s) => down.has(s.name) && stage.muted(serviceDown(s.name), 0) === null).map((s) => s.name);
  return { stage, down, nodesDown, serviceDown, paged };
}

describe("dependency inhibition", () => {
  it("chain db → api → web: db failing (and the rest with it) pages once, for db", () => {
    const w = world([
      { name: "db", node: "node-a", dependsOn: [] },
      { name: "api", node: "node-a", dependsOn: ["db"] },
      { name: "web", node: "node-b", dependsOn: ["api"] },
    ]);
    w.down.add("db").add("api").add("web");
    assert.deepEqual(w.paged(), ["db"]);
    assert.deepEqual(w.stage.muted(w.serviceDown("web"), 0), {
      kind: "inhibition",
      id: "service:db",
      detail: "inhibited: depends on db, which is down",
    });
    assert.equal(w.stage.muted(w.serviceDown("api"), 0)?.detail, "inhibited: depends on db, which is down");
    // Any alert about web, not only ServiceDown, is quiet while db is down.
    assert.notEqual(w.stage.muted({ alertname: "HighLatency", service: "web" }, 0), null);

    w.down.delete("db"); // db is back; api is still down: api is now the root.
    assert.deepEqual(w.paged(), ["api"]);
    assert.equal(w.stage.muted(w.serviceDown("web"), 0)?.detail, "inhibited: depends on api, which is down");
  });

  it("the root alone down is notified; nothing is inhibited when everything is up", () => {
    const w = world([
      { name: "db", node: "node-a", dependsOn: [] },
      { name: "api", node: "node-a", dependsOn: ["db"] },
    ]);
    assert.equal(w.stage.muted(w.serviceDown("api"), 0), null);
    w.down.add("api");
    assert.deepEqual(w.paged(), ["api"], "api's own failure, with db up, pages");
  });

  it("diamond web → (api1, api2) → db: db down pages once; two independent roots page each", () => {
    const w = world([
      { name: "db", node: "node-a", dependsOn: [] },
      { name: "api1", node: "node-a", dependsOn: ["db"] },
      { name: "api2", node: "node-b", dependsOn: ["db"] },
      { name: "web", node: "node-b", dependsOn: ["api1", "api2"] },
    ]);
    w.down.add("db").add("api1").add("api2").add("web");
    assert.deepEqual(w.paged(), ["db"]);
    assert.equal(w.stage.muted(w.serviceDown("web"), 0)?.detail, "inhibited: depends on db, which is down");

    w.down.delete("db");
    assert.deepEqual(w.paged(), ["api1", "api2"]);
    assert.deepEqual(w.stage.muted(w.serviceDown("web"), 0), {
      kind: "inhibition",
      id: "service:api1,service:api2",
      detail: "inhibited: depends on api1, which is down; depends on api2, which is down",
    });
  });

  it("a down node inhibits the services on it and those depending on them, never NodeDown itself", () => {
    const w = world([
      { name: "db", node: "node-a", dependsOn: [] },
      { name: "cache", node: "node-a", dependsOn: [] },
      { name: "api", node: "node-b", dependsOn: ["db"] },
      { name: "batch", node: "node-b", dependsOn: [] },
    ]);
    w.nodesDown.add("node-a");
    w.down.add("db").add("cache").add("api");
    assert.deepEqual(w.paged(), [], "every ServiceDown is explained by node-a; its NodeDown pages");
    assert.equal(w.stage.muted({ alertname: "NodeDown", severity: "critical", node: "node-a" }, 0), null);
    assert.equal(w.stage.muted({ alertname: "HighCpu", node: "node-a" }, 0), null, "node-only alerts are not this stage's");
    assert.deepEqual(w.stage.muted(w.serviceDown("db"), 0), { kind: "inhibition", id: "node:node-a", detail: "inhibited: runs on node-a, which is down" });
    assert.equal(w.stage.muted(w.serviceDown("api"), 0)?.detail, "inhibited: depends on db, whose node node-a is down");
    assert.equal(w.stage.muted({ alertname: "Foo", service: "batch", node: "node-b" }, 0), null, "node-b's own services are fine");
    // A service Vigil does not know about is judged by its node label.
    assert.notEqual(w.stage.muted({ alertname: "Foo", service: "external", node: "node-a" }, 0), null);
    assert.equal(w.stage.muted({ alertname: "Foo", service: "external", node: "node-b" }, 0), null);
  });

  it("reasons() names the firing alerts about each root by fingerprint, else the root itself", () => {
    const services = [
      { name: "db", node: "node-a", dependsOn: [] },
      { name: "cache", node: "node-b", dependsOn: [] },
      { name: "web", node: "node-c", dependsOn: ["db", "cache"] },
    ];
    const record = (labels: Record<string, string>, state: "firing" | "pending" = "firing") =>
      ({ fingerprint: JSON.stringify(labels), labels, annotations: {}, state, activeAt: 0, firedAt: 0, resolvedAt: null, value: null, updatedAt: 0 }) as const;
    const dbDown = record({ alertname: "ServiceDown", service: "db", node: "node-a" });
    const dbSlow = record({ alertname: "SlowQueries", service: "db" });
    const nodeBDown = record({ alertname: "NodeDown", node: "node-b" });
    const firing = [dbDown, dbSlow, nodeBDown, record({ alertname: "Pending", service: "db" }, "pending"), record({ alertname: "X", service: "cache", node: "node-b" })];
    const down = new Set(["db"]);
    const nodesDown = new Set(["node-b"]);
    const stage = new DependencyInhibitionStage({ services, serviceDown: (s) => down.has(s), nodeDown: (n) => nodesDown.has(n), firing: () => firing });
    const web = { alertname: "ServiceDown", service: "web", node: "node-c" };
    assert.deepEqual(stage.reasons(web, 0), [
      { kind: "inhibition", id: nodeBDown.fingerprint, detail: "inhibited: depends on cache, whose node node-b is down" },
      { kind: "inhibition", id: dbDown.fingerprint, detail: "inhibited: depends on db, which is down" },
      { kind: "inhibition", id: dbSlow.fingerprint, detail: "inhibited: depends on db, which is down" },
    ]);
    const withoutAlerts = new DependencyInhibitionStage({ services, serviceDown: (s) => down.has(s), nodeDown: (n) => nodesDown.has(n) });
    assert.deepEqual(withoutAlerts.reasons(web, 0).map((r) => r.id), ["node:node-b", "service:db"]);
    down.clear();
    nodesDown.clear();
    assert.deepEqual(stage.reasons(web, 0), []);
    assert.equal(stage.muted(web, 0), null);
  });

  it("serviceTopology takes each service's node from the config, else the local node", () => {
    const config = configSchema.parse({
      services: [
        { name: "db", node: "node-a" },
        { name: "api", dependsOn: ["db"] },
      ],
    });
    assert.deepEqual(serviceTopology(config, "here"), [
      { name: "db", node: "node-a", dependsOn: [] },
      { name: "api", node: "here", dependsOn: ["db"] },
    ]);
  });

  it("follows a failover: after db moves to node-b, node-a going down no longer explains api's trouble, node-b does", () => {
    const services: ServiceTopology[] = [
      { name: "db", node: "node-a", dependsOn: [] },
      { name: "api", node: "node-c", dependsOn: ["db"] },
    ];
    const placement = new Map([["db", "node-a"], ["api", "node-c"]]);
    const nodesDown = new Set<string>();
    const stage = new DependencyInhibitionStage({
      services,
      serviceDown: () => false,
      nodeDown: (n) => nodesDown.has(n),
      nodeOf: (s) => placement.get(s)!,
    });
    const apiDown = { alertname: "ServiceDown", service: "api", node: "node-c" };
    nodesDown.add("node-a");
    assert.equal(stage.muted(apiDown, 0)?.id, "node:node-a", "db on node-a, node-a down");

    placement.set("db", "node-b"); // failed over to its standby
    assert.equal(stage.muted(apiDown, 0), null, "node-a no longer runs anything api needs");
    nodesDown.add("node-b");
    assert.equal(stage.muted(apiDown, 0)?.id, "node:node-b");
    assert.match(stage.muted(apiDown, 0)!.detail, /node-b/);
  });
});
