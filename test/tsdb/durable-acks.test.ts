import { test } from "node:test";
import assert from "node:assert/strict";
import { DurableAckTracker } from "../../src/tsdb/durable-acks.js";

test("a message is acknowledged once the generation of its samples is durable, cumulatively and in order", () => {
  const acks = new DurableAckTracker();
  assert.equal(acks.processed(1, 1, 0), null, "samples of generation 1 are not durable yet");
  assert.equal(acks.processed(2, 1, 0), null, "a probe after them waits for them");
  assert.equal(acks.processed(3, 2, 0), null);
  assert.equal(acks.pending, 3);
  assert.equal(acks.durable(1), 2, "generation 1 durable: messages 1 and 2 are acknowledged by seq 2");
  assert.equal(acks.durable(1), null, "nothing new");
  assert.equal(acks.processed(4, 2, 1), null);
  assert.equal(acks.durable(5), 4);
  assert.equal(acks.pending, 0);
  assert.equal(acks.processed(5, 5, 5), 5, "a message whose samples are already durable is acknowledged at once");
});

test("a long run of messages keeps only what is pending", () => {
  const acks = new DurableAckTracker();
  let acked = 0;
  for (let seq = 1; seq <= 10_000; seq++) {
    const ack = acks.processed(seq, seq, seq - 3);
    if (ack !== null) acked = ack;
  }
  assert.equal(acked, 9997);
  assert.equal(acks.pending, 3);
  assert.equal(acks.durable(10_000), 10_000);
});
