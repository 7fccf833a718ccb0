// The cluster key's comparison: only the exact key in one header passes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { newClusterKey, replicaKeyMatches } from "../../src/replicas/cluster-key.js";

test("replicaKeyMatches: the exact key passes; missing, repeated, shorter, longer or different keys do not", () => {
  const key = newClusterKey();
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.notEqual(newClusterKey(), key, "every new key is random");
  assert.equal(replicaKeyMatches(key, key), true);
  assert.equal(replicaKeyMatches(key, undefined), false);
  assert.equal(replicaKeyMatches(key, [key]), false, "a header sent twice is refused, even with the right value");
  assert.equal(replicaKeyMatches(key, ""), false);
  assert.equal(replicaKeyMatches(key, key.slice(1)), false);
  assert.equal(replicaKeyMatches(key, key + "0"), false);
  assert.equal(replicaKeyMatches(key, key.slice(0, -1) + (key.endsWith("0") ? "1" : "0")), false);
  assert.equal(replicaKeyMatches("", ""), false, "an empty expected key matches nothing");
});
