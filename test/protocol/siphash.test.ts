// SipHash-2-4 against the reference vectors (key 00..0f, message 00..len-1) and against a
// straightforward 64-bit BigInt implementation of the paper for random keys and messages.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { sipHash24, sipKey } from "../../src/protocol/siphash.js";

const REFERENCE_KEY = Uint8Array.from({ length: 16 }, (_, i) => i);
/** From the reference implementation's vectors.h (vectors_sip64), by message length. */
const VECTORS: Record<number, string> = {
  0: "310e0edd47db6f72",
  1: "fd67dc93c539f874",
  2: "5a4fa9d909806c0d",
  3: "2d7efbd796666785",
  4: "b7877127e09427cf",
  5: "8da699cd64557618",
  6: "cee3fe586e46c9cb",
  7: "37d1018bf50002ab",
  8: "6224939a79f5f593",
  15: "e545be4961ca29a1",
};

test("the reference vectors", () => {
  for (const [length, expected] of Object.entries(VECTORS)) {
    const message = Uint8Array.from({ length: Number(length) }, (_, i) => i);
    assert.equal(sipHash24(sipKey(REFERENCE_KEY), message).toString("hex"), expected, `length ${length}`);
  }
});

const MASK = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint) => ((x << b) | (x >> (64n - b))) & MASK;
const readLE = (bytes: Uint8Array, at: number, n: number) => {
  let x = 0n;
  for (let i = n - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[at + i]!);
  return x;
};

/** The paper's algorithm, literally, on 64-bit BigInts. */
function referenceSipHash24(key: Uint8Array, m: Uint8Array): string {
  const k0 = readLE(key, 0, 8);
  const k1 = readLE(key, 8, 8);
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = () => {
    v0 = (v0 + v1) & MASK; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & MASK; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & MASK; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const whole = m.length - (m.length % 8);
  const blocks: bigint[] = [];
  for (let i = 0; i < whole; i += 8) blocks.push(readLE(m, i, 8));
  blocks.push((BigInt(m.length & 0xff) << 56n) | readLE(m, whole, m.length - whole));
  for (const b of blocks) {
    v3 ^= b;
    round();
    round();
    v0 ^= b;
  }
  v2 ^= 0xffn;
  for (let i = 0; i < 4; i++) round();
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(v0 ^ v1 ^ v2 ^ v3);
  return out.toString("hex");
}

test("equals the paper's algorithm for random keys and messages", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 70 }), (key, message) => {
      assert.equal(sipHash24(sipKey(key), message).toString("hex"), referenceSipHash24(key, message));
    }),
    { numRuns: 3000 },
  );
});

test("hashes a prefix when given a length; refuses a bad key or length", () => {
  const key = sipKey(REFERENCE_KEY);
  const message = Uint8Array.from({ length: 20 }, (_, i) => i);
  assert.equal(sipHash24(key, message, 15).toString("hex"), VECTORS[15]);
  assert.throws(() => sipKey(new Uint8Array(15)), /a SipHash key is 16 bytes, got 15/);
  assert.throws(() => sipHash24(key, message, 21), /length 21 is beyond the message's 20 bytes/);
});
