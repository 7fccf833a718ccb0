// The partition guard: freeze when a share of the nodes get into trouble within the window,
// thaw only after fewer than the trip count stayed out for the stable period (hysteresis).
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveFailureDetectorOptions } from "../../../src/detect/failure/failure-detector-options.js";
import { PartitionGuard, type FreezeChange } from "../../../src/detect/failure/partition-guard.js";

const options = resolveFailureDetectorOptions(); // share 0.5, min 3 nodes, window 5 s, stable 10 s

function guardWith(nodes: number, t = 0): { guard: PartitionGuard; names: string[] } {
  const guard = new PartitionGuard(options);
  const names = Array.from({ length: nodes }, (_, i) => `n${i}`);
  for (const n of names) assert.equal(guard.observe(n, "alive", t), null);
  return { guard, names };
}

test("half of the nodes suspect within the window freezes, at the node that reaches the trip count", () => {
  const { guard, names } = guardWith(10);
  for (let i = 0; i < 4; i++) assert.equal(guard.observe(names[i]!, "suspect", 1000 + i * 100), null, `${i + 1} of 10`);
  const change = guard.observe(names[4]!, "suspect", 1400);
  assert.ok(change);
  assert.equal(change.frozen, true);
  assert.equal(change.at, 1400);
  assert.deepEqual(change.nodes, names.slice(0, 5));
  assert.match(change.reason, /^5 of 10 nodes went silent within 5000 ms \(at least 5 trip the guard\)/);
  assert.equal(guard.isFrozen(), true);
});

test("the same number of nodes spread wider than the window does not freeze", () => {
  const spread = guardWith(20);
  for (let i = 0; i < 10; i++) assert.equal(spread.guard.observe(spread.names[i]!, "dead", i * 2000), null, `node ${i} at ${i * 2} s`);
  assert.equal(spread.guard.isFrozen(), false);
  const together = guardWith(20);
  for (let i = 0; i < 10; i++) together.guard.observe(together.names[i]!, "dead", i * 400);
  assert.equal(together.guard.isFrozen(), true, "10 of 20 within 3.6 s");
});

test("small clusters need at least isolationMinNodes (3) nodes in trouble", () => {
  const four = guardWith(4);
  assert.equal(four.guard.observe("n0", "suspect", 100), null);
  assert.equal(four.guard.observe("n1", "suspect", 100), null, "2 of 4 is half, but fewer than 3");
  assert.equal(four.guard.observe("n2", "suspect", 100)?.frozen, true);
  const two = guardWith(2);
  two.guard.observe("n0", "suspect", 100);
  assert.equal(two.guard.observe("n1", "suspect", 100), null, "two nodes can never trip it");
});

test("nodes out since before the window count neither as trouble nor in the population", () => {
  const { guard, names } = guardWith(8);
  for (let i = 0; i < 3; i++) guard.observe(names[i]!, "dead", 0);
  assert.equal(guard.isFrozen(), false, "3 of 8 at once is below half");
  // Ten minutes later: population 5 (the 3 dead excluded), trip count max(3, ⌈2.5⌉) = 3.
  guard.observe(names[3]!, "suspect", 600_000);
  guard.observe(names[4]!, "suspect", 600_100);
  assert.equal(guard.status(600_100).tripCount, 3);
  assert.equal(guard.observe(names[5]!, "suspect", 600_200)?.frozen, true);
});

test("thaw: only after fewer than the trip count stayed out for the stable period; a relapse restarts the clock", () => {
  const { guard, names } = guardWith(6);
  for (const n of names) guard.observe(n, "suspect", 1000);
  assert.equal(guard.isFrozen(), true);
  const changes: FreezeChange[] = [];
  const at = (t: number) => {
    const c = guard.tick(t);
    if (c) changes.push(c);
  };
  // 3 back: 3 of 6 still out, not fewer than the trip count 3.
  for (const n of names.slice(0, 3)) guard.observe(n, "alive", 5000);
  at(20_000);
  assert.equal(guard.isFrozen(), true);
  assert.equal(guard.status(20_000).calmSince, null);
  guard.observe(names[3]!, "alive", 21_000);
  at(30_999);
  assert.equal(guard.isFrozen(), true, "calm for 9.999 s only");
  // Relapse: one node out again → 3 out → the stability clock stops.
  guard.observe(names[0]!, "dead", 31_000);
  at(45_000);
  assert.equal(guard.isFrozen(), true);
  guard.observe(names[0]!, "alive", 46_000);
  at(55_999);
  assert.equal(guard.isFrozen(), true);
  at(56_000);
  assert.equal(guard.isFrozen(), false);
  assert.equal(changes.length, 1);
  assert.equal(changes[0]!.frozen, false);
  assert.equal(changes[0]!.at, 56_000);
  assert.deepEqual(changes[0]!.nodes.sort(), ["n4", "n5"], "the nodes still out are named");
  assert.match(changes[0]!.reason, /^the nodes are back: 2 of the freeze's 6 nodes still out \(fewer than 3\) for 10000 ms$/);
});

test("nodes that get into trouble during the freeze join it; nodes out from before do not", () => {
  const { guard, names } = guardWith(10);
  guard.observe(names[9]!, "dead", 0);
  for (let i = 0; i < 5; i++) guard.observe(names[i]!, "suspect", 100_000);
  assert.equal(guard.isFrozen(), true);
  guard.observe(names[5]!, "suspect", 101_000);
  guard.observe(names[9]!, "unreachable", 101_000); // out since t = 0: not the freeze's
  const status = guard.status(101_000);
  assert.equal(status.out, 6);
  assert.equal(status.tripCount, 5);
});

test("forgetting nodes updates the counts", () => {
  const { guard, names } = guardWith(6);
  guard.observe(names[0]!, "suspect", 100);
  guard.observe(names[1]!, "suspect", 100);
  guard.forget(names[0]!, 100);
  guard.forget("never-seen", 100);
  assert.equal(guard.status(100).out, 1);
  assert.equal(guard.status(100).population, 5);
});
