// Alert identity: a stable hash of an alert's labels, so one condition on one target is one
// alert however often it is observed and in whatever order its labels arrive.
import { createHash } from "node:crypto";

/**
 * 16 hex digits (64 bits) of sha256 over the label pairs sorted by name. The pairs are
 * hashed as JSON so that no choice of names or values can make two label sets encode alike
 * (plain "a=b,c=d" concatenation would confuse {a: "b,c=d"} with {a: "b", c: "d"}).
 */
export function alertFingerprint(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash("sha256").update(JSON.stringify(pairs)).digest("hex").slice(0, 16);
}
