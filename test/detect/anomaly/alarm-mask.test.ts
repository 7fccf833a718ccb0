import { test } from "node:test";
import assert from "node:assert/strict";
import { AlarmMask } from "../../../src/detect/anomaly/alarm-mask.js";

test("after an alarm, weaker evidence is masked for maskPoints points, then shown again", () => {
  const mask = new AlarmMask(10, 0.3, 3);
  assert.equal(mask.filter(100, 5), 5, "the alarm itself is shown");
  assert.equal(mask.filter(101, 5.2), -Infinity, "not stronger by the margin: masked");
  assert.equal(mask.filter(109, 4), -Infinity);
  assert.equal(mask.filter(110, 4), 4, "the mask has ended");
});

test("stronger evidence gets through the mask and becomes the new alarm", () => {
  const mask = new AlarmMask(10, 0.3, 3);
  mask.filter(100, 5);
  assert.equal(mask.filter(102, 5.5), 5.5);
  assert.equal(mask.filter(111, 5.6), -Infinity, "masked by the alarm at 102 until 112");
  assert.equal(mask.filter(112, 5.6), 5.6);
});

test("evidence below the alarm level neither masks nor is masked", () => {
  const mask = new AlarmMask(10, 0.3, 3);
  assert.equal(mask.filter(100, 2), 2);
  assert.equal(mask.filter(101, 2.5), 2.5);
  assert.equal(mask.filter(102, -Infinity), -Infinity);
});
