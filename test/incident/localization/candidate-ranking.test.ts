// Root-cause ranking over the dependency graph: the topology (a failing component whose
// dependencies are healthy and whose dependents fail), time order and evidence strength,
// on the cases the design names: a chain, a victim seen first, two independent roots, a
// dead node, cycles, weak against strong evidence.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rankCandidates } from "../../../src/incident/localization/candidate-ranking.js";
import type { ComponentId } from "../../../src/incident/localization/component.js";
import { EVIDENCE_STRENGTH } from "../../../src/incident/localization/evidence-from-signals.js";
import { checkObservations, type ComponentObservation, type EvidenceKind } from "../../../src/incident/localization/observation.js";
import { TopologyGraph, type Topology } from "../../../src/incident/localization/topology-graph.js";

const T = 1_773_496_800_000; // 2026-03-14 14:00:00 UTC
const CHAIN: Topology = {
  services: [
    { name: "web", node: "node-a", dependsOn: ["api"] },
    { name: "api", node: "node-a", dependsOn: ["db"] },
    { name: "db", node: "node-b" },
  ],
};

function failing(component: ComponentId, kind: EvidenceKind, at: number, detail = kind): ComponentObservation {
  return { component, status: "failing", evidence: [{ source: "test", kind, detail, strength: EVIDENCE_STRENGTH[kind], at }] };
}

function rank(topology: Topology, observations: ComponentObservation[], now = T + 600_000) {
  const graph = new TopologyGraph(topology);
  return rankCandidates(graph, checkObservations(observations, graph, now));
}

test("a single failing service is the only candidate, with the confidence of its evidence", () => {
  const [top, ...rest] = rank(CHAIN, [failing("service:web", "process-exited", T)]);
  assert.equal(top!.component, "service:web");
  assert.equal(rest.length, 0);
  assert.ok(Math.abs(top!.confidence - EVIDENCE_STRENGTH["process-exited"]) < 1e-9);
  assert.match(top!.reasons.join("\n"), /no failing dependency/);
});

test("db → api → web all failing: db is the root, the others are its victims", () => {
  const ranked = rank(CHAIN, [
    failing("service:db", "probe-refused", T),
    failing("service:api", "probe-error", T + 2000),
    failing("service:web", "probe-error", T + 3000),
  ]);
  assert.equal(ranked[0]!.component, "service:db");
  assert.equal(ranked.length, 3);
  assert.equal(ranked[0]!.failingDependents, 2);
  assert.ok(ranked[0]!.confidence > 0.6, `confidence ${ranked[0]!.confidence}`);
  const api = ranked.find((c) => c.component === "service:api")!;
  assert.ok(api.explainedByDependencies > 0.7);
  assert.match(api.reasons.join("\n"), /depends on service:db .*likely a victim/);
});

test("a dependent whose faster probe noticed first is still a victim when its dependency clearly fails", () => {
  // web probes every second, db every 30 s: web's first failing observation is 25 s earlier.
  const ranked = rank(CHAIN, [
    failing("service:db", "process-exited", T + 25_000),
    failing("service:api", "probe-timeout", T + 1000),
    failing("service:web", "probe-error", T),
  ]);
  assert.equal(ranked[0]!.component, "service:db");
  assert.match(ranked[0]!.reasons.join("\n"), /first signal 25 s after the earliest/);
});

test("a dependency that failed long after its dependent explains it less: time order counts beyond the slack", () => {
  const soon = rank(CHAIN, [failing("service:db", "probe-error", T + 30_000), failing("service:api", "probe-error", T)]);
  const late = rank(CHAIN, [failing("service:db", "probe-error", T + 600_000), failing("service:api", "probe-error", T)], T + 900_000);
  const api = (r: typeof soon) => r.find((c) => c.component === "service:api")!;
  assert.ok(api(late).explainedByDependencies < api(soon).explainedByDependencies / 2);
  assert.match(api(late).reasons.join("\n"), /though first seen 10 min later/);
  assert.equal(late[0]!.component, "service:api");
});

test("two independent roots: both rank high, and the top one's confidence is lower than alone", () => {
  const topology: Topology = {
    services: [
      { name: "front", node: "n1", dependsOn: ["cart", "search"] },
      { name: "cart", node: "n2" },
      { name: "search", node: "n3" },
    ],
  };
  const alone = rank(topology, [failing("service:cart", "process-exited", T)])[0]!;
  const both = rank(topology, [failing("service:cart", "process-exited", T), failing("service:search", "process-exited", T + 20_000)]);
  assert.deepEqual(both.map((c) => c.component), ["service:cart", "service:search"]);
  assert.ok(both[0]!.confidence < alone.confidence * 0.7, `${both[0]!.confidence} vs ${alone.confidence}`);
  assert.ok(both[1]!.confidence > 0.3);
});

test("a dead node explains its services and their dependents elsewhere", () => {
  const ranked = rank(CHAIN, [
    failing("node:node-b", "node-down", T + 8000),
    { component: "service:db", status: "unknown" },
    failing("service:api", "probe-timeout", T + 2000),
    failing("service:web", "probe-error", T + 3000),
  ]);
  assert.equal(ranked[0]!.component, "node:node-b");
  const api = ranked.find((c) => c.component === "service:api")!;
  assert.match(api.reasons.join("\n"), /service:db on failing node:node-b/);
});

test("strong evidence beats weak: an exited process outranks a service with one slow probe", () => {
  const topology: Topology = { services: [{ name: "a", node: "n1" }, { name: "b", node: "n2" }] };
  const ranked = rank(topology, [
    { component: "service:a", status: "healthy", evidence: [{ source: "probe", kind: "probe-slow", detail: "probe took 800ms", strength: 0.25, at: T - 60_000 }] },
    failing("service:b", "process-exited", T),
  ]);
  assert.equal(ranked[0]!.component, "service:b");
  assert.ok(ranked[1]!.confidence < 0.1);
});

test("a cycle in dependsOn terminates, and the member whose own process exited is the root", () => {
  const topology: Topology = {
    services: [
      { name: "auth", node: "n1", dependsOn: ["users"] },
      { name: "users", node: "n2", dependsOn: ["auth"] },
    ],
  };
  const ranked = rank(topology, [failing("service:users", "process-exited", T + 3000), failing("service:auth", "probe-error", T)]);
  assert.equal(ranked[0]!.component, "service:users");
  // All failing in a ring of three with equal evidence: still an answer, with low confidence.
  const ring: Topology = {
    services: [
      { name: "a", node: "n", dependsOn: ["b"] },
      { name: "b", node: "n", dependsOn: ["c"] },
      { name: "c", node: "n", dependsOn: ["a"] },
    ],
  };
  const tied = rank(ring, [failing("service:a", "probe-error", T + 1000), failing("service:b", "probe-error", T), failing("service:c", "probe-error", T + 2000)]);
  assert.equal(tied.length, 3);
  assert.equal(tied[0]!.component, "service:b", "the earliest first signal breaks the tie");
  assert.ok(tied[0]!.confidence < 0.3);
});

test("nothing failing and no evidence: no candidates", () => {
  assert.deepEqual(rank(CHAIN, [{ component: "service:db", status: "healthy" }]), []);
});
