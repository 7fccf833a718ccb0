import { test } from "node:test";
import assert from "node:assert/strict";
import { HealthThreshold } from "../../src/agent/health-threshold.js";

test("from unknown one success makes the service healthy", () => {
  const threshold = new HealthThreshold(3, 2, 0);
  assert.deepEqual(threshold.state(), { health: "unknown", since: 0 });
  assert.deepEqual(threshold.observe(true, 100), { health: "healthy", since: 100 });
  assert.equal(threshold.observe(true, 200), null);
  assert.deepEqual(threshold.state(), { health: "healthy", since: 100 });
});

test("unhealthy needs `failures` consecutive failures and dates from the first of them", () => {
  const threshold = new HealthThreshold(3, 1, 0);
  threshold.observe(true, 0);
  assert.equal(threshold.observe(false, 500), null);
  assert.equal(threshold.observe(false, 1000), null);
  assert.deepEqual(threshold.observe(false, 1500), { health: "unhealthy", since: 500 });
  assert.equal(threshold.observe(false, 2000), null, "no repeated transition");
  assert.deepEqual(threshold.state(), { health: "unhealthy", since: 500 });
});

test("a success in between restarts the failure streak", () => {
  const threshold = new HealthThreshold(2, 1, 0);
  threshold.observe(true, 0);
  assert.equal(threshold.observe(false, 100), null);
  assert.equal(threshold.observe(true, 200), null);
  assert.equal(threshold.observe(false, 300), null);
  assert.deepEqual(threshold.observe(false, 400), { health: "unhealthy", since: 300 });
});

test("from unknown, failures alone also decide (a service that never came up)", () => {
  const threshold = new HealthThreshold(2, 1, 0);
  assert.equal(threshold.observe(false, 10), null);
  assert.deepEqual(threshold.observe(false, 20), { health: "unhealthy", since: 10 });
});

test("recovery from unhealthy needs `successes` consecutive successes", () => {
  const threshold = new HealthThreshold(1, 3, 0);
  assert.deepEqual(threshold.observe(false, 0), { health: "unhealthy", since: 0 });
  assert.equal(threshold.observe(true, 100), null);
  assert.equal(threshold.observe(true, 200), null);
  assert.equal(threshold.observe(false, 300), null, "already unhealthy");
  assert.equal(threshold.observe(true, 400), null);
  assert.equal(threshold.observe(true, 500), null);
  assert.deepEqual(threshold.observe(true, 600), { health: "healthy", since: 400 });
});

test("reset returns to unknown, after which one success is healthy again", () => {
  const threshold = new HealthThreshold(1, 3, 0);
  threshold.observe(false, 0);
  threshold.reset(1000);
  assert.deepEqual(threshold.state(), { health: "unknown", since: 1000 });
  assert.deepEqual(threshold.observe(true, 1100), { health: "healthy", since: 1100 });
});

test("reset forgets a half-built failure streak", () => {
  const threshold = new HealthThreshold(2, 1, 0);
  threshold.observe(true, 0);
  threshold.observe(false, 100);
  threshold.reset(150);
  assert.equal(threshold.observe(false, 200), null);
  assert.deepEqual(threshold.observe(false, 300), { health: "unhealthy", since: 200 });
});

test("rejects thresholds below one with a clear error", () => {
  assert.throws(() => new HealthThreshold(0, 1), /failures must be an integer >= 1, got 0/);
  assert.throws(() => new HealthThreshold(1, 1.5), /successes must be an integer >= 1, got 1.5/);
});
