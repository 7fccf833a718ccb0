// Chart ranges, steps and the shared time grid the dashboard's charts are drawn on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { alignToGrid, chartWindow, gridTimes, parseChartRange, sumRows } from "../../../src/server/dashboard/chart-range.js";
import { phiSamples, PHI_CHART_CAP } from "../../../src/server/dashboard/phi-samples.js";

test("ranges are 15m … 7d; anything else is refused naming the choices", () => {
  assert.deepEqual(parseChartRange(undefined), { label: "1h", ms: 3_600_000 });
  assert.deepEqual(parseChartRange("7d"), { label: "7d", ms: 7 * 86_400_000 });
  assert.deepEqual(parseChartRange("2y"), { error: 'range: expected one of 15m, 1h, 6h, 24h, 7d, got "2y"' });
  assert.ok("error" in parseChartRange("toString"));
});

test("a window's step gives about 240 points, in whole seconds, never under one second", () => {
  assert.deepEqual(chartWindow(1_000_000, 3_600_000), { from: -2_600_000, to: 1_000_000, stepMs: 15_000 });
  assert.equal(chartWindow(0, 60_000).stepMs, 1000);
  assert.equal(gridTimes(chartWindow(3_600_000, 3_600_000)).length, 240);
});

test("series are aligned on the grid (the last point of each cell) and summed cell by cell", () => {
  const w = { from: 0, to: 40, stepMs: 10 };
  const cells = gridTimes(w).length;
  assert.deepEqual(gridTimes(w), [10, 20, 30, 40]);
  const rows = alignToGrid(
    [
      { name: "a", labels: {}, ts: Float64Array.from([5, 9, 20, 31]), values: Float64Array.from([1, 2, 3, Number.NaN]) },
      { name: "b", labels: {}, ts: Float64Array.from([40]), values: Float64Array.from([7]) },
    ],
    w,
    cells,
  );
  assert.deepEqual(rows, [
    [2, 3, null, null],
    [null, null, null, 7],
  ]);
  assert.deepEqual(sumRows(rows, cells), [2, 3, null, 7]);
});

test("φ is sampled per node, capped, and nodes without a detector state are left out", () => {
  assert.deepEqual(phiSamples([{ name: "a", phi: 1.5 }, { name: "b", phi: Infinity }, { name: "c", phi: undefined }], 99), [
    { name: "vigil_node_phi", labels: { node: "a" }, ts: 99, value: 1.5 },
    { name: "vigil_node_phi", labels: { node: "b" }, ts: 99, value: PHI_CHART_CAP },
  ]);
});
