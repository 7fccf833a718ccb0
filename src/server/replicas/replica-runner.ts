// One `vigil server` replica of a cluster on PostgreSQL (issue 11): the composition root of
// replica mode. It registers in the database and contends for the leader lease
// (src/replicas/replica-membership.ts). Nodes are spread over the live replicas (shard.ts):
// every replica holds the agents of the nodes it owns, ingests their samples into the series
// store of its own data directory and runs their failure detection. While another replica
// leads, this one is an edge (edge-server.ts: what only the leader acts on is relayed to it,
// the API is passed on to it); when it wins the lease it starts the whole control plane
// (server.ts) on the same address, under its term, with the same series store, and the other
// replicas link to it; when it loses the lease it stops that control plane and is an edge again.
//
// A new leader starts the way a restarted server does: incidents, alerts, the notification
// queue and recovery runs are read back from PostgreSQL; agents re-send what the old leader
// did not acknowledge, and edges announce the nodes they hold.
import { hostname } from "node:os";
import type { VigilConfig } from "../../config/schema.js";
import { openStorage } from "../../storage/open-storage.js";
import type { Storage } from "../../storage/storage.js";
import { openReplicaStore, type PostgresReplicaStore } from "../../replicas/postgres-replica-store.js";
import { ReplicaMembership } from "../../replicas/replica-membership.js";
import { plainListenRefusal } from "../../security/plain-transport.js";
import { serverTlsOptions } from "../../security/tls-files.js";
import { systemClock } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";
import { parseListen, startServer, type VigilServer } from "../server.js";
import type { ClusterStatus } from "./cluster-status.js";
import { startEdgeServer, type EdgeServer } from "./edge-server.js";
import { Shard } from "./shard.js";
import { PeerReachability } from "../../replicas/peer-reachability.js";
import { tcpConnect } from "../../util/tcp-connect.js";

export interface ReplicaOptions {
  config: VigilConfig;
  /** HOST:PORT. Defaults to config.server.listen. */
  listen?: string;
  dataDir?: string;
  insecure?: boolean;
  logger: Logger;
  /** The PostgreSQL URL (server.storage or $VIGIL_DATABASE_URL). */
  storageUrl: string;
  /** Told when this replica cannot go on (it won the lease but could not start the control plane). */
  onFatal(err: Error): void;
}

export interface Replica {
  name: string;
  url: string;
  role(): "leader" | "standby";
  /** The edge while another replica leads. */
  edge(): EdgeServer | null;
  /** The control plane while this replica leads. */
  leader(): VigilServer | null;
  cluster(): ClusterStatus;
  /** Closes the control plane while still leading, then releases the lease (another takes over at once), leaves the cluster, closes. */
  close(): Promise<void>;
}

export async function startReplica(o: ReplicaOptions): Promise<Replica> {
  const { config, logger } = o;
  const listen = o.listen ?? config.server.listen;
  const { host } = parseListen(listen);
  let { port } = parseListen(listen);
  const plainRefusal = plainListenRefusal(listen, host, { tls: config.server.tls !== undefined, insecure: o.insecure === true });
  if (plainRefusal !== null) throw new Error(plainRefusal);
  const tls = config.server.tls ? serverTlsOptions(config.server.tls) : null;
  const dataDir = o.dataDir ?? config.server.data;
  const lease = config.server.replica.lease;

  // Opening the storage migrates the schema, the replica tables included.
  const storage: Storage = await openStorage(dataDir, { url: o.storageUrl });
  const store: PostgresReplicaStore = openReplicaStore(o.storageUrl, { timeoutMs: lease.retryTimeout });

  let edge: EdgeServer | null = null;
  let leading: VigilServer | null = null;
  let membership: ReplicaMembership | null = null;
  let name = config.server.replica.name ?? "";
  const liveReplicas = () => membership?.liveReplicas() ?? [];
  /** Whichever role runs now hears of replica changes (the membership starts after the first edge listens). */
  const replicasListeners = new Set<() => void>();
  const replicasChanged = () => {
    for (const listener of replicasListeners) listener();
  };
  // Nodes are spread over the live replicas this one can reach: a killed replica's nodes are
  // taken in at once, not only when its registration runs out.
  const reachability = new PeerReachability({
    peers: () => liveReplicas().filter((r) => r.name !== name),
    connect: tcpConnect,
    clock: systemClock,
    onChange: replicasChanged,
  });
  const shard = new Shard(
    () => name,
    () => liveReplicas().filter((r) => r.name === name || reachability.isReachable(r.name)),
  );
  const onReplicasChange = (listener: () => void) => {
    replicasListeners.add(listener);
    return () => void replicasListeners.delete(listener);
  };
  /** Read once at start: the deployment's key never changes (src/replicas/cluster-key.ts). */
  let key: string | null = null;
  const startEdge = async () => {
    edge = await startEdgeServer({
      config,
      host,
      port,
      tls,
      dataDir,
      storage,
      clock: systemClock,
      logger: logger.child({ component: "edge" }),
      shard,
      leader: () => {
        const l = membership?.leader() ?? null;
        const url = l && liveReplicas().find((r) => r.name === l.name)?.url;
        return l && url ? { name: l.name, url, term: l.term } : null;
      },
      key: () => key,
      replicaUrls: () => liveReplicas().map((r) => r.url),
      onReplicasChange,
      cluster: () => cluster(),
    });
    port = edge.port;
  };
  try {
    key = await store.clusterKey();
    await startEdge();
  } catch (err) {
    await store.close();
    await storage.close();
    throw err;
  }

  const scheme = tls ? "https" : "http";
  const advertisedHost = host === "0.0.0.0" || host === "::" ? hostname() : host.includes(":") ? `[${host}]` : host;
  name = config.server.replica.name ?? `${hostname()}:${port}`;
  const url = config.server.replica.advertiseURL ?? `${scheme}://${advertisedHost}:${port}`;
  membership = new ReplicaMembership({
    store,
    name,
    url,
    lease: { ttlMs: lease.ttl, renewIntervalMs: lease.renewInterval, retryTimeoutMs: lease.retryTimeout },
    log: logger,
    nodes: () => heldNodes(),
  });
  const m = membership;
  m.onReplicasChange(replicasChanged);
  reachability.start();

  function heldNodes(): number {
    return (leading?.hub ?? edge?.hub)?.connectedNodes().length ?? 0;
  }

  function cluster(): ClusterStatus {
    const holder = m.leader();
    return {
      mode: "replicas",
      self: name,
      leader: holder,
      replicas: m.liveReplicas().map((r) => {
        const isLeader = r.name === holder?.name;
        // Its own agents now; the others' as of their last renewal (at most a renew interval old).
        const nodes = r.name === name ? heldNodes() : m.nodesOf(r.name);
        return { name: r.name, url: r.url, role: isLeader ? "leader" : "standby", nodes };
      }),
    };
  }

  // Role changes run one at a time, in the order the membership announced them.
  let transitions: Promise<void> = Promise.resolve();
  let closed = false;
  const becomeLeader = async (term: number) => {
    if (leading !== null || closed) return;
    logger.info({ replica: name, term }, "won the leader lease: starting the control plane");
    await edge?.close();
    edge = null;
    try {
      leading = await startServer({
        config,
        listen: `${host.includes(":") ? `[${host}]` : host}:${port}`,
        dataDir,
        logger,
        ...(o.insecure && { insecure: true }),
        replica: {
          leaderTerm: () => m.leaderTerm(),
          leaseTerm: () => m.leader()?.term ?? 0,
          replicaUrls: () => m.liveReplicas().map((r) => r.url),
          cluster,
          shard,
          onReplicasChange,
          key: () => key,
          peers: () => liveReplicas().filter((r) => r.name !== name),
        },
      });
    } catch (err) {
      o.onFatal(new Error(`replica ${name} won the leader lease (term ${term}) but could not start the control plane: ${(err as Error).message}`, { cause: err }));
    }
  };
  const standBy = async () => {
    if (leading !== null) {
      logger.warn({ replica: name }, "lost the leader lease: stopping the control plane and standing by");
      const server = leading;
      leading = null;
      // Its last writes fail (the shared records are fenced): logged, and the edge starts anyway.
      await server.close().catch((err: Error) => logger.warn({ err: err.message }, "the control plane did not close cleanly after losing the lease"));
    }
    if (edge === null && !closed) await startEdge();
  };
  m.onLeadershipChange((term) => {
    transitions = transitions
      .then(() => (term !== null ? becomeLeader(term) : standBy()))
      .catch((err: Error) => o.onFatal(err));
  });
  m.start();
  logger.info({ replica: name, url }, "replica registered; contending for the leader lease");

  return {
    name,
    url,
    role: () => (leading !== null ? "leader" : "standby"),
    edge: () => edge,
    leader: () => leading,
    cluster,
    close: async () => {
      closed = true;
      reachability.stop();
      await transitions;
      // The control plane closes while this replica still leads (its last checkpoint and
      // acknowledgements are written), then the lease is released for the next leader.
      const server = leading;
      leading = null;
      await server?.close();
      await m.stop();
      await transitions;
      await edge?.close();
      edge = null;
      await store.close();
      await storage.close();
    },
  };
}
