// Rendezvous hashing of nodes over replicas: agreement, balance, and how few nodes move
// when replicas join or leave (issue 11: moves within 1.5/N, the busiest replica within
// 1.25 × the average, over 10,000 nodes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { assignNodes, ownerOf } from "../../src/replicas/node-ownership.js";

const NODES = Array.from({ length: 10_000 }, (_, i) => `node-${String(i).padStart(5, "0")}`);
const replicas = (n: number) => Array.from({ length: n }, (_, i) => `replica-${i + 1}`);

function owners(list: readonly string[]): Map<string, string> {
  return new Map(NODES.map((node) => [node, ownerOf(node, list)!]));
}

function moved(before: Map<string, string>, after: Map<string, string>): number {
  let count = 0;
  for (const [node, owner] of before) if (after.get(node) !== owner) count++;
  return count;
}

test("every replica computes the same owner whatever the order of the list; no replicas, no owner", () => {
  const list = replicas(5);
  const shuffled = [list[3]!, list[0]!, list[4]!, list[2]!, list[1]!, list[0]!];
  for (const node of NODES.slice(0, 500)) assert.equal(ownerOf(node, shuffled), ownerOf(node, list));
  assert.equal(ownerOf("node-1", []), null);
  assert.equal(ownerOf("node-1", ["only"]), "only");
});

test("the busiest replica holds at most 1.25 × the average, for 2 to 12 replicas", () => {
  for (let n = 2; n <= 12; n++) {
    const loads = [...assignNodes(NODES, replicas(n)).values()].map((nodes) => nodes.length);
    assert.equal(loads.reduce((a, b) => a + b, 0), NODES.length);
    const average = NODES.length / n;
    const busiest = Math.max(...loads);
    assert.ok(busiest <= 1.25 * average, `${n} replicas: busiest ${busiest} > 1.25 × ${average.toFixed(0)}`);
  }
});

test("a replica joining takes about 1/N of the nodes, only for itself; leaving moves only its own nodes", () => {
  for (let n = 2; n <= 8; n++) {
    const before = owners(replicas(n));
    const after = owners(replicas(n + 1));
    const newcomer = `replica-${n + 1}`;
    for (const [node, owner] of after) if (owner !== before.get(node)) assert.equal(owner, newcomer, `${node} moved to ${owner}`);
    const share = moved(before, after) / NODES.length;
    assert.ok(share <= 1.5 / (n + 1), `join to ${n + 1}: ${(share * 100).toFixed(1)}% moved`);

    const leaving = "replica-1";
    const remaining = replicas(n + 1).filter((r) => r !== leaving);
    const afterLeave = owners(remaining);
    for (const [node, owner] of after) if (owner !== leaving) assert.equal(afterLeave.get(node), owner, `${node} moved though its owner stayed`);
    const leftShare = moved(after, afterLeave) / NODES.length;
    assert.ok(leftShare <= 1.5 / (n + 1), `leave from ${n + 1}: ${(leftShare * 100).toFixed(1)}% moved`);
  }
});
