// The agent-frame parser's heartbeat fast path agrees with the schema: a well-formed
// heartbeat gives the same message; a malformed one, and every other frame, gets the
// schema's verdict and its precise error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PROTOCOL_VERSION, agentMessageSchema, parseAgentMessage, parseMessage } from "../../src/protocol/messages.js";

const frames = [
  JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, ts: 1_700_000_000_000 }),
  JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, ts: 5, extra: "ignored" }),
  JSON.stringify({ type: "heartbeat", v: 99, ts: 5 }),
  JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, ts: -1 }),
  JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, ts: 1.5 }),
  JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION }),
  '{"type":"heartbeat", broken',
  JSON.stringify({ type: "samples", v: PROTOCOL_VERSION, seq: 1, samples: [] }),
  JSON.stringify({ v: PROTOCOL_VERSION, ts: 5, type: "heartbeat" }),
];

test("every frame gets the same verdict and message as the full schema", () => {
  for (const raw of frames) assert.deepEqual(parseAgentMessage(raw), parseMessage(agentMessageSchema, raw), raw);
});

test("a malformed heartbeat is refused with the schema's error", () => {
  const parsed = parseAgentMessage(JSON.stringify({ type: "heartbeat", v: 99, ts: 5 }));
  assert.equal(parsed.ok, false);
  assert.match((parsed as { error: string }).error, /expected protocol version/);
});
