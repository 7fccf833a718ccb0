import { test } from "node:test";
import assert from "node:assert/strict";
import { FLAPPING_ANNOTATION, FlapDetector, flappingView } from "../../src/alert/flap-detector.js";
import type { AlertRecord } from "../../src/storage/storage.js";

const T = 1_000_000;
const settings = { changes: 3, withinMs: 60_000, settleMs: 30_000 };

test("more than `changes` changes within the window make an alert flapping, once", () => {
  const flaps = new FlapDetector(settings);
  assert.deepEqual(
    [0, 10_000, 20_000, 30_000, 40_000].map((at) => flaps.recordChange("a", T + at)),
    ["steady", "steady", "steady", "started", "flapping"],
  );
  assert.equal(flaps.isFlapping("a"), true);
  assert.equal(flaps.isFlapping("b"), false);
});

test("changes spread wider than the window never make an alert flapping", () => {
  const flaps = new FlapDetector(settings);
  const verdicts = [0, 25_000, 50_000, 75_000, 100_000, 125_000].map((at) => flaps.recordChange("a", T + at));
  assert.deepEqual(new Set(verdicts), new Set(["steady"]), "never more than 3 changes in any 60 s");
  assert.equal(flaps.nextSettleAt(), null);
});

test("a flapping alert settles once it has not changed for `settle`, and then starts counting afresh", () => {
  const flaps = new FlapDetector(settings);
  for (const at of [0, 1000, 2000, 3000]) flaps.recordChange("a", T + at);
  assert.equal(flaps.nextSettleAt(), T + 33_000);
  assert.deepEqual(flaps.settle(T + 32_999), []);
  flaps.recordChange("a", T + 20_000); // still changing: settling moves on
  assert.equal(flaps.nextSettleAt(), T + 50_000);
  assert.deepEqual(flaps.settle(T + 49_999), []);
  assert.deepEqual(flaps.settle(T + 50_000), ["a"]);
  assert.equal(flaps.isFlapping("a"), false);
  assert.equal(flaps.nextSettleAt(), null);
  // The history was cleared: one more change is not flapping again.
  assert.equal(flaps.recordChange("a", T + 51_000), "steady");
});

test("restore puts back a flapping alert and its changes, as read from the journal after a restart", () => {
  const flaps = new FlapDetector(settings);
  flaps.restore("a", [T, T + 1000, T + 2000, T + 3000], T + 3000);
  flaps.restore("b", [T + 1000, T + 2000, T + 3000], null);
  assert.equal(flaps.isFlapping("a"), true);
  assert.equal(flaps.nextSettleAt(), T + 33_000);
  assert.equal(flaps.recordChange("b", T + 4000), "started", "b's earlier changes still count");
});

test("settings that cannot work are refused", () => {
  assert.throws(() => new FlapDetector({ ...settings, changes: 0 }), /flapping.changes must be an integer >= 1, got 0/);
  assert.throws(() => new FlapDetector({ ...settings, settleMs: -1 }), /flapping settleMs must be a duration in ms >= 0, got -1/);
});

test("a flapping alert is shown firing with the flapping annotation, its identity unchanged", () => {
  const resolved: AlertRecord = {
    fingerprint: "0123456789abcdef",
    labels: { alertname: "X" },
    annotations: { summary: "s" },
    state: "resolved",
    activeAt: T,
    firedAt: T + 10,
    resolvedAt: T + 20,
    value: 1,
    updatedAt: T + 20,
  };
  const view = flappingView(resolved);
  assert.deepEqual(
    [view.fingerprint, view.labels, view.state, view.firedAt, view.resolvedAt, view.annotations],
    ["0123456789abcdef", { alertname: "X" }, "firing", T + 10, null, { summary: "s", [FLAPPING_ANNOTATION]: "true" }],
  );
  assert.equal(resolved.state, "resolved", "the record itself is not touched");
});
