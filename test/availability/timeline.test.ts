// Time in up / down / unknown over a window, on hand-made step functions: unobserved time
// before the first change, outages cut by the window's edges, simultaneous changes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { timeInConditions, type ConditionChange } from "../../src/availability/timeline.js";

const M = 60_000;
const win = { from: 100 * M, to: 200 * M };

test("no changes: the whole window is unknown, no outage", () => {
  assert.deepEqual(timeInConditions([], win), { upMs: 0, downMs: 0, unknownMs: 100 * M, outagesBegun: 0 });
});

test("time before the first change is unknown; each condition lasts until the next change", () => {
  const changes: ConditionChange[] = [
    { at: 120 * M, condition: "up" },
    { at: 150 * M, condition: "down" },
    { at: 160 * M, condition: "up" },
  ];
  assert.deepEqual(timeInConditions(changes, win), { upMs: 70 * M, downMs: 10 * M, unknownMs: 20 * M, outagesBegun: 1 });
});

test("an outage crossing the window's start counts only inside, and is not an outage begun in it", () => {
  const changes: ConditionChange[] = [
    { at: 0, condition: "up" },
    { at: 90 * M, condition: "down" },
    { at: 105 * M, condition: "up" },
  ];
  assert.deepEqual(timeInConditions(changes, win), { upMs: 95 * M, downMs: 5 * M, unknownMs: 0, outagesBegun: 0 });
});

test("an outage still going at the window's end counts up to the end", () => {
  const changes: ConditionChange[] = [
    { at: 0, condition: "up" },
    { at: 190 * M, condition: "down" },
  ];
  assert.deepEqual(timeInConditions(changes, win), { upMs: 90 * M, downMs: 10 * M, unknownMs: 0, outagesBegun: 1 });
});

test("changes after the window do not count; unknown in the middle is unknown", () => {
  const changes: ConditionChange[] = [
    { at: 50 * M, condition: "up" },
    { at: 130 * M, condition: "unknown" },
    { at: 140 * M, condition: "up" },
    { at: 250 * M, condition: "down" },
  ];
  assert.deepEqual(timeInConditions(changes, win), { upMs: 90 * M, downMs: 0, unknownMs: 10 * M, outagesBegun: 0 });
});

test("unsorted input is sorted; of changes at one instant the last given holds, so no zero-length outage", () => {
  const changes: ConditionChange[] = [
    { at: 150 * M, condition: "down" },
    { at: 150 * M, condition: "up" },
    { at: 100 * M, condition: "up" },
    { at: 170 * M, condition: "down" },
    { at: 180 * M, condition: "up" },
  ];
  assert.deepEqual(timeInConditions(changes, win), { upMs: 90 * M, downMs: 10 * M, unknownMs: 0, outagesBegun: 1 });
});

test("repeating the current condition changes nothing; a reversed window is refused", () => {
  const changes: ConditionChange[] = [
    { at: 100 * M, condition: "down" },
    { at: 110 * M, condition: "down" },
    { at: 120 * M, condition: "up" },
  ];
  assert.deepEqual(timeInConditions(changes, win), { upMs: 80 * M, downMs: 20 * M, unknownMs: 0, outagesBegun: 1 });
  assert.throws(() => timeInConditions([], { from: 2, to: 1 }), /window ends \(1\) before it starts \(2\)/);
});
