import { test } from "node:test";
import assert from "node:assert/strict";
import { checkReferences, referencesOf } from "../../src/config/references.js";
import { configSchema } from "../../src/config/schema.js";

const services = (...entries: Array<{ name: string; dependsOn?: string[]; recovery?: string }>) =>
  configSchema.parse({ services: entries, playbooks: { gentle: { steps: ["restart"] } } });

test("a config whose names all refer to defined things has no problems", () => {
  const config = configSchema.parse({
    services: [
      { name: "db", recovery: "none" },
      { name: "cache", recovery: "default" },
      { name: "api", dependsOn: ["db", "cache"], recovery: "gentle" },
    ],
    playbooks: { gentle: { steps: ["restart", "escalate"] } },
    rules: [{ name: "A", metric: "m", above: 1 }, { name: "B", metric: "m", below: 0 }],
    notify: { receivers: { oncall: { webhook: { url: "http://127.0.0.1:9/" } } }, routes: [{ receiver: "oncall" }] },
  });
  assert.deepEqual(checkReferences(config), []);
});

test("a dependency cycle is named in order, at the dependency that closes it", () => {
  const config = services(
    { name: "web", dependsOn: ["api"] },
    { name: "api", dependsOn: ["queue"] },
    { name: "queue", dependsOn: ["db"] },
    { name: "db", dependsOn: ["api"] },
  );
  assert.deepEqual(checkReferences(config), [
    { path: "services[3].dependsOn[0]", message: "dependency cycle: api -> queue -> db -> api" },
  ]);
});

test("two separate cycles are both reported; a diamond is not a cycle", () => {
  const config = services(
    { name: "a", dependsOn: ["b"] },
    { name: "b", dependsOn: ["a"] },
    { name: "top", dependsOn: ["left", "right"] },
    { name: "left", dependsOn: ["bottom"] },
    { name: "right", dependsOn: ["bottom"] },
    { name: "bottom" },
    { name: "x", dependsOn: ["y"] },
    { name: "y", dependsOn: ["x"] },
  );
  assert.deepEqual(
    checkReferences(config).map((p) => `${p.path}: ${p.message}`),
    ["services[1].dependsOn[0]: dependency cycle: a -> b -> a", "services[7].dependsOn[0]: dependency cycle: x -> y -> x"],
  );
});

test("self-dependencies, unknown services and duplicate names are reported with their paths", () => {
  const config = services(
    { name: "api", dependsOn: ["api", "db", "ghost"] },
    { name: "db" },
    { name: "api" },
  );
  assert.deepEqual(checkReferences(config), [
    { path: "services[2].name", message: 'duplicate service name "api" (already used by services[0])' },
    { path: "services[0].dependsOn[0]", message: 'service "api" depends on itself' },
    { path: "services[0].dependsOn[2]", message: 'unknown service "ghost" (defined services: api, db)' },
  ]);
});

test("recovery must name a defined playbook, the default one or none", () => {
  const config = services({ name: "a", recovery: "gentle" }, { name: "b", recovery: "rough" }, { name: "c", recovery: "toString" });
  assert.deepEqual(checkReferences(config), [
    {
      path: "services[1].recovery",
      message: 'unknown playbook "rough" (defined playbooks: gentle; "default" for the default one, "none" to turn healing off)',
    },
    {
      path: "services[2].recovery",
      message: 'unknown playbook "toString" (defined playbooks: gentle; "default" for the default one, "none" to turn healing off)',
    },
  ]);
});

test("routes must name defined receivers; rule names are unique", () => {
  const config = configSchema.parse({
    rules: [{ name: "Hot", metric: "m", above: 1 }, { name: "Hot", metric: "n", above: 2 }],
    notify: {
      receivers: { oncall: { webhook: { url: "http://127.0.0.1:9/" } } },
      routes: [{ receiver: "oncall" }, { match: { severity: "critical" }, receiver: "pager" }],
    },
  });
  assert.deepEqual(checkReferences(config), [
    { path: "notify.routes[1].receiver", message: 'unknown receiver "pager" (defined receivers: oncall)' },
    { path: "rules[1].name", message: 'duplicate rule name "Hot" (already used by rules[0])' },
  ]);
});

test("a config that failed the schema is still read for its names, keeping list positions", () => {
  const raw = {
    services: [
      "not a mapping",
      { name: 42, dependsOn: ["db"] },
      { name: "web", dependsOn: [7, "nowhere"], recovery: "missing", health: { interval: "5x" } },
      { name: "db" },
    ],
    notify: { routes: [{ receiver: "pager" }] },
  };
  assert.deepEqual(checkReferences(referencesOf(raw)), [
    { path: "services[2].dependsOn[1]", message: 'unknown service "nowhere" (defined services: web, db)' },
    {
      path: "services[2].recovery",
      message: 'unknown playbook "missing" (no playbooks are defined; "default" for the default one, "none" to turn healing off)',
    },
    { path: "notify.routes[0].receiver", message: 'unknown receiver "pager" (no receivers are defined)' },
  ]);
  assert.deepEqual(checkReferences(referencesOf(null)), []);
});
