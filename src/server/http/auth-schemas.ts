// Request bodies and queries of the token, session and audit routes (zod), and the 400
// answer naming each bad field.
import type { FastifyReply } from "fastify";
import { z } from "zod";
import { ROLES } from "../auth/roles.js";

/** A token's name: printable, no control characters (it is shown in lists and the audit log). */
export const tokenName = z
  .string({ error: "expected the token's name as a string" })
  .trim()
  .min(1, { error: "expected a name, got an empty string" })
  .max(100, { error: "expected at most 100 characters" })
  .regex(/^[^\p{Cc}]+$/u, { error: "expected no control characters" });

export const createTokenBody = z.strictObject({
  name: tokenName,
  role: z.enum(ROLES, { error: `expected one of ${ROLES.join(", ")}` }),
});

export const loginBody = z.strictObject({
  token: z.string({ error: "expected the token as a string" }).min(1, { error: "expected a token, got an empty string" }).max(1000),
});

export const auditQuery = z.strictObject({
  since: z.coerce.number({ error: "expected milliseconds since the epoch" }).int().nonnegative().optional(),
  actor: z.string().min(1).max(200).optional(),
  limit: z.coerce.number({ error: "expected a number" }).int().min(1).max(10_000).default(100),
});

/** "a.0.b" → "a[0].b", so the path reads as it does in the request. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), "");
}

export function badRequest(reply: FastifyReply, what: string, error: z.ZodError) {
  const detail = error.issues
    .map((i) =>
      i.code === "unrecognized_keys" ? `unknown field ${i.keys.map((k) => `"${k}"`).join(", ")}` : `${fieldPath(i.path) || "body"}: ${i.message}`,
    )
    .join("; ");
  return reply.code(400).send({ error: `invalid ${what}: ${detail}` });
}
