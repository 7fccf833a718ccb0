// The hub's heartbeat fast path (isHeartbeatFrame, on the frame's bytes) agrees with the
// schema: every frame it takes is a heartbeat the schema accepts; everything else, malformed
// heartbeats included, goes to the schema and gets its precise error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PROTOCOL_VERSION, agentMessageSchema, isHeartbeatFrame, parseAgentMessage, parseMessage } from "../../src/protocol/messages.js";

const fastPath = [
  JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, ts: 1_700_000_000_000 }),
  JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, ts: 0 }),
  JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, ts: 999_999_999_999_999 }),
];

const slowPath = [
  JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, ts: 5, extra: "ignored" }),
  JSON.stringify({ type: "heartbeat", v: 99, ts: 5 }),
  JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, ts: -1 }),
  JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, ts: 1.5 }),
  JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, ts: 1e21 }),
  JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, ts: 9_007_199_254_740_993 }),
  JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION }),
  `{"type":"heartbeat","v":${PROTOCOL_VERSION},"ts":012}`,
  `{"type":"heartbeat","v":${PROTOCOL_VERSION},"ts":}`,
  `{"type":"heartbeat","v":${PROTOCOL_VERSION},"ts":12 }`,
  `{"type":"heartbeat","v":${PROTOCOL_VERSION},"ts":1x}`,
  '{"type":"heartbeat", broken',
  "",
  JSON.stringify({ type: "samples", v: PROTOCOL_VERSION, seq: 1, samples: [] }),
  JSON.stringify({ v: PROTOCOL_VERSION, ts: 5, type: "heartbeat" }),
];

test("the fast path takes exactly the heartbeats agents send, and the schema accepts each of them", () => {
  for (const raw of fastPath) {
    assert.equal(isHeartbeatFrame(Buffer.from(raw)), true, raw);
    const parsed = parseMessage(agentMessageSchema, raw);
    assert.equal(parsed.ok && parsed.message.type, "heartbeat", raw);
  }
});

test("every other frame is left to the schema", () => {
  for (const raw of slowPath) assert.equal(isHeartbeatFrame(Buffer.from(raw)), false, raw);
});

test("a malformed heartbeat is refused with the schema's error", () => {
  const parsed = parseAgentMessage(JSON.stringify({ type: "heartbeat", v: 99, ts: 5 }));
  assert.equal(parsed.ok, false);
  assert.match((parsed as { error: string }).error, /expected protocol version/);
});
