// A fault request checked against the cluster before anything is sent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseChaosRequest, type ChaosCluster } from "../../src/chaos/chaos-request.js";
import { ChaosSpecError } from "../../src/chaos/chaos-spec-error.js";

const cluster: ChaosCluster = {
  services: new Map([
    ["db", { node: "node-c", limits: { memory: 160e6, fds: 512 } }],
    ["api", { node: "node-a" }],
  ]),
  nodes: new Set(["node-a", "node-c"]),
};

function refused(body: unknown): string {
  try {
    parseChaosRequest(body, cluster);
  } catch (err) {
    assert.ok(err instanceof ChaosSpecError, String(err));
    return err.message;
  }
  assert.fail("expected a refusal");
}

test("a service target is carried out by its node; defaults fill in", () => {
  assert.deepEqual(parseChaosRequest({ fault: "kill", target: "api" }, cluster), {
    fault: "kill",
    target: { kind: "service", name: "api" },
    node: "node-a",
    durationMs: 30_000,
    options: {},
  });
  assert.deepEqual(parseChaosRequest({ fault: "partition", target: "node:node-c", duration: "45s" }, cluster).target, { kind: "node", name: "node-c" });
});

test("memory and fd default to the service's declared limits", () => {
  assert.deepEqual(parseChaosRequest({ fault: "memory", target: "db" }, cluster).options, { limit: 160e6 });
  assert.deepEqual(parseChaosRequest({ fault: "memory", target: "db", options: { limit: "100MB" } }, cluster).options, { limit: "100MB" });
  assert.deepEqual(parseChaosRequest({ fault: "fd", target: "db" }, cluster).options, { count: 512 });
});

test("errors name the field and what was expected", () => {
  assert.match(refused({ fault: "explode", target: "db" }), /^fault: unknown fault "explode" \(expected one of kill, hang/);
  assert.match(refused({ fault: "kill", target: "nope" }), /^target: no service or node "nope" \(services: db, api; nodes: node-a, node-c\)/);
  assert.match(refused({ fault: "kill", target: "node-a" }), /^target: fault "kill" acts on a service, and "node-a" is a node/);
  assert.match(refused({ fault: "partition", target: "db" }), /^target: fault "partition" acts on a node, and "db" is a service/);
  assert.match(refused({ fault: "kill", target: "db", duration: "forever" }), /^duration: expected a duration from 100ms to 24h/);
  assert.match(refused({ fault: "cpu", target: "db", options: { cores: 0 } }), /^options\.cores: expected a whole number/);
  assert.match(refused({ fault: "kill", target: "db", colour: "red" }), /^colour: unknown field/);
  assert.match(refused([1]), /^body: expected a JSON object/);
});
