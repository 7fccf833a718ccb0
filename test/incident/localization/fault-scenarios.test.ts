// Top-1 localization over the scripted fault scenarios (fault-scenarios.ts): for each, the
// root component and the cause the localizer names must be the known ones. Scenarios with
// a known miss are reported as todo with the reason, so the miss stays visible.
import { test } from "node:test";
import assert from "node:assert/strict";
import { localize } from "../../../src/incident/localization/localize.js";
import { buildFaultScenarios, SCENARIO_COUNT } from "./fault-scenarios.js";

const scenarios = buildFaultScenarios();

test("there are at least 20 scenarios, covering every cause but unknown", () => {
  assert.equal(scenarios.length, SCENARIO_COUNT);
  assert.ok(scenarios.length >= 20);
  const causes = new Set(scenarios.map((s) => s.expected.cause));
  for (const cause of ["crash", "hang", "restarting", "memory", "cpu", "disk", "fds", "network", "node-down"]) assert.ok(causes.has(cause as never), `no scenario for ${cause}`);
});

for (const s of scenarios) {
  test(`${s.name}: ${s.description}`, s.knownMiss ? { todo: s.knownMiss } : {}, () => {
    const l = localize(s.input, s.now);
    assert.ok(l, "no localization");
    assert.equal(`${l.root} ${l.cause}`, `${s.expected.root} ${s.expected.cause}`, l.summary);
    assert.deepEqual(l.independentRoots, s.expected.alsoIndependent ?? [], l.summary);
    assert.ok(l.confidence > 0 && l.confidence <= 1);
    assert.match(l.summary, /^root cause: .+ — .+; confidence \d\.\d\d/);
  });
}
