import { test } from "node:test";
import assert from "node:assert/strict";
import { formatPercent } from "../../src/availability/format.js";

test("percentages show the first significant digit of the unavailability, never a false 100%", () => {
  assert.equal(formatPercent(99.17), "99.2%");
  assert.equal(formatPercent(99.9815), "99.98%");
  assert.equal(formatPercent(99.99954), "99.9995%");
  assert.equal(formatPercent(50), "50.0%");
  assert.equal(formatPercent(100), "100%");
  assert.equal(formatPercent(99.96), "99.96%");
  assert.equal(formatPercent(99.99999999), "99.999999%");
  assert.equal(formatPercent(null), "-");
});
