// The service page's up/down strip from journalled health transitions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { healthStrip } from "../../../src/server/dashboard/health-strip.js";

test("segments cover the range, starting in the first transition's from-state", () => {
  const strip = healthStrip(
    [
      { ts: 100, from: "unknown", to: "healthy" },
      { ts: 400, from: "healthy", to: "unhealthy" },
      { ts: 500, from: "unhealthy", to: "healthy" },
    ],
    "healthy",
    0,
    1000,
  );
  assert.deepEqual(strip.segments, [
    { from: 0, to: 100, state: "unknown" },
    { from: 100, to: 400, state: "healthy" },
    { from: 400, to: 500, state: "unhealthy" },
    { from: 500, to: 1000, state: "healthy" },
  ]);
  assert.deepEqual(strip.shares, { unknown: 0.1, healthy: 0.8, unhealthy: 0.1 });
});

test("with nothing in range the whole range is the current health; transitions outside it are ignored", () => {
  const strip = healthStrip([{ ts: 5, from: "healthy", to: "unhealthy" }], "unhealthy", 10, 20);
  assert.deepEqual(strip.segments, [{ from: 10, to: 20, state: "unhealthy" }]);
  assert.equal(strip.shares.unhealthy, 1);
});

test("a repeated state does not split a segment", () => {
  const strip = healthStrip(
    [
      { ts: 10, from: "healthy", to: "unhealthy" },
      { ts: 20, from: "healthy", to: "unhealthy" },
    ],
    "unhealthy",
    0,
    30,
  );
  assert.deepEqual(strip.segments, [
    { from: 0, to: 10, state: "healthy" },
    { from: 10, to: 30, state: "unhealthy" },
  ]);
});
