// The key replicas of one deployment show each other (edge links, series fan-out): a random
// secret kept in PostgreSQL, which every replica can read and nothing else holds.
import { timingSafeEqual } from "node:crypto";

export const REPLICA_KEY_HEADER = "x-vigil-replica-key";

/** Whether `given` (a request header's value) is the cluster key; timing-safe. */
export function replicaKeyMatches(expected: string, given: string | string[] | undefined): boolean {
  if (typeof given !== "string" || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
