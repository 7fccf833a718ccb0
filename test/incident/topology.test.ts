// The component graph: relations between components and failures explained by others.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Topology } from "../../src/incident/topology.js";
import { tryParseComponentId } from "../../src/incident/localization/component.js";

const topology = new Topology([
  { name: "db", node: "node-b", dependsOn: [] },
  { name: "api", node: "node-a", dependsOn: ["db"] },
  { name: "web", node: "node-a", dependsOn: ["api"] },
  { name: "cache", node: "node-c", dependsOn: [] },
  { name: "ping", node: "node-c", dependsOn: ["pong"] },
  { name: "pong", node: "node-c", dependsOn: ["ping"] },
]);

test("relations: dependency (also transitive), same node, hosting node; none between unrelated", () => {
  assert.equal(topology.relation("service:api", "service:db")?.reason, "api depends on db");
  assert.equal(topology.relation("service:db", "service:web")?.reason, "web depends on db");
  assert.equal(topology.relation("service:web", "service:api")?.reason, "web depends on api");
  assert.equal(topology.relation("node:node-b", "service:db")?.reason, "db runs on node-b");
  assert.equal(topology.relation("service:cache", "service:db"), null);
  assert.equal(topology.relation("service:api", "service:db")?.strength, 2);
  assert.equal(topology.relation("node:node-a", "node:node-b"), null);
  assert.equal(topology.relation("node:node-a", "service:db"), null);
  assert.equal(topology.relation("service:api", "service:api"), null);
});

test("a dependency cycle ends", () => {
  assert.deepEqual([...topology.dependenciesOf("ping")], ["pong"]);
  assert.equal(topology.relation("service:ping", "service:pong")?.reason, "ping depends on pong");
});

test("a failure is explained by a failing dependency or its down node, else it is a root", () => {
  const failing = new Set(["service:db", "service:api", "service:web"]);
  const isFailing = (k: string) => failing.has(k);
  assert.equal(topology.explainedBy("service:db", isFailing), null);
  assert.equal(topology.explainedBy("service:api", isFailing), "service:db");
  assert.ok(["service:db", "service:api"].includes(topology.explainedBy("service:web", isFailing)!));
  failing.add("node:node-c");
  assert.equal(topology.explainedBy("service:cache", (k) => failing.has(k)), "node:node-c");
  assert.equal(topology.explainedBy("node:node-c", (k) => failing.has(k)), null);
});

test("keys parse; anything else is not a key", () => {
  assert.deepEqual(tryParseComponentId("service:db"), { kind: "service", name: "db" });
  assert.deepEqual(tryParseComponentId("node:node-b"), { kind: "node", name: "node-b" });
  assert.equal(tryParseComponentId("db"), null);
});
