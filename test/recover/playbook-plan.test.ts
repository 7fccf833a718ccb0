// Playbook plans: the attempt runs up to and including the last verify, the steps after it
// are the escalation tail; a playbook without verify gets the default one appended before
// its trailing escalates.
import { test } from "node:test";
import assert from "node:assert/strict";
import { configSchema } from "../../src/config/schema.js";
import { DEFAULT_VERIFY, planPlaybook } from "../../src/recover/playbook-plan.js";

/** A playbook as the config loader gives it (durations in ms, defaults filled in). */
function playbook(steps: unknown[]) {
  return configSchema.parse({ playbooks: { p: { steps } } }).playbooks["p"]!;
}

const restart = { kind: "action", action: "restart" };
const escalate = { kind: "escalate" };

test("split at the verify: restart and verify are the attempt, escalate the tail", () => {
  const plan = planPlaybook(playbook(["restart", { verify: { healthyFor: "5s", within: "1m" } }, "escalate"]));
  assert.deepEqual(plan, {
    attempt: [restart, { kind: "verify", spec: { healthyFor: 5_000, within: 60_000 } }],
    escalation: [escalate],
  });
});

test("split at the last verify when there are several", () => {
  const plan = planPlaybook(
    playbook(["restart", { verify: { healthyFor: "1s", within: "10s" } }, "stop", "start", { verify: { healthyFor: "3s" } }, "stop", "escalate"]),
  );
  assert.deepEqual(plan.attempt, [
    restart,
    { kind: "verify", spec: { healthyFor: 1_000, within: 10_000 } },
    { kind: "action", action: "stop" },
    { kind: "action", action: "start" },
    { kind: "verify", spec: { healthyFor: 3_000, within: 30_000 } },
  ]);
  assert.deepEqual(plan.escalation, [{ kind: "action", action: "stop" }, escalate]);
});

test("a playbook ending in verify has no escalation tail", () => {
  const plan = planPlaybook(playbook(["restart", { verify: {} }]));
  assert.deepEqual(plan.escalation, []);
  assert.deepEqual(plan.attempt[1], { kind: "verify", spec: DEFAULT_VERIFY });
});

test("without verify, the default verify is appended before the trailing escalates", () => {
  assert.deepEqual(planPlaybook(playbook(["restart", "escalate"])), {
    attempt: [restart, { kind: "verify", spec: DEFAULT_VERIFY }],
    escalation: [escalate],
  });
  assert.deepEqual(planPlaybook(playbook(["stop", "start", "escalate", "escalate"])), {
    attempt: [{ kind: "action", action: "stop" }, { kind: "action", action: "start" }, { kind: "verify", spec: DEFAULT_VERIFY }],
    escalation: [escalate, escalate],
  });
  assert.deepEqual(planPlaybook(playbook(["restart"])), {
    attempt: [restart, { kind: "verify", spec: DEFAULT_VERIFY }],
    escalation: [],
  });
});

test("without verify, an escalate followed by an action belongs to the attempt", () => {
  assert.deepEqual(planPlaybook(playbook(["escalate", "restart"])), {
    attempt: [escalate, restart, { kind: "verify", spec: DEFAULT_VERIFY }],
    escalation: [],
  });
  assert.deepEqual(planPlaybook(playbook(["escalate"])), {
    attempt: [{ kind: "verify", spec: DEFAULT_VERIFY }],
    escalation: [escalate],
  });
});

test("the default verify is the schema's default verify", () => {
  assert.deepEqual(playbook([{ verify: {} }]).steps[0], { verify: DEFAULT_VERIFY });
});
