// Heartbeat datagrams: the layout, the tag, and refusals of anything else (fast-check).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  HEARTBEAT_DATAGRAM_BYTES,
  encodeHeartbeatDatagram,
  heartbeatDatagramSession,
  verifiedHeartbeatSeq,
} from "../../src/protocol/heartbeat-datagram.js";
import { sipHash24, sipKey } from "../../src/protocol/siphash.js";

const key = sipKey(Buffer.alloc(16, 7));

test("a datagram is magic, session, seq and the SipHash-2-4 tag of the rest, 24 bytes", () => {
  const d = encodeHeartbeatDatagram(258, key, 2 ** 40 + 3);
  assert.equal(d.length, HEARTBEAT_DATAGRAM_BYTES);
  assert.equal(d.toString("latin1", 0, 4), "VHB1");
  assert.equal(d.readUInt32BE(4), 258);
  assert.equal(d.readBigUInt64BE(8), 2n ** 40n + 3n);
  assert.deepEqual(d.subarray(16), sipHash24(key, d, 16));
  assert.deepEqual(heartbeatDatagramSession(d), { ok: true, session: 258 });
  assert.equal(verifiedHeartbeatSeq(d, key), 2 ** 40 + 3);
});

test("the largest session and seq round-trip; seq 0, an unsafe seq and a session beyond 32 bits are refused", () => {
  const d = encodeHeartbeatDatagram(2 ** 32 - 1, key, Number.MAX_SAFE_INTEGER);
  assert.deepEqual(heartbeatDatagramSession(d), { ok: true, session: 2 ** 32 - 1 });
  assert.equal(verifiedHeartbeatSeq(d, key), Number.MAX_SAFE_INTEGER);
  assert.throws(() => encodeHeartbeatDatagram(1, key, 0), /seq must be a safe integer ≥ 1, got 0/);
  assert.throws(() => encodeHeartbeatDatagram(1, key, 2 ** 53), /seq must be/);
  assert.throws(() => encodeHeartbeatDatagram(2 ** 32, key, 1), /session is a 32-bit unsigned integer, got 4294967296/);
});

test("another key, or any changed byte, fails the tag", () => {
  const d = encodeHeartbeatDatagram(5, key, 9);
  assert.equal(verifiedHeartbeatSeq(d, sipKey(Buffer.alloc(16, 8))), null);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: HEARTBEAT_DATAGRAM_BYTES - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
      const forged = Buffer.from(d);
      forged[at] = forged[at]! ^ flip;
      // A changed magic is refused before the tag; every other change by the tag.
      const claimed = heartbeatDatagramSession(forged);
      assert.ok(!claimed.ok || verifiedHeartbeatSeq(forged, key) === null);
    }),
    { numRuns: 2000 },
  );
});

test("random bytes are refused with a reason, never thrown on", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 60 }), (bytes) => {
      const datagram = Buffer.from(bytes);
      const claimed = heartbeatDatagramSession(datagram);
      if (!claimed.ok) assert.match(claimed.error, /^expected /);
      assert.equal(verifiedHeartbeatSeq(datagram, key), null);
    }),
    { numRuns: 3000 },
  );
  assert.deepEqual(heartbeatDatagramSession(Buffer.alloc(10)), { ok: false, error: "expected 24 bytes, got 10" });
  assert.deepEqual(heartbeatDatagramSession(Buffer.alloc(24)), { ok: false, error: 'expected the magic "VHB1"' });
});
