import { test } from "node:test";
import assert from "node:assert/strict";
import { LabelSetIndex } from "../../src/tsdb/label-set-index.js";

test("a label set is found whatever the order of its keys, and only that label set", () => {
  const index = new LabelSetIndex<string>();
  index.set("m", { node: "a", cpu: "0" }, "a0");
  index.set("m", { cpu: "1", node: "a" }, "a1");
  index.set("m", { node: "a" }, "a");
  assert.equal(index.get("m", { cpu: "0", node: "a" }), "a0");
  assert.equal(index.get("m", { node: "a", cpu: "0" }), "a0");
  assert.equal(index.get("m", { node: "a", cpu: "1" }), "a1");
  assert.equal(index.get("m", { node: "a" }), "a");
  assert.equal(index.get("m", { node: "a", cpu: "2" }), undefined);
  assert.equal(index.get("m", { cpu: "0" }), undefined);
  assert.equal(index.get("m", { node: "a", cpu: "0", extra: "x" }), undefined);
  assert.equal(index.get("other", { node: "a" }), undefined);
});

test("deleting a label set removes every key order it was reached by, and leaves the others", () => {
  const index = new LabelSetIndex<string>();
  index.set("m", { node: "a", cpu: "0" }, "a0");
  index.set("m", { node: "a" }, "a");
  assert.equal(index.get("m", { node: "a", cpu: "0" }), "a0");
  assert.equal(index.get("m", { cpu: "0", node: "a" }), "a0");
  index.delete("m", { cpu: "0", node: "a" });
  assert.equal(index.get("m", { node: "a", cpu: "0" }), undefined);
  assert.equal(index.get("m", { cpu: "0", node: "a" }), undefined);
  assert.equal(index.get("m", { node: "a" }), "a");
  index.set("m", { node: "a", cpu: "0" }, "again");
  assert.equal(index.get("m", { cpu: "0", node: "a" }), "again");
  index.delete("m", { node: "a" });
  index.delete("m", { node: "a", cpu: "0" });
  assert.equal(index.get("m", { node: "a" }), undefined);
  assert.equal(index.get("m", { cpu: "0", node: "a" }), undefined);
});
