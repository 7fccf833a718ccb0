// Re-homing after a replica dies (issue 11, sharding): three real `vigil server` processes on
// a real PostgreSQL and real agents (the e2e replica harness); each trial kills a random
// replica that does not lead with SIGKILL and times the kill → every node's agent held by its
// owner among the survivors, as the leader sees it (GET /api/v1/nodes); then it starts the
// killed replica again and waits for its nodes to come back to it. Nodes declared down meanwhile
// are counted (there should be none: every agent lives).
import { ownerOf } from "../../src/replicas/node-ownership.js";
import { api, waitFor } from "../../test/e2e/harness.js";
import { startReplicaCluster } from "../../test/e2e/replica-harness.js";

export interface RehomeTrial {
  killed: string;
  /** Nodes the killed replica held. */
  moved: number;
  ms: number;
}

export interface RehomeResult {
  trials: RehomeTrial[];
  /** node.down events journalled over all trials: "node at time". */
  nodesDown: string[];
}

const REPLICAS = ["r1", "r2", "r3"];

/** The replica holding each node's agent, as the leader sees it now, in node order. */
async function holders(leaderUrl: string): Promise<string> {
  const { nodes } = (await api(leaderUrl, "/api/v1/nodes")) as { nodes: Array<{ name: string; connected: boolean; replica?: string | null }> };
  return JSON.stringify(nodes.map((n) => [n.name, n.connected ? (n.replica ?? null) : null]).sort());
}

function expected(nodes: readonly string[], replicas: readonly string[]): string {
  return JSON.stringify(nodes.map((n) => [n, ownerOf(n, replicas)]).sort());
}

export async function measureRehome(trials: number, agents: number, log: (line: string) => void): Promise<RehomeResult> {
  const nodes = Array.from({ length: agents }, (_, i) => `node-${String(i + 1).padStart(2, "0")}`);
  const cluster = await startReplicaCluster({ replicas: REPLICAS, nodes, config: () => "" });
  const results: RehomeTrial[] = [];
  try {
    const first = await cluster.waitForLeader(30_000);
    await waitFor(async () => (await holders(first.url)) === expected(nodes, REPLICAS), 60_000, "every agent held by its owner");
    for (let i = 0; i < trials; i++) {
      const leader = await cluster.waitForLeader(30_000);
      const candidates = REPLICAS.filter((r) => r !== leader.name);
      const victim = candidates[Math.floor(Math.random() * candidates.length)]!;
      const survivors = REPLICAS.filter((r) => r !== victim);
      // Some time into the renewal cycle, as a real failure would come.
      await new Promise((r) => setTimeout(r, Math.random() * 1000));
      const killedAt = performance.now();
      cluster.replicas.get(victim)!.proc.kill("SIGKILL");
      await waitFor(async () => (await holders(leader.url)) === expected(nodes, survivors), 30_000, `the nodes of ${victim} re-homed`);
      const ms = performance.now() - killedAt;
      const moved = nodes.filter((n) => ownerOf(n, REPLICAS) === victim).length;
      results.push({ killed: victim, moved, ms });
      log(`trial ${i + 1}: ${victim} killed → its ${moved} nodes held by ${survivors.join(" and ")} after ${Math.round(ms)} ms`);
      await cluster.replicas.get(victim)!.stop("SIGKILL").catch(() => undefined);
      cluster.restart(victim);
      await waitFor(async () => (await holders(leader.url)) === expected(nodes, REPLICAS), 30_000, `${victim} back, holding its nodes`);
    }
    const leader = await cluster.waitForLeader(30_000);
    const down = (await api(leader.url, "/api/v1/events?kind=node.down&limit=10000")) as { events: Array<{ node: string; ts: number; data: { reason?: string } }> };
    return { trials: results, nodesDown: down.events.map((e) => `${e.node} at ${new Date(e.ts).toISOString()} (${e.data.reason ?? "?"})`) };
  } finally {
    await cluster.stop();
  }
}
