// The replica runner's part in queries across replicas, in process on a real PostgreSQL: two
// replicas read the same cluster key from the database; the leader serves the internal series
// endpoint with it (401 without), and its PromQL answers ask the other live replica too, with
// no warning (a standby passes that call on to the leader for now, so the leader's own series
// come back: counted once). Skipped loudly without PostgreSQL, unless VIGIL_REQUIRE_POSTGRES=1.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseConfig } from "../../../src/config/load.js";
import { REPLICA_KEY_HEADER } from "../../../src/replicas/cluster-key.js";
import { openReplicaStore } from "../../../src/replicas/postgres-replica-store.js";
import { startReplica, type Replica } from "../../../src/server/replicas/replica-runner.js";
import { decodeAnswer } from "../../../src/server/replicas/peer-series-client.js";
import { silentLogger } from "../../../src/util/logger.js";
import { tempDir, waitFor } from "../../agent/process-helpers.js";
import { skipPostgres, usePostgres } from "../../storage/postgres-server.js";

const postgres = usePostgres();

describe("replicas and queries across them", { skip: skipPostgres && "no PostgreSQL (see the notice above)" }, () => {
  it("the leader serves the internal series endpoint with the cluster key from PostgreSQL and reads the other replica in its queries", async () => {
    const url = await postgres.freshDatabaseUrl();
    const dir = tempDir("replica-queries");
    const replicas: Replica[] = [];
    const fatal: Error[] = [];
    try {
      for (const name of ["q1", "q2"]) {
        replicas.push(
          await startReplica({
            config: parseConfig(`server: { replica: { name: ${name} } }\n`),
            listen: "127.0.0.1:0",
            dataDir: join(dir.path, name),
            logger: silentLogger(),
            storageUrl: url,
            onFatal: (err) => fatal.push(err),
          }),
        );
      }
      await waitFor(() => replicas.some((r) => r.role() === "leader") && replicas.every((r) => r.cluster().replicas.length === 2), 20_000, "a leader, and both replicas live");
      const leader = replicas.find((r) => r.role() === "leader")!;
      const server = leader.leader()!;
      const now = Date.now();
      server.store.append([{ name: "fanout_probe", labels: { node: "n1" }, ts: now - 1000, value: 5 }]);

      const store = openReplicaStore(url, { timeoutMs: 2000 });
      const key = await store.clusterKey().finally(() => store.close());
      const ask = (headers: Record<string, string>) =>
        fetch(`${leader.url}/api/v1/replica/series`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ selectors: ["fanout_probe"], from: now - 60_000, to: now }),
        });
      const refused = await ask({});
      assert.equal(refused.status, 401);
      const answered = await ask({ [REPLICA_KEY_HEADER]: key });
      assert.equal(answered.status, 200);
      assert.deepEqual(decodeAnswer(await answered.text()).map((s) => [s.name, s.labels, [...s.values]]), [["fanout_probe", { node: "n1" }, [5]]]);

      // The leader asks the other replica too: it answered (no warning), and the series counts once.
      const query = await fetch(`${leader.url}/api/v1/query?${new URLSearchParams({ query: "sum(fanout_probe)", time: String(now / 1000) })}`);
      const body = (await query.json()) as { data: { result: { value: [number, string] }[] }; warnings?: string[] };
      assert.equal(query.status, 200);
      assert.equal(body.data.result[0]!.value[1], "5");
      assert.equal(body.warnings, undefined, JSON.stringify(body.warnings));
      assert.deepEqual(fatal, []);
    } finally {
      for (const r of replicas) await r.close();
      dir.remove();
    }
  });
});
