// `vigil cluster status`: the server replicas from any one of them — each replica's URL and
// role, the leader and its term, and the nodes each holds. A single server on SQLite shows
// itself as a cluster of one.
import type { ClusterStatus } from "../server/replicas/cluster-status.js";
import { apiGet } from "./api-get.js";
import { apiTarget, type ClientFlags } from "./options.js";
import { formatTable, painter } from "./terminal.js";

export async function clusterStatusCommand(flags: ClientFlags): Promise<number> {
  const status = await apiGet<ClusterStatus>("cluster status", apiTarget(flags), "/api/v1/cluster");
  if (status === null) return 1;
  if (flags.json) {
    console.log(JSON.stringify(status, null, 2));
    return 0;
  }
  const paint = painter();
  if (status.mode === "single") {
    console.log(`A single server (SQLite storage): no replicas, no leader lease. Answered by ${status.self}.`);
  } else {
    console.log(
      status.leader
        ? `Leader: ${status.leader.name}, term ${status.leader.term}. Answered by ${status.self}.`
        : `No leader: the lease is vacant (a replica takes it within seconds). Answered by ${status.self}.`,
    );
  }
  const rows = [["REPLICA", "ROLE", "NODES", "URL"].map((h) => paint(h, "dim"))];
  for (const r of status.replicas) {
    rows.push([r.name + (r.name === status.self ? " (this)" : ""), paint(r.role, r.role === "leader" ? "ok" : "dim"), r.nodes === null ? "?" : String(r.nodes), r.url]);
  }
  console.log(formatTable(rows));
  if (status.replicas.some((r) => r.nodes === null)) console.log(paint("?: known only to that replica; ask it with --server", "dim"));
  return 0;
}
