// Sharding over three `vigil server` replicas on a real PostgreSQL, six real agents that know
// every replica, supervised services, all real processes:
// - the nodes are spread over the replicas by rendezvous hashing: each agent is held by its
//   owner, and the leader's cluster status counts them per replica;
// - kill -9 a replica that does not lead: its nodes re-home to the others within 5 s, no node
//   is declared down, and no sample is lost — counted per node across the replicas (the killed
//   one started again with its data: what it had acknowledged is on its disk, the rest was
//   re-sent by the agents to the nodes' new owners);
// - a service on a node held by another replica is restarted by the leader through that
//   replica's edge link.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { skipPostgres } from "../storage/postgres-server.js";
import { api, waitFor } from "./harness.js";
import { servicePerNodeConfig, startReplicaCluster, type ClusterView, type ReplicaCluster } from "./replica-harness.js";
import { ownerOf } from "../../src/replicas/node-ownership.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const REPLICAS = ["r1", "r2", "r3"];
const NODES = ["node-1", "node-2", "node-3", "node-4", "node-5", "node-6"];
const SERVICES = NODES.map((_, i) => `svc-${i + 1}`);
/** The agents' collect interval (the default). */
const COLLECT_MS = 1000;
let cluster: ReplicaCluster;

before(async () => {
  if (skipPostgres) return;
  const { yaml } = await servicePerNodeConfig(NODES);
  cluster = await startReplicaCluster({ replicas: REPLICAS, nodes: NODES, config: () => yaml });
  const leader = await cluster.waitForLeader(30_000);
  await waitFor(async () => [...(await holders(leader.url)).values()].every((r) => r !== null && r !== undefined), 60_000, "every agent held by a replica").catch(fail);
  await waitFor(
    async () => (await api(leader.url, "/api/v1/services")).services.filter((s: Json) => s.health === "healthy").length === SERVICES.length,
    60_000,
    "every service healthy",
  ).catch(fail);
});

after(() => cluster?.stop());

function diagnostics(): string {
  return [
    ...[...cluster.replicas.values()].map((r) => `--- ${r.name}:\n${r.output().slice(-2500)}`),
    ...Object.entries(cluster.agents).map(([node, a]) => `--- agent ${node}:\n${a.output().slice(-1200)}`),
  ].join("\n");
}

function fail(err: Error): never {
  throw new Error(`${err.message}\n${diagnostics()}`);
}

/** Each replica's agents, as of its last renewal. */
async function leaderStatus(leaderUrl: string): Promise<ClusterView> {
  return (await fetch(`${leaderUrl}/api/v1/cluster`, { signal: AbortSignal.timeout(1000) })).json() as Promise<ClusterView>;
}

/** The leader's live view: which replica holds each node's agent now (null: none), in node order. */
async function holders(leaderUrl: string): Promise<Map<string, string | null>> {
  const { nodes } = await api(leaderUrl, "/api/v1/nodes");
  return new Map(nodes.map((n: Json) => [n.name, n.connected ? n.replica : null]).sort((a: [string], b: [string]) => a[0].localeCompare(b[0])));
}

test("nodes are spread over the replicas by rendezvous hashing; the leader counts them per replica", { skip: skipPostgres && "no PostgreSQL" }, async () => {
  const leader = await cluster.waitForLeader(10_000);
  assert.deepEqual(await holders(leader.url), new Map(NODES.map((n) => [n, ownerOf(n, REPLICAS)])), "each agent held by its node's owner");
  const expected = new Map(REPLICAS.map((r) => [r, NODES.filter((n) => ownerOf(n, REPLICAS) === r).length]));
  await waitFor(async () => {
    const status = await leaderStatus(leader.url);
    return JSON.stringify([...new Map(status.replicas.map((r) => [r.name, r.nodes]))]) === JSON.stringify([...expected]);
  }, 5000, `cluster status counting ${JSON.stringify([...expected])} nodes per replica`);
  // The API of any replica answers for the cluster: every node, wherever it is held.
  for (const url of cluster.urls()) assert.deepEqual((await api(url, "/api/v1/nodes")).nodes.map((n: Json) => n.name).sort(), NODES);
});

test("kill -9 a replica that does not lead: its nodes re-home within 5 s, none is declared down, no sample is lost", { skip: skipPostgres && "no PostgreSQL" }, async (t) => {
  const leader = await cluster.waitForLeader(10_000);
  // The non-leading replica holding the most nodes.
  const victim = REPLICAS.filter((r) => r !== leader.name).sort(
    (a, b) => NODES.filter((n) => ownerOf(n, REPLICAS) === b).length - NODES.filter((n) => ownerOf(n, REPLICAS) === a).length,
  )[0]!;
  const itsNodes = NODES.filter((n) => ownerOf(n, REPLICAS) === victim);
  assert.ok(itsNodes.length > 0, `${victim} holds nodes`);
  const survivors = REPLICAS.filter((r) => r !== victim);

  // Counted from a few collections before the kill (agents collect once welcomed).
  await new Promise((r) => setTimeout(r, 4000));
  const from = Date.now() - 3000;
  const killedAt = performance.now();
  cluster.replicas.get(victim)!.proc.kill("SIGKILL");
  const rehomed = new Map(NODES.map((n) => [n, ownerOf(n, survivors)]));
  await waitFor(
    async () => JSON.stringify([...(await holders(leader.url))]) === JSON.stringify([...rehomed]),
    30_000,
    `the nodes of ${victim} (${itsNodes.join(", ")}) held by their owners among ${survivors.join(", ")}`,
  ).catch(fail);
  const rehomeMs = performance.now() - killedAt;
  t.diagnostic(`${victim} killed: its ${itsNodes.length} nodes re-homed in ${Math.round(rehomeMs)} ms`);
  // Only the killed replica's nodes moved: the others stayed with their owners.
  for (const n of NODES) if (!itsNodes.includes(n)) assert.equal(rehomed.get(n), ownerOf(n, REPLICAS), `${n} did not move`);
  assert.ok(rehomeMs <= 5000, `re-homed ${Math.round(rehomeMs)} ms after the kill`);

  // Samples keep flowing to the new owners; then the killed replica comes back with its data.
  await new Promise((r) => setTimeout(r, 5000));
  const to = Date.now() - 2 * COLLECT_MS;
  cluster.restart(victim);
  await waitFor(
    async () => JSON.stringify([...(await holders(leader.url))]) === JSON.stringify([...NODES.map((n) => [n, ownerOf(n, REPLICAS)])]),
    30_000,
    `${victim} back, holding its nodes again`,
  ).catch(fail);

  // Counted per node across the replicas (the leader fans the query out): one point per collection.
  for (const node of NODES) {
    const got = await api(leader.url, `/api/v1/tsdb/query_range?metric=node_load1&match=${encodeURIComponent(`node="${node}"`)}&from=${from}&to=${to}`);
    const ts: number[] = [...new Set<number>((got.series[0]?.points ?? []).map((p: [number, number]) => p[0]))].sort((a, b) => a - b);
    const expected = Math.floor((to - from) / COLLECT_MS);
    const gaps = ts.slice(1).map((t, i) => t - ts[i]!).filter((gap) => gap > 1.5 * COLLECT_MS);
    assert.ok(ts.length >= expected - 1, `${node}: ${ts.length} samples of node_load1 in ${to - from} ms, expected ${expected}: at +${ts.map((t) => t - from).join(", +")} ms (${JSON.stringify(got.warnings ?? [])})`);
    assert.deepEqual(gaps, [], `${node}: no gap in its samples (${JSON.stringify(got.warnings ?? [])})`);
  }
  assert.deepEqual((await api(leader.url, "/api/v1/events?kind=node.down&limit=1000")).events.map((e: Json) => e.node), [], "no node declared down");
});

test("a service on a node another replica holds is restarted by the leader through that replica", { skip: skipPostgres && "no PostgreSQL" }, async () => {
  const leader = await cluster.waitForLeader(10_000);
  const live = (await leaderStatus(leader.url)).replicas.map((r) => r.name);
  const index = NODES.findIndex((n) => ownerOf(n, live) !== leader.name);
  const name = SERVICES[index]!;
  const before = (await api(leader.url, "/api/v1/services")).services.find((s: Json) => s.name === name);
  process.kill(before.pid, "SIGKILL");
  await waitFor(
    async () => {
      const now = (await api(leader.url, "/api/v1/services")).services.find((s: Json) => s.name === name);
      return now?.health === "healthy" && now.pid !== before.pid;
    },
    60_000,
    `${name} (on ${NODES[index]}, held by ${ownerOf(NODES[index]!, live)}) healthy again in a new process`,
  ).catch(fail);
  const restarts = (await api(leader.url, "/api/v1/events?kind=action.started&limit=1000")).events.filter((e: Json) => e.service === name && e.data?.action === "restart");
  assert.equal(restarts.length, 1);
});
