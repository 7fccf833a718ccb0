// The cluster key: one secret per deployment, kept in PostgreSQL (table `cluster_key`,
// PostgresReplicaStore.clusterKey()), that replicas send each other in REPLICA_KEY_HEADER on
// replica-to-replica calls (edge links, the internal series endpoint). Whoever can read the database is
// trusted anyway; API tokens are for people and tools, this key only for replicas.
import { randomBytes, timingSafeEqual } from "node:crypto";

/** The request header that carries the cluster key. */
export const REPLICA_KEY_HEADER = "x-vigil-replica-key";

/** Bytes of randomness in a new key (written as hex: 64 characters). */
export const CLUSTER_KEY_BYTES = 32;

/** A new random key: 32 bytes from node:crypto, hex. */
export function newClusterKey(): string {
  return randomBytes(CLUSTER_KEY_BYTES).toString("hex");
}

/**
 * Whether the header value `given` is the key `expected`, compared in constant time. False
 * for a missing header, a repeated one (an array), an empty expected key, or another length.
 */
export function replicaKeyMatches(expected: string, given: string | string[] | undefined): boolean {
  if (typeof given !== "string" || expected === "") return false;
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(given, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}
