import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../src/util/clock.js";

test("manual clock fires timers in due order while advancing", () => {
  const clock = new ManualClock(0);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 200);
  clock.setTimeout(() => fired.push(`a@${clock.now()}`), 100);
  const every = clock.setInterval(() => fired.push(`i@${clock.now()}`), 150);
  clock.advance(320);
  assert.deepEqual(fired, ["a@100", "i@150", "b@200", "i@300"]);
  assert.equal(clock.now(), 320);
  every.cancel();
  clock.advance(1000);
  assert.equal(fired.length, 4);
});

test("a cancelled timeout never fires", () => {
  const clock = new ManualClock(0);
  let fired = false;
  clock.setTimeout(() => (fired = true), 10).cancel();
  clock.advance(100);
  assert.equal(fired, false);
  assert.equal(clock.pendingTimers(), 0);
});
