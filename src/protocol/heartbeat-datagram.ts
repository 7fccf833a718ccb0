// Heartbeats as UDP datagrams: the websocket carries everything else, but 10,000 agents
// heartbeating twice a second over it cost the server one stream read each (kernel, libuv,
// Node's stream machinery and the websocket parser) — more than half a core.
//
// The server gives each agent connection, in its welcome, a session number and a random
// 128-bit key (over the websocket, so under TLS when the server has it). A datagram is
//
//   bytes  0..3   "VHB1"     magic and format version
//   bytes  4..7   session    unsigned 32-bit big-endian, from the welcome
//   bytes  8..15  seq        unsigned 64-bit big-endian, 1, 2, 3, … per session (< 2^53)
//   bytes 16..23  tag        SipHash-2-4(key, bytes 0..15)
//
// The tag makes a forged heartbeat (one that would keep a dead node "alive") impossible
// without the key, and the strictly increasing seq makes a replayed one useless. Nothing in
// a datagram is secret, and its source address does not matter (NAT is fine).
import { timingSafeEqual } from "node:crypto";
import { sipHash24, type SipKey } from "./siphash.js";

export const HEARTBEAT_DATAGRAM_BYTES = 24;
const MAGIC = 0x56484231; // "VHB1"
const SESSION_AT = 4;
const SEQ_AT = 8;
const TAG_AT = 16;
const TWO_32 = 2 ** 32;

/** The datagram for heartbeat `seq` of a session. */
export function encodeHeartbeatDatagram(session: number, key: SipKey, seq: number): Buffer {
  if (!Number.isInteger(session) || session < 0 || session >= TWO_32) throw new Error(`a heartbeat session is a 32-bit unsigned integer, got ${session}`);
  if (!Number.isSafeInteger(seq) || seq < 1) throw new Error(`heartbeat seq must be a safe integer ≥ 1, got ${seq}`);
  const datagram = Buffer.allocUnsafe(HEARTBEAT_DATAGRAM_BYTES);
  datagram.writeUInt32BE(MAGIC, 0);
  datagram.writeUInt32BE(session, SESSION_AT);
  datagram.writeUInt32BE(Math.floor(seq / TWO_32), SEQ_AT);
  datagram.writeUInt32BE(seq % TWO_32, SEQ_AT + 4);
  sipHash24(key, datagram, TAG_AT).copy(datagram, TAG_AT);
  return datagram;
}

/**
 * The session a datagram claims to belong to, or why it is not a heartbeat datagram at
 * all. Cheap: no tag is computed, so a flood of junk costs a length check and a lookup.
 */
export function heartbeatDatagramSession(datagram: Buffer): { ok: true; session: number } | { ok: false; error: string } {
  if (datagram.length !== HEARTBEAT_DATAGRAM_BYTES) return { ok: false, error: `expected ${HEARTBEAT_DATAGRAM_BYTES} bytes, got ${datagram.length}` };
  if (datagram.readUInt32BE(0) !== MAGIC) return { ok: false, error: 'expected the magic "VHB1"' };
  return { ok: true, session: datagram.readUInt32BE(SESSION_AT) };
}

/** The datagram's seq when its tag is right for `key`, else null. */
export function verifiedHeartbeatSeq(datagram: Buffer, key: SipKey): number | null {
  if (datagram.length !== HEARTBEAT_DATAGRAM_BYTES) return null;
  if (!timingSafeEqual(sipHash24(key, datagram, TAG_AT), datagram.subarray(TAG_AT))) return null;
  return datagram.readUInt32BE(SEQ_AT) * TWO_32 + datagram.readUInt32BE(SEQ_AT + 4);
}
