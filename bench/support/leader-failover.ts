// Leader failover of a cluster of replicas: three real `vigil server` processes on a real
// PostgreSQL (the e2e replica harness); each trial kills the leader with SIGKILL and times
// the kill → another replica serving as leader (its /healthz no longer "standby", named by
// /api/v1/cluster with a higher term), then starts the killed replica again as a standby.
import { startReplicaCluster } from "../../test/e2e/replica-harness.js";
import { waitFor } from "../../test/e2e/harness.js";

export interface FailoverTrial {
  from: string;
  to: string;
  term: number;
  ms: number;
}

export async function measureLeaderFailover(trials: number, log: (line: string) => void): Promise<FailoverTrial[]> {
  const cluster = await startReplicaCluster({ replicas: ["r1", "r2", "r3"], nodes: [], config: () => "" });
  const results: FailoverTrial[] = [];
  try {
    for (let i = 0; i < trials; i++) {
      const old = await cluster.waitForLeader(30_000);
      // Some time into the lease, as a real failure would come: between 0 and one renew interval after a renewal.
      await new Promise((r) => setTimeout(r, Math.random() * 1000));
      const killedAt = performance.now();
      cluster.replicas.get(old.name)!.proc.kill("SIGKILL");
      const next = await cluster.waitForLeader(30_000, old.name);
      const ms = performance.now() - killedAt;
      results.push({ from: old.name, to: next.name, term: next.term, ms });
      log(`trial ${i + 1}: ${old.name} (term ${old.term}) killed → ${next.name} leads (term ${next.term}) after ${Math.round(ms)} ms`);
      await cluster.replicas.get(old.name)!.stop("SIGKILL").catch(() => undefined);
      cluster.restart(old.name);
      await waitFor(async () => (await cluster.status()).replicas.some((r) => r.name === old.name), 30_000, `${old.name} back as a standby`);
    }
  } finally {
    await cluster.stop();
  }
  return results;
}
