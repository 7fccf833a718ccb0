// Property tests (fast-check) of the protocol decoders, both directions: whatever arrives —
// random text, random JSON, valid messages with one field broken — the decoder never throws,
// accepts only what its schema allows, and refuses with an error naming the field.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { PROTOCOL_VERSION, agentMessageSchema, parseAgentMessage, parseMessage, serverMessageSchema } from "../../src/protocol/messages.js";

const RUNS = 3000;
const parseServerMessage = (raw: string) => parseMessage(serverMessageSchema, raw);

const validAgentMessages = [
  { type: "hello", v: PROTOCOL_VERSION, node: "node-a", agentVersion: "0.1.0", outboxId: "o-1", pid: 42, ts: 1, services: [] },
  { type: "heartbeat", v: PROTOCOL_VERSION, ts: 1 },
  { type: "samples", v: PROTOCOL_VERSION, seq: 1, samples: [{ name: "m", labels: { node: "node-a" }, ts: 1, value: 0.5 }] },
  { type: "probe", v: PROTOCOL_VERSION, seq: 2, service: "db", health: "healthy", ts: 1, since: 1, detail: "" },
  { type: "event", v: PROTOCOL_VERSION, seq: 3, kind: "process.started", service: "db", ts: 1, data: { pid: 1 } },
  { type: "action.result", v: PROTOCOL_VERSION, seq: 4, actionId: "a", service: "db", action: "restart", ok: true, ts: 1, data: {} },
  { type: "indirect-probe.result", v: PROTOCOL_VERSION, requestId: "r", target: "node-b", ok: true, elapsedMs: 3 },
];
const validServerMessages = [
  { type: "welcome", v: PROTOCOL_VERSION, node: "node-a", ackedSeq: 0, services: [], settings: { heartbeatInterval: 500, collectInterval: 1000 }, serverTime: 1 },
  {
    type: "welcome",
    v: PROTOCOL_VERSION,
    node: "node-a",
    ackedSeq: 0,
    services: [],
    settings: { heartbeatInterval: 500, collectInterval: 1000 },
    serverTime: 1,
    udpHeartbeats: { port: 7070, session: 3, key: "cd".repeat(16) },
    replicas: ["https://r1.example:7070", "https://r2.example:7070"],
    samplesFrames: [1],
  },
  { type: "redirect", v: PROTOCOL_VERSION, url: "https://r2.example:7070", owner: "r2", reason: "node-a belongs to r2" },
  { type: "heartbeat-path", v: PROTOCOL_VERSION, via: "udp" },
  { type: "action", v: PROTOCOL_VERSION, actionId: "a", action: "restart", service: "db", reason: "" },
  { type: "ack", v: PROTOCOL_VERSION, seq: 3 },
  { type: "services", v: PROTOCOL_VERSION, services: [{ name: "db" }] },
  { type: "indirect-probe", v: PROTOCOL_VERSION, requestId: "r", target: "node-b", address: "10.0.0.2:1", timeoutMs: 300 },
  { type: "error", v: PROTOCOL_VERSION, error: "x" },
];

type Parse = (raw: string) => { ok: true; message: unknown } | { ok: false; error: string };

/** Calls the decoder; a throw fails the property with the input that caused it. */
function decode(parse: Parse, raw: string): { ok: true; message: unknown } | { ok: false; error: string } {
  const result = parse(raw);
  assert.equal(typeof result.ok, "boolean");
  if (!result.ok) {
    assert.equal(typeof result.error, "string");
    assert.ok(result.error.length > 0 && result.error.length < 2000, "a short, non-empty error");
  }
  return result;
}

/** A JSON value of any shape, objects included. */
const anyJson = fc.jsonValue({ maxDepth: 4 });
/** A value that replaces one field: wrong types, out-of-range numbers, hostile strings. */
const badValue = fc.oneof(
  anyJson,
  fc.constantFrom(-1, 1.5, 1e308, -0, "", "__proto__", null, [], {}, true, "x".repeat(10_000)),
  fc.object(),
);

for (const [direction, parse, valid] of [
  ["agent → server", parseAgentMessage as Parse, validAgentMessages],
  ["server → agent", parseServerMessage as Parse, validServerMessages],
] as const) {
  test(`${direction}: random text never throws and is refused unless it is a message`, () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.uint8Array().map((b) => Buffer.from(b).toString("latin1"))), (raw) => {
        decode(parse, raw);
      }),
      { numRuns: RUNS },
    );
  });

  test(`${direction}: random JSON never throws; refusals say where`, () => {
    fc.assert(
      fc.property(anyJson, (json) => {
        const r = decode(parse, JSON.stringify(json));
        if (!r.ok) assert.match(r.error, /^invalid message: .+: /);
      }),
      { numRuns: RUNS },
    );
  });

  test(`${direction}: a valid message with one field replaced is accepted only if the schema allows it, else refused naming that field`, () => {
    const schema = direction === "agent → server" ? agentMessageSchema : serverMessageSchema;
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.nat(), badValue, (message, pick, value) => {
        const fields = Object.keys(message).filter((k) => k !== "type");
        const field = fields[pick % fields.length]!;
        const mutated = { ...message, [field]: value };
        const r = decode(parse, JSON.stringify(mutated));
        const expected = schema.safeParse(JSON.parse(JSON.stringify(mutated))).success;
        assert.equal(r.ok, expected);
        if (!r.ok) assert.ok(r.error.includes(field), `error names the field "${field}": ${r.error}`);
      }),
      { numRuns: RUNS },
    );
  });
}
