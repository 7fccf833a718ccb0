// Three `vigil server` replicas on a real PostgreSQL, six agents that know every replica,
// supervised services and a webhook receiver, all real processes:
// - kill -9 the leader: another replica leads within 5 s with a higher term; a page that was
//   pending at the kill is delivered exactly once; a service killed during the failover is
//   restarted exactly once;
// - SIGSTOP the leader past its lease: another takes over; after SIGCONT the old leader
//   stands by and acts no more (a service killed meanwhile is restarted once, by the new leader).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { skipPostgres } from "../storage/postgres-server.js";
import { api, runCli, waitFor } from "./harness.js";
import { servicePerNodeConfig, startReplicaCluster, type ReplicaCluster } from "./replica-harness.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const NODES = ["node-1", "node-2", "node-3", "node-4", "node-5", "node-6"];
const SERVICES = NODES.map((_, i) => `svc-${i + 1}`);
let cluster: ReplicaCluster;

before(async () => {
  if (skipPostgres) return;
  const { yaml } = await servicePerNodeConfig(NODES);
  cluster = await startReplicaCluster({
    replicas: ["r1", "r2", "r3"],
    nodes: NODES,
    config: (hookUrl) => `${yaml}notify:
  # Long enough that a page is still waiting when the leader is killed.
  groupWait: 3s
  receivers:
    hook: { webhook: { url: "${hookUrl}" } }
  routes:
    - { receiver: hook }
`,
  });
  const leader = await cluster.waitForLeader(30_000);
  await waitFor(
    async () => (await api(leader.url, "/api/v1/services")).services.filter((s: Json) => s.health === "healthy").length === SERVICES.length,
    60_000,
    "every service healthy",
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${[...cluster.replicas.values()].map((r) => `--- ${r.name}:\n${r.output().slice(-1500)}`).join("\n")}`);
  });
});

after(() => cluster?.stop());

async function journal(base: string, query: string): Promise<Json[]> {
  return (await api(base, `/api/v1/events?${query}&limit=10000`)).events;
}

async function service(base: string, name: string): Promise<Json> {
  return (await api(base, "/api/v1/services")).services.find((s: Json) => s.name === name);
}

function firingPagesFor(name: string): Json[] {
  return cluster.hook.payloads.filter((p) => p.status === "firing" && p.alerts.some((a: Json) => a.labels.alertname === "ServiceDown" && a.labels.service === name));
}

function diagnostics(): string {
  return [
    ...[...cluster.replicas.values()].map((r) => `--- ${r.name}:\n${r.output().slice(-4000)}`),
    ...Object.entries(cluster.agents).map(([node, a]) => `--- agent ${node}:\n${a.output().slice(-1500)}`),
  ].join("\n");
}

test("kill -9 the leader: a new leader within 5 s, the pending page sent once, a service killed meanwhile restarted once", { skip: skipPostgres && "no PostgreSQL" }, async () => {
  const old = await cluster.waitForLeader(10_000);
  // A page waiting out its group wait when the leader dies.
  const first = await service(old.url, "svc-1");
  process.kill(first.pid, "SIGKILL");
  await waitFor(async () => (await journal(old.url, "kind=alert.firing")).some((e) => e.data?.labels?.service === "svc-1"), 20_000, "ServiceDown svc-1 firing");
  const second = await service(old.url, "svc-2");
  const killedAt = performance.now();
  cluster.replicas.get(old.name)!.proc.kill("SIGKILL");
  // … and a service that dies while no replica leads.
  process.kill(second.pid, "SIGKILL");

  const next = await cluster.waitForLeader(30_000, old.name).catch((err: Error) => {
    throw new Error(`${err.message}\n${diagnostics()}`);
  });
  const failoverMs = performance.now() - killedAt;
  assert.ok(next.term > old.term, `term ${next.term} after ${old.term}`);
  assert.ok(failoverMs <= 5000, `a new leader after ${Math.round(failoverMs)} ms (lease ttl 4 s + renew 1 s)`);

  for (const [name, pid] of [["svc-1", first.pid], ["svc-2", second.pid]] as const) {
    await waitFor(
      async () => {
        const now = await service(next.url, name);
        return now?.health === "healthy" && now.pid !== pid;
      },
      60_000,
      `${name} healthy again, in a new process`,
    ).catch(async (err: Error) => {
      const events = (await journal(next.url, "since=0")).filter((e) => e.service === name).map((e) => `${e.ts} ${e.kind} ${JSON.stringify(e.data).slice(0, 200)}`);
      throw new Error(`${err.message}\n${events.join("\n")}\n${diagnostics()}`);
    });
  }
  // Let any duplicate show itself: another group interval.
  await new Promise((r) => setTimeout(r, 4000));
  assert.equal(firingPagesFor("svc-1").length, 1, `pages for svc-1: ${JSON.stringify(firingPagesFor("svc-1").map((p) => p.groupKey))}`);
  const restarts = (await journal(next.url, "kind=action.started")).filter((e) => e.service === "svc-2" && e.data?.action === "restart");
  const svc2 = (await journal(next.url, "since=0")).filter((e) => e.service === "svc-2").map((e) => `${e.ts} ${e.kind} ${JSON.stringify(e.data).slice(0, 200)}`);
  assert.equal(restarts.length, 1, `restarts of svc-2: ${JSON.stringify(restarts)}\n${svc2.join("\n")}\n${diagnostics()}`);
  const nodesDown = (await journal(next.url, "kind=node.down")).map((e) => e.node);
  assert.deepEqual(nodesDown, [], "no node declared down while the agents moved to the new leader");
  const status = await cluster.status();
  assert.deepEqual(status.replicas.map((r) => r.name).sort(), [...cluster.replicas.keys()].filter((n) => n !== old.name).sort(), "the killed replica left the live list");
});

test("SIGSTOP the leader past its lease: another takes over; after SIGCONT the old one stands by and acts no more", { skip: skipPostgres && "no PostgreSQL" }, async () => {
  const old = await cluster.waitForLeader(10_000);
  const stopped = cluster.replicas.get(old.name)!;
  let victimPid = 0;
  stopped.proc.kill("SIGSTOP");
  try {
    const next = await cluster.waitForLeader(15_000, old.name).catch((err: Error) => {
      throw new Error(`${err.message}\n${diagnostics()}`);
    });
    assert.ok(next.term > old.term, `term ${next.term} after ${old.term}`);
    // A service dies while the old leader is frozen: its agent may still be connected to it.
    const victim = await service(next.url, "svc-3");
    victimPid = victim.pid;
    process.kill(victim.pid, "SIGKILL");
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    stopped.proc.kill("SIGCONT");
  }
  await waitFor(
    async () => (await fetch(`${old.url}/healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.json()).catch(() => null))?.role === "standby",
    15_000,
    `${old.name} standing by after SIGCONT`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${diagnostics()}`);
  });
  assert.match(stopped.output(), /lost the leader lease/);
  const leader = await cluster.waitForLeader(10_000, old.name);
  await waitFor(
    async () => {
      const now = await service(leader.url, "svc-3");
      return now?.health === "healthy" && now.pid !== victimPid;
    },
    60_000,
    "svc-3 healthy again, in a new process",
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${diagnostics()}`);
  });
  await new Promise((r) => setTimeout(r, 2000));
  const restarts = (await journal(leader.url, "kind=action.started")).filter((e) => e.service === "svc-3" && e.data?.action === "restart");
  assert.equal(restarts.length, 1, `svc-3 restarted once: ${JSON.stringify(restarts)}`);
  assert.deepEqual((await journal(leader.url, "kind=node.down")).map((e) => e.node), [], "no node declared down while the leader was frozen");
});

test("vigil cluster status, asked through a standby, names every live replica, the leader and its term", { skip: skipPostgres && "no PostgreSQL" }, async () => {
  const leader = await cluster.waitForLeader(10_000);
  const status = await cluster.status();
  const standby = status.replicas.find((r) => r.role === "standby")!;
  const cli = runCli(["cluster", "status", "--server", standby.url]);
  const code = await new Promise<number | null>((resolve) => cli.proc.once("exit", (c) => resolve(c)));
  const out = cli.output();
  assert.equal(code, 0, out);
  assert.match(out, new RegExp(`Leader: ${leader.name}, term ${leader.term}\\. Answered by ${standby.name}\\.`));
  for (const r of status.replicas) assert.match(out, new RegExp(`${r.name}.*${r.role}.*${r.url.replace(/[.]/g, "\\.")}`));
  // Each replica's /metrics says whether it leads, and under which term.
  assert.match(await (await fetch(`${leader.url}/metrics`)).text(), new RegExp(`^vigil_replica_leader 1$[\\s\\S]*^vigil_replica_leader_term ${leader.term}$`, "m"));
  assert.match(await (await fetch(`${standby.url}/metrics`)).text(), /^vigil_replica_leader 0$/m);
  // The API of a standby answers for the cluster: the services, passed on to the leader.
  assert.equal((await api(standby.url, "/api/v1/services")).services.length, SERVICES.length);
});

test("SIGTERM the leader: it closes its control plane, releases the lease, and another leads", { skip: skipPostgres && "no PostgreSQL" }, async (t) => {
  const old = await cluster.waitForLeader(10_000);
  const stoppedAt = performance.now();
  await cluster.replicas.get(old.name)!.stop("SIGTERM");
  const next = await cluster.waitForLeader(15_000, old.name).catch((err: Error) => {
    throw new Error(`${err.message}\n${diagnostics()}`);
  });
  t.diagnostic(`${old.name} stopped → ${next.name} leads (term ${next.term}) ${Math.round(performance.now() - stoppedAt)} ms after SIGTERM`);
  assert.ok(next.term > old.term);
  assert.doesNotMatch(cluster.replicas.get(old.name)!.output(), /not written|did not close cleanly/, "its last writes happened while it still led");
  await waitFor(async () => (await api(next.url, "/api/v1/services")).services.every((s: Json) => s.health === "healthy"), 60_000, "every service healthy under the new leader");
});
