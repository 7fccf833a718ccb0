import { test } from "node:test";
import assert from "node:assert/strict";
import { nextAlertState, type AlertObservation } from "../../src/alert/alert-lifecycle.js";
import { alertFingerprint } from "../../src/alert/fingerprint.js";
import type { AlertRecord } from "../../src/storage/storage.js";

const labels = { alertname: "HighCpu", node: "node-a" };
const fingerprint = alertFingerprint(labels);
const T = 1_000_000;

function obs(active: boolean, forMs: number, value: number | null = 0.95, annotations = { summary: "cpu high" }): AlertObservation {
  return { labels, annotations, active, value, forMs };
}

function alert(state: AlertRecord["state"], fields: Partial<AlertRecord> = {}): AlertRecord {
  return {
    fingerprint,
    labels,
    annotations: { summary: "cpu high" },
    state,
    activeAt: T,
    firedAt: state === "pending" ? null : T + 1000,
    resolvedAt: state === "resolved" ? T + 5000 : null,
    value: 0.95,
    updatedAt: T,
    ...fields,
  };
}

interface Case {
  name: string;
  current: AlertRecord | undefined;
  observation: AlertObservation;
  now: number;
  transition: ReturnType<typeof nextAlertState>["transition"];
  record: Partial<AlertRecord> | null;
}

const cases: Case[] = [
  { name: "inactive with no alert: nothing", current: undefined, observation: obs(false, 1000), now: T, transition: null, record: null },
  {
    name: "active with no alert: pending from now",
    current: undefined,
    observation: obs(true, 1000),
    now: T,
    transition: "pending",
    record: { fingerprint, state: "pending", activeAt: T, firedAt: null, resolvedAt: null, value: 0.95, updatedAt: T },
  },
  {
    name: "active with for=0: firing at once",
    current: undefined,
    observation: obs(true, 0),
    now: T,
    transition: "firing",
    record: { state: "firing", activeAt: T, firedAt: T, resolvedAt: null },
  },
  {
    name: "pending, active, for not yet elapsed: stays pending with the new value",
    current: alert("pending"),
    observation: obs(true, 1000, 0.97, { summary: "cpu at 97%" }),
    now: T + 999,
    transition: null,
    record: { state: "pending", activeAt: T, firedAt: null, value: 0.97, annotations: { summary: "cpu at 97%" }, updatedAt: T + 999 },
  },
  {
    name: "pending, active, for elapsed exactly: firing",
    current: alert("pending"),
    observation: obs(true, 1000),
    now: T + 1000,
    transition: "firing",
    record: { state: "firing", activeAt: T, firedAt: T + 1000, resolvedAt: null },
  },
  { name: "pending, inactive: dropped without a record", current: alert("pending"), observation: obs(false, 1000), now: T + 500, transition: "dropped", record: null },
  {
    name: "firing, active: stays firing, value updates",
    current: alert("firing"),
    observation: obs(true, 1000, 0.99),
    now: T + 3000,
    transition: null,
    record: { state: "firing", firedAt: T + 1000, value: 0.99, updatedAt: T + 3000 },
  },
  {
    name: "firing, inactive: resolved at now",
    current: alert("firing"),
    observation: obs(false, 1000, 0.2),
    now: T + 4000,
    transition: "resolved",
    record: { state: "resolved", activeAt: T, firedAt: T + 1000, resolvedAt: T + 4000, value: 0.95 },
  },
  {
    name: "resolved, inactive: nothing changes",
    current: alert("resolved"),
    observation: obs(false, 1000),
    now: T + 9000,
    transition: null,
    record: { state: "resolved", resolvedAt: T + 5000 },
  },
  {
    name: "resolved, active again: a new pending from now",
    current: alert("resolved"),
    observation: obs(true, 1000),
    now: T + 9000,
    transition: "pending",
    record: { fingerprint, state: "pending", activeAt: T + 9000, firedAt: null, resolvedAt: null },
  },
  {
    name: "resolved, active again with for=0: fires again at once",
    current: alert("resolved"),
    observation: obs(true, 0),
    now: T + 9000,
    transition: "firing",
    record: { state: "firing", activeAt: T + 9000, firedAt: T + 9000, resolvedAt: null },
  },
];

for (const c of cases) {
  test(`lifecycle: ${c.name}`, () => {
    const { record, transition } = nextAlertState(c.current, c.observation, c.now);
    assert.equal(transition, c.transition);
    if (c.record === null) {
      assert.equal(record, null);
      return;
    }
    assert.ok(record, "expected a record");
    for (const [field, expected] of Object.entries(c.record)) {
      assert.deepEqual(record[field as keyof AlertRecord], expected, `field ${field}`);
    }
  });
}

test("lifecycle does not modify the record it is given", () => {
  const current = alert("pending");
  const before = structuredClone(current);
  nextAlertState(current, obs(true, 1000, 0.5), T + 2000);
  assert.deepEqual(current, before);
});

test("lifecycle walks pending -> firing -> resolved -> pending on a timeline", () => {
  let current: AlertRecord | undefined;
  const transitions: (string | null)[] = [];
  const timeline: [number, boolean][] = [[0, true], [500, true], [1000, true], [1500, true], [2000, false], [2500, false], [3000, true]];
  for (const [at, active] of timeline) {
    const step = nextAlertState(current, obs(active, 1000), T + at);
    transitions.push(step.transition);
    current = step.record ?? undefined;
  }
  assert.deepEqual(transitions, ["pending", null, "firing", null, "resolved", null, "pending"]);
  assert.equal(current?.activeAt, T + 3000);
});

test("keepFiringFor: a firing alert outlasts its condition by keepFiringMs, then resolves", () => {
  const keep = (active: boolean, value = 0.95): AlertObservation => ({ ...obs(active, 0, value), keepFiringMs: 5000 });
  const firing = alert("firing");

  const cleared = nextAlertState(firing, keep(false, 0.3), T + 2000);
  assert.equal(cleared.transition, null);
  assert.equal(cleared.record?.state, "firing");
  assert.equal(cleared.record?.keepFiringUntil, T + 7000, "the deadline counts from the first inactive observation");
  assert.equal(cleared.record?.value, 0.95, "the value that fired stays");

  const stillClear = nextAlertState(cleared.record!, keep(false, 0.2), T + 6999);
  assert.equal(stillClear.transition, null);
  assert.equal(stillClear.record?.keepFiringUntil, T + 7000, "later inactive observations do not push the deadline");

  const resolved = nextAlertState(stillClear.record!, keep(false, 0.2), T + 7000);
  assert.equal(resolved.transition, "resolved");
  assert.equal(resolved.record?.resolvedAt, T + 7000);
  assert.equal(resolved.record?.keepFiringUntil, undefined);
});

test("keepFiringFor: the condition returning before the deadline keeps the alert firing with no deadline", () => {
  const keep = (active: boolean): AlertObservation => ({ ...obs(active, 0), keepFiringMs: 5000 });
  const cleared = nextAlertState(alert("firing"), keep(false), T + 2000).record!;
  const back = nextAlertState(cleared, keep(true), T + 3000);
  assert.equal(back.transition, null);
  assert.equal(back.record?.state, "firing");
  assert.equal(back.record?.firedAt, T + 1000, "the same firing, not a new one");
  assert.equal(back.record?.keepFiringUntil, undefined);
  // Clearing again starts a new full keepFiringFor.
  assert.equal(nextAlertState(back.record!, keep(false), T + 4000).record?.keepFiringUntil, T + 9000);
});

test("keepFiringFor does not hold pending alerts, and a stored deadline holds even without keepFiringMs", () => {
  assert.equal(nextAlertState(alert("pending"), { ...obs(false, 1000), keepFiringMs: 5000 }, T + 500).transition, "dropped");
  const held = alert("firing", { keepFiringUntil: T + 9000 });
  assert.equal(nextAlertState(held, obs(false, 0), T + 8000).transition, null);
  assert.equal(nextAlertState(held, obs(false, 0), T + 9000).transition, "resolved");
});
