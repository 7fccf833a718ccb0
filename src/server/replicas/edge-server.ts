// What a replica that does not lead serves on its listen address (issue 11, sharding): it is
// the *edge* for the nodes it owns (rendezvous hashing over the live replicas, shard.ts). It
// holds their agents' connections, ingests their samples into its own series store, runs
// their failure detection and the rules over their series — and relays to the leader, over
// its edge link (edge-link-client.ts), what only the leader acts on: hellos, probe results,
// events, verdicts and rule observations; an agent's message is acknowledged once its samples
// are durable here and the leader has processed what was relayed. Agents of nodes it does not
// own are redirected to their owner; the API is passed on to the leader (leader-proxy.ts);
// /healthz, /api/v1/cluster, /metrics and the replica-to-replica series route are answered here.
//
// Reading it shows the data flow of an edge: agents → hub → (series store → rules) and
// (failure detector → verdicts) → edge link → leader; leader → edge link → hub → agents.
import type { TlsOptions } from "node:tls";
import Fastify, { type FastifyInstance } from "fastify";
import websocket from "@fastify/websocket";
import type { VigilConfig } from "../../config/schema.js";
import { AGENT_MAX_FRAME_BYTES, type AgentService } from "../../protocol/messages.js";
import type { AlertObservation } from "../../alert/alert-lifecycle.js";
import { NodeRegistry } from "../../detect/node-registry.js";
import { isQuiet, type FailureDetectorOutput } from "../../detect/failure/failure-detector.js";
import { failureDetectorOptions } from "../../detect/failure/from-config.js";
import { helloRefusal } from "../../security/agent-authenticator.js";
import { AgentIdentityStore } from "../../security/agent-identity-store.js";
import type { Storage } from "../../storage/storage.js";
import { openSeriesStore } from "../../tsdb/open-series-store.js";
import type { CompressedSeriesStore } from "../../tsdb/compressed-store.js";
import type { Clock, TimerHandle } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";
import { AgentHub, type Admission } from "../agent-hub.js";
import { agentAuthPolicy, registerAgentSocket, watchRevocations } from "../agent-socket.js";
import { access } from "../auth/access-control.js";
import { installApiAuth } from "../auth/api-auth.js";
import { registerClusterRoute } from "../http/cluster-route.js";
import { registerReplicaSeriesRoute } from "../http/replica-series-route.js";
import { installErrorHandler } from "../http/error-handler.js";
import { LivenessProber } from "../liveness-prober.js";
import { alertObservation, nodeRules, rehomeOnReplicasChange, sampleIngest, startNodeWatchLoops } from "../node-watch.js";
import type { RuleObservation } from "../../detect/rule-evaluator.js";
import { listenForHeartbeats } from "../udp-heartbeat-listener.js";
import { ServerMetrics } from "../server-metrics.js";
import type { ClusterStatus } from "./cluster-status.js";
import { EdgeLinkClient } from "./edge-link-client.js";
import { verdictToWire } from "./edge-link-messages.js";
import { passToLeader, type LeaderAddress } from "./leader-proxy.js";
import { registerReplicaMetrics } from "./replica-metrics.js";
import type { Shard } from "./shard.js";

export interface EdgeServerOptions {
  config: VigilConfig;
  host: string;
  port: number;
  tls: TlsOptions | null;
  dataDir: string;
  /** The shared PostgreSQL storage (node records and outbox positions, API tokens). */
  storage: Storage;
  clock: Clock;
  logger: Logger;
  shard: Shard;
  /** The leader as last read from the database, or null while the lease is vacant. */
  leader(): LeaderAddress | null;
  key(): string | null;
  /** The live replicas' base URLs, for agents' welcomes. */
  replicaUrls(): string[];
  onReplicasChange(listener: () => void): () => void;
  cluster(): ClusterStatus | Promise<ClusterStatus>;
}

export interface EdgeServer {
  /** The bound port (the listen port, or the one picked for port 0). */
  port: number;
  hub: AgentHub;
  nodes: NodeRegistry;
  store: CompressedSeriesStore;
  link: EdgeLinkClient;
  close(): Promise<void>;
}

export async function startEdgeServer(o: EdgeServerOptions): Promise<EdgeServer> {
  const { config, clock, logger, shard } = o;
  const store = openSeriesStore(config, o.dataDir, clock, logger);
  const metrics = new ServerMetrics();
  registerReplicaMetrics(metrics.registry, () => ({ leading: false, term: o.leader()?.term ?? 0 }));
  // Asked only once agents are connected, by when the hub below exists.
  const nodes = new NodeRegistry(o.storage, clock, failureDetectorOptions(config), {
    isPeerEligible: (node) => hub.probeAddressOf(node) !== null,
    owns: (node) => shard.owns(node),
  });
  await nodes.load();

  // ---- the link to the leader: what it asks of this edge's agents comes in here ----
  const link: EdgeLinkClient = new EdgeLinkClient({
    replica: shard.self,
    leader: () => o.leader(),
    key: () => o.key(),
    clock,
    logger: logger.child({ component: "edge-link" }),
    commands: {
      // The leader may act on a node while handling its hello, before this edge has the answer
      // and registers the connection: an action waits for that admission to end.
      action: async (node, service, action, reason, options) => {
        await admitted(node);
        return hub.sendAction(node, service, action, reason, options);
      },
      services: (node, services) => void hub.updateServices(node, services),
      chaos: (node, message) => void hub.sendChaos(node, message),
      indirectProbe: (via, target, address, timeoutMs) => hub.indirectProbe(via, target, address, timeoutMs),
    },
  });

  /** Verdicts and freeze changes go to the leader; probes are run here. */
  const onLiveness = async (out: FailureDetectorOutput): Promise<void> => {
    if (out.requests.length > 0) prober.run(out.requests);
    if (out.verdicts.length === 0 && out.freeze.length === 0) return;
    for (const v of out.verdicts) metrics.nodeTransitions.inc({ state: v.state });
    // Not waited for (an agent's messages must not wait on the leader for it); sent in order,
    // and kept until a leader has it.
    void link
      .request(
        { type: "node.liveness", verdicts: out.verdicts.map(verdictToWire), freeze: [...out.freeze] },
        { untilAnswered: true },
      )
      .catch((err: Error) => logger.error({ err: err.message }, "relaying verdicts to the leader failed"));
  };

  // ---- the leader's view of which nodes this edge holds: a node.hello per admitted agent, a node.gone once it left ----
  /** Hellos relayed to the leader and not yet answered, per node. */
  const admitting = new Map<string, number>();
  const doneAdmitting = (node: string): void => {
    const left = (admitting.get(node) ?? 1) - 1;
    if (left > 0) admitting.set(node, left);
    else admitting.delete(node);
  };
  /** Resolves once no hello of the node is being admitted (bounded by the link's request timeout). */
  const admitted = async (node: string): Promise<void> => {
    while (admitting.has(node)) await new Promise<void>((resolve) => clock.setTimeout(resolve, 10));
  };
  /**
   * Tells the leader the node's agent is no longer here — unless a newer connection of it is
   * here or being admitted: that one's hello went to the leader first, and a node.gone after it
   * would make the leader forget a connected node (and this edge stop announcing it).
   */
  const nodeGone = (node: string): void => {
    if (hub.isConnected(node) || admitting.has(node)) return;
    // Not waited for: a newer connection's hello waits for this one's last handler.
    void link.request({ type: "node.gone", node }, { untilAnswered: true }).catch((err: Error) => logger.warn({ node, err: err.message }, "telling the leader a node left failed"));
  };

  // ---- agents: authenticated at the upgrade (agent-socket.ts), then the hub ----
  const identities = AgentIdentityStore.open(o.dataDir);
  // Heartbeat datagrams, as on the leader: bound before the HTTP port.
  const udpHeartbeats = config.failureDetector.udpHeartbeats;
  const heartbeatListener = udpHeartbeats.enabled
    ? await listenForHeartbeats({ host: o.host, port: udpHeartbeats.port ?? o.port, logger, onDatagram: (datagram) => hub.receiveHeartbeatDatagram(datagram) })
    : null;
  const hub: AgentHub = new AgentHub({
    clock,
    logger: logger.child({ component: "hub" }),
    nodes,
    settings: { heartbeatInterval: config.agent.heartbeatInterval, collectInterval: config.agent.collectInterval },
    // Every welcome carries the services the leader named in answer to the node's hello (admit).
    servicesFor: () => [],
    onMessage: (type) => metrics.agentMessage(type),
    onSamplesForm: (form) => metrics.agentSamplesMessages.inc({ form }),
    onReplay: (type) => metrics.agentMessagesReplayed.inc({ type }),
    ...(heartbeatListener && { udpHeartbeatPort: heartbeatListener.port }),
    onHeartbeatDatagram: (result) => metrics.heartbeatDatagram(result),
    replicaUrls: () => o.replicaUrls(),
    helloRefusal: (identity, node) => helloRefusal(identity, node, identities),
    onRefused: (node, reason, remote) => logger.warn({ node, reason, remote }, "agent refused"),
    durability: store,
    // A message the leader did not take must not be skipped: the agent re-sends from its last ack.
    closeOnFailure: true,
    admit: async (hello): Promise<Admission> => {
      const elsewhere = shard.admit(hello.node);
      if (elsewhere !== null) return elsewhere;
      admitting.set(hello.node, (admitting.get(hello.node) ?? 0) + 1);
      let services: AgentService[] | undefined;
      try {
        services = await link.request({
          type: "node.hello",
          node: hello.node,
          agentVersion: hello.agentVersion,
          probeAddress: hello.probeAddress ?? null,
          services: hello.services,
        });
      } catch (err) {
        // Not admitted (the agent comes back): the leader, which may have registered the node, must not count it here.
        doneAdmitting(hello.node);
        nodeGone(hello.node);
        throw err;
      }
      // Admitted: the hub registers the connection as soon as this returns (microtasks only), so
      // by the next turn of the event loop hub.isConnected() speaks for it — unless the agent
      // left meanwhile (the hub then drops the hello): the leader must hear it is gone.
      setImmediate(() => {
        doneAdmitting(hello.node);
        nodeGone(hello.node);
      });
      return { services: services ?? [] };
    },
    handlers: {
      async hello(node) {
        await onLiveness(await nodes.heartbeat(node));
      },
      heartbeat(node) {
        const out = nodes.heartbeat(node);
        if (out instanceof Promise) return out.then(onLiveness);
        if (!isQuiet(out)) return onLiveness(out);
      },
      async samples(_node, m, replay) {
        if (replay) samplesIn.replay(m.columns);
        else samplesIn.ingest(m.columns);
      },
      async probe(node, probe) {
        await link.request({ type: "node.probe", node, probe });
      },
      async event(node, event) {
        await link.request({ type: "node.event", node, event });
      },
      async disconnected(node) {
        // A node sent to its new owner is not judged here any more.
        if (shard.owns(node)) await onLiveness(await nodes.disconnected(node));
        nodeGone(node);
      },
    },
  });
  const prober = new LivenessProber({
    nodes,
    hub,
    probeTimeoutMs: config.failureDetector.probeTimeout,
    logger: logger.child({ component: "liveness" }),
    onOutput: onLiveness,
  });

  // ---- rules over this edge's series; their observations go to the leader's alerts ----
  const pendingObservations: AlertObservation[] = [];
  const observeRule = (r: RuleObservation): void => {
    if (pendingObservations.length === 0) queueMicrotask(() => link.observations(pendingObservations.splice(0)));
    pendingObservations.push(alertObservation(r));
  };
  const rules = nodeRules(config, store, clock, observeRule);
  const samplesIn = sampleIngest({ clock, logger, store, metrics, threshold: rules.threshold });

  // ---- replicas come or go: nodes this edge no longer owns go to their owner; those it now owns get the re-homing grace ----
  const stopRebalancing = o.onReplicasChange(rehomeOnReplicasChange({ nodes, hub, shard, logger }));

  // ---- HTTP ----
  const http: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true, ...(o.tls && { https: o.tls }) });
  installErrorHandler(http, logger);
  installApiAuth(http, { storage: o.storage, clock, logger, mode: config.server.auth.mode, sessionTtlMs: config.server.auth.sessionTtl });
  await http.register(websocket, { options: { maxPayload: AGENT_MAX_FRAME_BYTES } });
  registerAgentSocket(http, { hub, identities, policy: agentAuthPolicy(config, o.host), clock, logger: logger.child({ component: "agent-auth" }) });
  http.get("/healthz", access("public"), async () => ({ status: "ok", role: "standby", leader: o.leader()?.name ?? null, nodes: hub.connectedNodes().length }));
  registerClusterRoute(http, () => o.cluster());
  // The leader's series queries read this edge's store too (series-fanout.ts).
  registerReplicaSeriesRoute(http, { store, key: () => o.key() });
  // Its own metrics, not the leader's: a scrape of each replica sees each replica.
  http.get("/metrics", access("viewer"), async (_req, reply) => {
    metrics.series.set(store.stats().series);
    return reply.header("content-type", metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  // Everything else is the leader's: passed on with bodies as they came, in a scope of its own.
  await http.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
    // The leader checks credentials itself: a public route here, so that the request reaches it as it came.
    scope.all("/*", access("public"), (req, reply) => passToLeader(req, reply, o.leader()));
  });

  try {
    await http.listen({ host: o.host, port: o.port });
  } catch (err) {
    await heartbeatListener?.close();
    throw err;
  }
  const address = http.server.address();
  const port = typeof address === "object" && address ? address.port : o.port;

  // ---- loops ----
  const timers: TimerHandle[] = [
    ...startNodeWatchLoops({ config, clock, logger, nodes, store, onLiveness, evaluators: rules.periodic, forecasts: rules.forecasts }),
    watchRevocations({ identities, hub, clock, logger }),
  ];
  logger.info({ port, replica: shard.self }, "edge listening: holding the agents of the nodes this replica owns");

  return {
    port,
    hub,
    nodes,
    store,
    link,
    close: async () => {
      for (const t of timers) t.cancel();
      prober.stop();
      stopRebalancing();
      // What waits for the leader fails now (those messages are not acknowledged: their agents
      // re-send them); then a last checkpoint while the agents are still connected, so what it
      // makes durable is acknowledged.
      link.close();
      await hub.close(() => store.flush());
      await heartbeatListener?.close();
      await http.close();
      await store.close();
      identities.close();
    },
  };
}
