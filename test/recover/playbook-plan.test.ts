// Playbook plans: the attempt runs up to and including the last verify, the steps after it
// are the escalation tail; a playbook without verify gets the default one after each repair
// and before its trailing escalates; guarded steps apply only to their causes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { configSchema } from "../../src/config/schema.js";
import { DEFAULT_VERIFY, planPlaybook, stepApplies, type ActionStep } from "../../src/recover/playbook-plan.js";

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

const verify = { kind: "verify", spec: DEFAULT_VERIFY };

test("without verify, each repair is followed by the default verify; trailing escalates are the tail", () => {
  assert.deepEqual(planPlaybook(playbook(["restart", "escalate"])), {
    attempt: [restart, { kind: "verify", spec: DEFAULT_VERIFY }],
    escalation: [escalate],
  });
  assert.deepEqual(planPlaybook(playbook(["kill", "restart"])), {
    attempt: [{ kind: "action", action: "kill" }, verify, restart, verify],
    escalation: [],
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

test("action steps with do:, when:, approve: and command:", () => {
  const plan = planPlaybook(
    playbook([
      { do: "kill", when: { cause: "hang" } },
      { do: "exec", command: "flush", approve: true, when: { cause: ["memory", "cpu"] } },
      "escalate",
    ]),
  );
  assert.deepEqual(plan.attempt, [
    { kind: "action", action: "kill", when: ["hang"] },
    verify,
    { kind: "action", action: "exec", command: "flush", approve: true, when: ["memory", "cpu"] },
    verify,
  ]);
  const [kill, , exec] = plan.attempt as ActionStep[];
  assert.equal(stepApplies(kill!, "hang"), true);
  assert.equal(stepApplies(kill!, "crash"), false);
  assert.equal(stepApplies(exec!, "cpu"), true);
  assert.equal(stepApplies({ kind: "action", action: "restart" }, "unknown"), true);
});

test("bad steps are refused with what is expected", () => {
  const bad = (step: unknown) => configSchema.safeParse({ playbooks: { p: { steps: [step] } } });
  assert.match(JSON.stringify(bad({ do: "exec" }).error?.issues), /exec needs command/);
  assert.match(JSON.stringify(bad({ do: "reboot" }).error?.issues), /expected an action|expected an action name/);
  assert.match(JSON.stringify(bad({ do: "kill", when: { cause: "gremlins" } }).error?.issues), /expected a cause|expected an action name/);
});
