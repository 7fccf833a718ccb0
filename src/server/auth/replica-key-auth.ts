// The check of replica-to-replica routes (access "replica"): the caller must send the
// deployment's cluster key in REPLICA_KEY_HEADER. The API's gate leaves these routes to this
// hook, as it leaves the agent websocket to the agent's own credentials.
import type { FastifyReply, FastifyRequest } from "fastify";
import { REPLICA_KEY_HEADER, replicaKeyMatches } from "../../replicas/cluster-key.js";

/**
 * A Fastify preValidation hook: 503 when `key()` is null (this server is not a replica of a
 * cluster, so there is no key to check against), 401 naming the header when it is missing or wrong.
 */
export function requireReplicaKey(key: () => string | null): (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  return async (req, reply) => {
    const expected = key();
    if (expected === null) {
      return reply.code(503).send({ error: "this server is not a replica of a cluster (its storage is not PostgreSQL): it serves no replica-to-replica calls" });
    }
    const given = req.headers[REPLICA_KEY_HEADER];
    if (!replicaKeyMatches(expected, given)) {
      const problem = given === undefined ? "is missing" : Array.isArray(given) ? "was sent more than once" : "is not this cluster's key";
      return reply.code(401).send({ error: `replica-to-replica call refused: the ${REPLICA_KEY_HEADER} header ${problem} (replicas read the key from PostgreSQL)` });
    }
    return undefined;
  };
}
