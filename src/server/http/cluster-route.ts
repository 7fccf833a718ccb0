// GET /api/v1/cluster: the server replicas, the leader and its term, nodes per replica
// (src/server/replicas/cluster-status.ts). A single server on SQLite answers as a cluster of one.
import type { FastifyInstance } from "fastify";
import { access } from "../auth/access-control.js";
import type { ClusterStatus } from "../replicas/cluster-status.js";

export function registerClusterRoute(http: FastifyInstance, status: () => ClusterStatus | Promise<ClusterStatus>): void {
  http.get("/api/v1/cluster", access("viewer"), async () => status());
}
