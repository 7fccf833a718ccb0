import { test } from "node:test";
import assert from "node:assert/strict";
import { outboxDisposition } from "../../src/server/outbox-dedup.js";

test("a message is new past processedSeq, a replay up to it, and acknowledged up to ackedSeq", () => {
  const position = { ackedSeq: 10, processedSeq: 14 };
  assert.equal(outboxDisposition(9, position), "acknowledged");
  assert.equal(outboxDisposition(10, position), "acknowledged");
  assert.equal(outboxDisposition(11, position), "replay", "processed before a crash, not durable: samples only");
  assert.equal(outboxDisposition(14, position), "replay");
  assert.equal(outboxDisposition(15, position), "new");
  assert.equal(outboxDisposition(1, undefined), "new", "a node not registered yet");
  assert.equal(outboxDisposition(1, { ackedSeq: 0, processedSeq: 0 }), "new", "a fresh outbox");
});
