import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_PLAYBOOK_NAME, defaultPlaybook, defaultRules, playbookFor } from "../../src/config/defaults.js";
import { parseConfig } from "../../src/config/load.js";

test("the default playbook fails over (node down), kills (hang) or restarts, verifies each, escalates, with crash-loop limits", () => {
  assert.equal(DEFAULT_PLAYBOOK_NAME, "default");
  const verify = { verify: { healthyFor: 2000, within: 30_000 } };
  assert.deepEqual(defaultPlaybook(), {
    steps: [
      { do: "failover", when: { cause: ["node-down"] }, approve: false },
      verify,
      { do: "kill", when: { cause: ["hang"] }, approve: false },
      verify,
      "restart",
      verify,
      "escalate",
    ],
    limits: { attempts: 3, within: 600_000, backoff: { initial: 10_000, max: 300_000 } },
  });
  const mine = defaultPlaybook();
  mine.limits.attempts = 99;
  assert.equal(defaultPlaybook().limits.attempts, 3, "each call returns a fresh copy");
});

test("playbookFor: the named playbook, the default, a config-defined default, or none", () => {
  const config = parseConfig(
    [
      "services:",
      "  - { name: plain }",
      "  - { name: careful, recovery: gentle }",
      "  - { name: manual, recovery: none }",
      "  - { name: explicit, recovery: default }",
      "playbooks:",
      "  gentle: { steps: [restart, escalate], limits: { attempts: 1 } }",
      "",
    ].join("\n"),
    { env: {} },
  );
  assert.deepEqual(playbookFor(config, "plain"), defaultPlaybook());
  assert.deepEqual(playbookFor(config, "explicit"), defaultPlaybook());
  assert.deepEqual(playbookFor(config, "careful")?.steps, ["restart", "escalate"]);
  assert.equal(playbookFor(config, "careful")?.limits.attempts, 1);
  assert.equal(playbookFor(config, "manual"), null);
  assert.equal(playbookFor(config, "not-a-service"), null);

  const overridden = parseConfig("services: [{ name: plain }]\nplaybooks:\n  default: { steps: [stop, start] }\n", { env: {} });
  assert.deepEqual(playbookFor(overridden, "plain")?.steps, ["stop", "start"]);
});

test("default rules watch CPU, memory, disk and swap, with every schema default filled", () => {
  const rules = defaultRules();
  assert.deepEqual(
    rules.map((r) => [r.name, r.metric, r.above, r.for, r.severity]),
    [
      ["HighCpu", "node_cpu_usage_ratio", 0.9, 300_000, "warning"],
      ["HighMemory", "node_memory_used_ratio", 0.9, 300_000, "warning"],
      ["DiskAlmostFull", "node_filesystem_used_ratio", 0.9, 600_000, "warning"],
      ["DiskFull", "node_filesystem_used_ratio", 0.97, 60_000, "critical"],
      ["SwapHeavy", "node_swap_used_ratio", 0.8, 600_000, "warning"],
    ],
  );
  for (const rule of rules) {
    assert.deepEqual(rule.labels, {});
    assert.deepEqual(rule.annotations, {});
    assert.equal(rule.below, undefined);
    assert.ok(rule.summary && rule.summary.length > 0);
  }
});
