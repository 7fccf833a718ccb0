// The localizer's dependency graph: services depend on their dependsOn and on their node,
// transitive walks terminate on cycles, and a bad topology is refused with the field named.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LocalizationInputError } from "../../../src/incident/localization/component.js";
import { TopologyGraph } from "../../../src/incident/localization/topology-graph.js";

test("a service depends on its dependsOn and on its node; a node's dependents are the services it hosts", () => {
  const g = new TopologyGraph({
    services: [
      { name: "web", node: "node-a", dependsOn: ["api"] },
      { name: "api", node: "node-a", dependsOn: ["db"] },
      { name: "db", node: "node-b" },
    ],
    nodes: ["node-spare"],
  });
  assert.deepEqual([...g.dependenciesOf("service:api")].sort(), ["node:node-a", "service:db"]);
  assert.deepEqual([...g.dependentsOf("node:node-a")].sort(), ["service:api", "service:web"]);
  assert.deepEqual(g.dependenciesOf("node:node-b"), []);
  assert.deepEqual(g.transitiveDependents("service:db").sort(), ["service:api", "service:web"]);
  assert.deepEqual(g.transitiveDependents("node:node-b").sort(), ["service:api", "service:db", "service:web"]);
  assert.equal(g.nodeOf("service:db"), "node-b");
  assert.equal(g.nodeOf("node:node-a"), "node-a");
  assert.ok(g.has("node:node-spare"));
  assert.ok(!g.has("service:nope"));
});

test("cycles in dependsOn are walked once, and a service naming itself adds nothing", () => {
  const g = new TopologyGraph({
    services: [
      { name: "a", node: "n", dependsOn: ["b", "a"] },
      { name: "b", node: "n", dependsOn: ["c"] },
      { name: "c", node: "n", dependsOn: ["a"] },
    ],
  });
  assert.deepEqual(g.transitiveDependents("service:a").sort(), ["service:b", "service:c"]);
  assert.deepEqual(g.transitiveDependencies("service:a").sort(), ["node:n", "service:b", "service:c"]);
  assert.ok(!g.dependenciesOf("service:a").includes("service:a"));
});

test("an unknown dependency, a duplicate service or a missing node is refused naming the field", () => {
  assert.throws(
    () => new TopologyGraph({ services: [{ name: "api", node: "n", dependsOn: ["db"] }] }),
    (err: Error) => err instanceof LocalizationInputError && err.message === 'topology.services[0].dependsOn[0]: unknown service "db"',
  );
  assert.throws(
    () => new TopologyGraph({ services: [{ name: "api", node: "n" }, { name: "api", node: "m" }] }),
    /topology\.services\[1\]\.name: service "api" is listed twice/,
  );
  assert.throws(() => new TopologyGraph({ services: [{ name: "api", node: "" }] }), /topology\.services\[0\]\.node: expected a non-empty string/);
});
