import { test } from "node:test";
import assert from "node:assert/strict";
import { checkReferences, referencesOf } from "../../src/config/references.js";
import { parseConfig } from "../../src/config/load.js";
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

const receivers = { oncall: { webhook: { url: "http://127.0.0.1:9/" } } };

test("receivers are checked at every depth of the routing tree, and the root's notify.receiver too", () => {
  const config = configSchema.parse({
    notify: {
      receivers,
      receiver: "nobody",
      routes: [{ match: { team: "db" }, routes: [{ receiver: "oncall" }, { routes: [{ receiver: "pager" }] }] }],
    },
  });
  assert.deepEqual(checkReferences(config), [
    { path: "notify.receiver", message: 'unknown receiver "nobody" (defined receivers: oncall)' },
    { path: "notify.routes[0].routes[1].routes[0].receiver", message: 'unknown receiver "pager" (defined receivers: oncall)' },
  ]);
});

test("every matcher must parse: in routes at any depth, inhibition rules and maintenance windows", () => {
  const config = configSchema.parse({
    notify: {
      receivers,
      routes: [{ matchers: ['severity="critical"'], routes: [{ matchers: ['team=~"db"'] }, { matchers: ['env!="dev"', "severity"] }] }],
      inhibitRules: [{ sourceMatchers: ['alertname="NodeDown"'], targetMatchers: ['service=~"("'] }],
    },
    maintenance: [{ name: "nightly", matchers: ['node="a"', "=b"], weekly: { days: ["sun"], from: "02:00", to: "04:00" } }],
  });
  assert.deepEqual(checkReferences(config).map((p) => p.path), [
    "notify.routes[0].routes[1].matchers[1]",
    "notify.inhibitRules[0].targetMatchers[0]",
    "maintenance[0].matchers[1]",
  ]);
  assert.match(checkReferences(config)[0]!.message, /^invalid matcher "severity": expected name="value"/);
  assert.match(checkReferences(config)[1]!.message, /^invalid matcher service=~"\(": /);
});

test('groupBy "..." stands alone', () => {
  const config = configSchema.parse({ notify: { receivers, groupBy: ["..."], routes: [{ receiver: "oncall", groupBy: ["...", "node"] }] } });
  assert.deepEqual(checkReferences(config), [
    { path: "notify.routes[0].groupBy", message: 'groupBy "..." (every label) cannot be combined with other labels' },
  ]);
});

test("a config that failed the schema still has its nested routes and matchers checked", () => {
  const raw = {
    notify: {
      receivers: { oncall: {} },
      groupWait: "soon",
      routes: [{ receiver: "oncall", routes: ["junk", { receiver: "pager", matchers: [3, "a=~("] }] }],
      inhibitRules: [{ sourceMatchers: "not a list", targetMatchers: ["x"] }],
    },
    maintenance: [{ matchers: ['a="b"', "!"] }],
  };
  assert.deepEqual(checkReferences(referencesOf(raw)).map((p) => p.path), [
    "notify.routes[0].routes[1].receiver",
    "notify.routes[0].routes[1].matchers[1]",
    "notify.inhibitRules[0].targetMatchers[0]",
    "maintenance[0].matchers[1]",
  ]);
});

test("vigil.yaml: a bad nested matcher is reported with its path, line and column", () => {
  const text = [
    "notify:",
    "  receivers:",
    "    oncall: { webhook: { url: 'http://127.0.0.1:9/' } }",
    "  routes:",
    "    - receiver: oncall",
    "      routes:",
    "        - matchers: ['severity=\"critical\"']",
    "        - matchers:",
    "            - 'team=~\"db|web\"'",
    "            - 'team=~\"(\"'",
    "",
  ].join("\n");
  assert.throws(
    () => parseConfig(text, { file: "vigil.yaml", env: {} }),
    (err: Error) => /^vigil\.yaml:10:15: notify\.routes\[0\]\.routes\[1\]\.matchers\[1\]: invalid matcher team=~"\(":/m.test(err.message),
  );
});
