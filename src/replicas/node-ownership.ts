// Which server replica owns which node: rendezvous (highest-random-weight) hashing, as in
// Thaler and Ravishankar (1998). Every replica scores every node as hash(replica, node) and
// the highest score owns it. All replicas compute the same owner from the same list, with
// no coordination; when a replica joins, only the nodes it now wins move to it (about 1/N),
// and when one leaves, only its own nodes move, spread over the others. Pure.
import { sipHash24, sipKey } from "../protocol/siphash.js";

/** A fixed key: the scores must agree across replicas and restarts, not be secret. */
const SCORE_KEY = sipKey(Buffer.from("vigil-ownership!", "latin1"));
const encoder = new TextEncoder();

/** The replica's score for the node: 64 bits of SipHash-2-4 over "replica\0node", as hi * 2^32 + lo pieces. */
function score(replica: string, node: string): { hi: number; lo: number } {
  const tag = sipHash24(SCORE_KEY, encoder.encode(`${replica}\u0000${node}`));
  return { hi: tag.readUInt32LE(4), lo: tag.readUInt32LE(0) };
}

/**
 * The replica that owns `node` among `replicas` (any order; duplicates count once), or
 * null when there is none. Ties (a 2^-64 chance) go to the smaller replica name, so that
 * every replica still agrees.
 */
export function ownerOf(node: string, replicas: readonly string[]): string | null {
  let best: string | null = null;
  let bestHi = -1;
  let bestLo = -1;
  for (const replica of replicas) {
    const { hi, lo } = score(replica, node);
    if (hi > bestHi || (hi === bestHi && (lo > bestLo || (lo === bestLo && best !== null && replica < best)))) {
      best = replica;
      bestHi = hi;
      bestLo = lo;
    }
  }
  return best;
}

/** Every node's owner, grouped by replica (each replica listed, also with no nodes). */
export function assignNodes(nodes: readonly string[], replicas: readonly string[]): Map<string, string[]> {
  const owned = new Map<string, string[]>(replicas.map((r) => [r, []]));
  for (const node of nodes) {
    const owner = ownerOf(node, replicas);
    if (owner !== null) owned.get(owner)!.push(node);
  }
  return owned;
}
