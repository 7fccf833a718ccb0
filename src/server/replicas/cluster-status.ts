// What `GET /api/v1/cluster` and `vigil cluster status` show of a cluster of replicas: each
// live replica with its URL and role, the leader and its term, and how many nodes each
// replica holds. Built by the replica runner from what its membership last read from
// PostgreSQL and from the leader's own agent connections.

export interface ReplicaStatus {
  name: string;
  /** The base URL agents and other replicas reach it at. */
  url: string;
  role: "leader" | "standby";
  /** Agents connected to it now (null: not known to the replica answering). */
  nodes: number | null;
}

export interface ClusterStatus {
  /** `single`: one server on SQLite (no lease, no terms); `replicas`: servers sharing PostgreSQL. */
  mode: "single" | "replicas";
  /** The replica that answered. */
  self: string;
  /** The lease holder and its term, or null while the lease is vacant. */
  leader: { name: string; term: number } | null;
  replicas: ReplicaStatus[];
}

/** A single server on SQLite: a cluster of one, leading with no lease and no term. */
export function singleServerStatus(name: string, url: string, nodes: number): ClusterStatus {
  return { mode: "single", self: name, leader: null, replicas: [{ name, url, role: "leader", nodes }] };
}
