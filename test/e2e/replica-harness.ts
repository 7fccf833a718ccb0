// End-to-end harness for a cluster of `vigil server` replicas on a real PostgreSQL
// (test/storage/postgres-server.ts): each replica a real process with its own data directory
// and port, all sharing one database schema; agents as real processes that know every
// replica's URL; a real webhook receiver. The test's config must not have a `server:` block:
// each replica gets its own (storage, listen, replica name).
import { join } from "node:path";
import { startTestPostgres, type TestPostgres } from "../storage/postgres-server.js";
import { HTTP_SERVICE, freePort, runCli, startWebhookReceiver, tempDir, waitFor, writeConfig, type VigilProcess, type WebhookReceiver } from "./harness.js";
import { mkdirSync } from "node:fs";

export interface ReplicaProcess extends VigilProcess {
  name: string;
  url: string;
}

export interface ClusterView {
  mode: string;
  self: string;
  leader: { name: string; term: number } | null;
  replicas: Array<{ name: string; url: string; role: string; nodes: number | null }>;
}

export interface ReplicaCluster {
  postgres: TestPostgres;
  databaseUrl: string;
  dir: { path: string; remove(): void };
  hook: WebhookReceiver;
  replicas: Map<string, ReplicaProcess>;
  agents: Record<string, VigilProcess>;
  /** Every replica's URL, in name order. */
  urls(): string[];
  /** What a live replica answers on /api/v1/cluster (the first one that answers). */
  status(): Promise<ClusterView>;
  /** Waits until a live replica names a leader (other than `not`, when given) and that leader serves; returns it. */
  waitForLeader(timeoutMs: number, not?: string): Promise<{ name: string; term: number; url: string }>;
  /** Starts the replica again (after it was killed), same port, config and data. */
  restart(name: string): ReplicaProcess;
  stop(): Promise<void>;
}

export interface ReplicaClusterOptions {
  replicas: string[];
  nodes: string[];
  /** The shared config without a `server:` block. */
  config(hookUrl: string): string;
  /** `server.replica.lease` settings, e.g. "{ ttl: 4s, renewInterval: 1s, retryTimeout: 2s }" (default: the defaults). */
  lease?: string;
}

export async function startReplicaCluster(o: ReplicaClusterOptions): Promise<ReplicaCluster> {
  const postgres = await startTestPostgres();
  const databaseUrl = await postgres.freshDatabaseUrl();
  const dir = tempDir("vigil-replicas-");
  const hook = await startWebhookReceiver();
  const body = o.config(hook.url);
  const ports = new Map<string, number>();
  for (const name of o.replicas) ports.set(name, await freePort());
  const urlOf = (name: string) => `http://127.0.0.1:${ports.get(name)}`;
  const replicas = new Map<string, ReplicaProcess>();
  const startReplica = (name: string): ReplicaProcess => {
    const home = join(dir.path, name);
    mkdirSync(home, { recursive: true });
    const server = [
      "server:",
      `  listen: 127.0.0.1:${ports.get(name)}`,
      `  storage: ${JSON.stringify(databaseUrl)}`,
      `  replica: { name: ${name}${o.lease ? `, lease: ${o.lease}` : ""} }`,
    ].join("\n");
    const configFile = writeConfig(home, `${server}\n${body}`);
    const p = runCli(["server", "--config", configFile, "--data", join(home, "data")]);
    return { ...p, name, url: urlOf(name) };
  };
  const cluster: ReplicaCluster = {
    postgres,
    databaseUrl,
    dir,
    hook,
    replicas,
    agents: {},
    urls: () => [...ports.keys()].sort().map(urlOf),
    async status() {
      for (const r of replicas.values()) {
        if (r.proc.exitCode !== null || r.proc.signalCode !== null) continue;
        const res = await fetch(`${r.url}/api/v1/cluster`, { signal: AbortSignal.timeout(1000) }).catch(() => null);
        if (res?.ok) return (await res.json()) as ClusterView;
      }
      throw new Error("no live replica answered /api/v1/cluster");
    },
    async waitForLeader(timeoutMs, not) {
      return waitFor(
        async () => {
          const s = await cluster.status();
          if (s.leader === null || s.leader.name === not) return null;
          const url = s.replicas.find((r) => r.name === s.leader!.name)?.url;
          if (!url) return null;
          const health = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.json()).catch(() => null);
          // The leader serves the control plane: its /healthz has no standby role.
          return health !== null && health.role !== "standby" ? { ...s.leader, url } : null;
        },
        timeoutMs,
        `a leader${not ? ` other than ${not}` : ""}`,
      );
    },
    restart(name) {
      const p = startReplica(name);
      replicas.set(name, p);
      return p;
    },
    async stop() {
      for (const agent of Object.values(cluster.agents)) await agent.stop().catch(() => undefined);
      for (const r of replicas.values()) await r.stop().catch(() => undefined);
      await hook.close();
      await postgres.stop();
      dir.remove();
    },
  };
  for (const name of o.replicas) replicas.set(name, startReplica(name));
  try {
    await cluster.waitForLeader(30_000);
    for (const node of o.nodes) {
      cluster.agents[node] = runCli(["agent", "--server", cluster.urls().join(","), "--node", node, "--data", join(dir.path, `agent-${node}`)]);
    }
  } catch (err) {
    const outputs = [...replicas.values()].map((r) => `--- replica ${r.name}:\n${r.output().slice(-2000)}`).join("\n");
    await cluster.stop().catch(() => undefined);
    throw new Error(`${(err as Error).message}\n${outputs}`);
  }
  return cluster;
}

/**
 * One supervised HTTP service per node (`svc-<i>` on `nodes[i-1]`, each on its own free port),
 * probed every 100 ms, restarted by the `quick` playbook and verified healthy for 500 ms: the
 * `services:` and `playbooks:` blocks of a cluster's config.
 */
export async function servicePerNodeConfig(nodes: readonly string[]): Promise<{ services: string[]; yaml: string }> {
  const services = nodes.map((_, i) => `svc-${i + 1}`);
  const ports = await Promise.all(services.map(() => freePort()));
  const fast = "interval: 100ms, timeout: 300ms, failures: 2";
  const yaml = `
services:
${services
  .map(
    (name, i) => `  - name: ${name}
    node: ${nodes[i]}
    run: { command: "node ${HTTP_SERVICE} ${ports[i]}" }
    health: { http: "http://127.0.0.1:${ports[i]}/", ${fast} }
    recovery: quick`,
  )
  .join("\n")}
playbooks:
  quick:
    steps: [restart, { verify: { healthyFor: 500ms, within: 30s } }, escalate]
`;
  return { services, yaml };
}
