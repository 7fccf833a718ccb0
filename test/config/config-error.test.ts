import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, formatPath, formatProblem, parsePath } from "../../src/config/config-error.js";

test("a ConfigError's message lists every problem, one per line", () => {
  const error = new ConfigError(
    [
      { path: "services[2].health.interval", message: 'expected a duration such as "1s", got "5x"', line: 12, column: 5 },
      { path: "", message: "expected a mapping, got a list", line: 1, column: 1 },
      { path: "rules[0].name", message: "duplicate rule name" },
    ],
    "vigil.yaml",
  );
  assert.ok(error instanceof Error);
  assert.equal(error.name, "ConfigError");
  assert.equal(
    error.message,
    [
      'vigil.yaml:12:5: services[2].health.interval: expected a duration such as "1s", got "5x"',
      "vigil.yaml:1:1: expected a mapping, got a list",
      "vigil.yaml: rules[0].name: duplicate rule name",
    ].join("\n"),
  );
  assert.equal(error.problems.length, 3);
});

test("without a file name the position still leads", () => {
  assert.equal(formatProblem({ path: "agent", message: "expected a mapping", line: 3, column: 1 }), "3:1: agent: expected a mapping");
  assert.equal(formatProblem({ path: "", message: "no such file" }), "no such file");
});

test("paths put indices in brackets, join keys with dots, and quote keys that would be ambiguous", () => {
  assert.equal(formatPath(["services", 2, "health", "interval"]), "services[2].health.interval");
  assert.equal(formatPath(["playbooks", "restart-then-escalate", "steps", 0]), "playbooks.restart-then-escalate.steps[0]");
  assert.equal(formatPath(["playbooks", "v1.2", "steps"]), 'playbooks["v1.2"].steps');
  assert.equal(formatPath([]), "");
  for (const segments of [
    ["services", 2, "health", "interval"],
    ["playbooks", "v1.2", "steps", 10],
    ["notify", "receivers", 'a "quoted" key', "webhook"],
    [0, "x"],
  ]) {
    assert.deepEqual(parsePath(formatPath(segments)), segments);
  }
  assert.throws(() => parsePath("services[x]"), /not a config path/);
});
