// A replica's own place in the cluster, for Prometheus: which role it has and under which
// term it leads. Every replica serves them at /metrics (the leader beside all its other
// metrics, a standby alone), so "no replica leads" and "two replicas think they lead" are
// alerts one can write: sum(vigil_replica_leader) != 1.
import { Gauge, type Registry } from "prom-client";

export interface ReplicaRole {
  leading: boolean;
  /** The lease's term as this replica last read it (the one it leads under while leading); 0 before any. */
  term: number;
}

export function registerReplicaMetrics(registry: Registry, role: () => ReplicaRole): void {
  const leader: Gauge = new Gauge({
    name: "vigil_replica_leader",
    help: "1 while this server replica holds the leader lease and may act, else 0",
    registers: [registry],
    collect: () => leader.set(role().leading ? 1 : 0),
  });
  const term: Gauge = new Gauge({
    name: "vigil_replica_leader_term",
    help: "The leader lease's term as this replica last read it (its own while it leads); replicas that disagree for long are cut off from the database",
    registers: [registry],
    collect: () => term.set(role().term),
  });
}
