// Admin API for API tokens: list (never the token text, which is not kept), create (the
// answer is the only place the token appears) and revoke.
import type { FastifyInstance } from "fastify";
import type { TokenStore } from "../../storage/token-store.js";
import type { Clock } from "../../util/clock.js";
import { access } from "../auth/access-control.js";
import { issueToken, revokeToken, tokenView } from "../auth/token-admin.js";
import { badRequest, createTokenBody } from "./auth-schemas.js";

export interface TokenRouteDeps {
  tokens: TokenStore;
  clock: Clock;
}

/** Token and login bodies are a few dozen bytes. */
export const SMALL_BODY_LIMIT = 4096;

export function registerTokenRoutes(http: FastifyInstance, deps: TokenRouteDeps): void {
  http.get("/api/v1/tokens", access("admin"), async () => ({ tokens: (await deps.tokens.listTokens()).map(tokenView) }));

  http.post("/api/v1/tokens", { ...access("admin"), bodyLimit: SMALL_BODY_LIMIT }, async (req, reply) => {
    const body = createTokenBody.safeParse(req.body ?? {});
    if (!body.success) return badRequest(reply, "token request", body.error);
    const createdBy = req.actor?.name ?? "anonymous";
    const issued = await issueToken(deps.tokens, { ...body.data, createdBy }, deps.clock.now());
    return reply.code(201).send(issued);
  });

  http.delete("/api/v1/tokens/:id", access("admin"), async (req, reply) => {
    const text = (req.params as { id: string }).id;
    const id = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(id) || id <= 0) return reply.code(400).send({ error: `invalid token id "${text}": expected a positive number` });
    const revoked = await revokeToken(deps.tokens, id, deps.clock.now());
    if (!revoked) return reply.code(404).send({ error: `no token ${id}` });
    return revoked;
  });
}
