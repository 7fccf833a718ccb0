// The control plane's composition root: reading this file shows the data flow —
// agents, scraped targets, remote-write senders → (series store → rules) and (services,
// nodes) → alerts, incidents → recovery → actions back to agents; every decision is
// journalled; the HTTP API reads it all.
import { hostname } from "node:os";
import Fastify, { type FastifyInstance } from "fastify";
import websocket from "@fastify/websocket";
import type { VigilConfig } from "../config/schema.js";
import { playbookFor } from "../config/defaults.js";
import { AGENT_MAX_FRAME_BYTES, type AgentService, type EventMessage, type ProbeMessage, type Sample } from "../protocol/messages.js";
import { columnsOfSamples } from "../protocol/sample-columns.js";
import { openStorage } from "../storage/open-storage.js";
import { fencedStorage } from "../storage/fenced-storage.js";
import { Journal } from "../storage/journal.js";
import type { IncidentRecord, Storage } from "../storage/storage.js";
import type { CompressedSeriesStore } from "../tsdb/compressed-store.js";
import { openSeriesStore } from "../tsdb/open-series-store.js";
import type { AppendResult } from "../tsdb/series-store.js";
import { ScrapeManager } from "../scrape/scrape-manager.js";
import { TargetDownAlerts } from "../scrape/target-down-alerts.js";
import { NodeRegistry } from "../detect/node-registry.js";
import { ServiceRegistry, type HealthTransition } from "../detect/service-registry.js";
import { isQuiet, type FailureDetectorOutput } from "../detect/failure/failure-detector.js";
import { failureDetectorOptions } from "../detect/failure/from-config.js";
import type { LivenessVerdict } from "../detect/failure/node-liveness.js";
import type { FreezeChange } from "../detect/failure/partition-guard.js";
import type { RuleObservation } from "../detect/rule-evaluator.js";
import { ExprRuleEvaluator } from "../detect/expr-rule.js";
import { rulesOfKind } from "../config/rule-kinds.js";
import { AlertManager } from "../alert/alert-manager.js";
import { NotificationDispatcher } from "../alert/notify/dispatcher.js";
import { DependencyInhibitionStage, serviceTopology } from "../alert/dependency-inhibition.js";
import { InhibitionStage } from "../alert/inhibition.js";
import { MaintenanceAnnouncer, MaintenanceStage } from "../alert/maintenance.js";
import type { MuteStage } from "../alert/mute.js";
import { SilenceStage } from "../alert/silences.js";
import { IncidentManager } from "../incident/incident-manager.js";
import { RecoveryOrchestrator } from "../recover/orchestrator.js";
import { Placements } from "../recover/placements.js";
import { failover, failoverUnavailable, type FailoverDeps } from "../recover/failover.js";
import { IncidentReconciler } from "../incident/reconciler.js";
import { EvidenceLog } from "../incident/evidence-log.js";
import { IncidentLocalizer } from "../incident/incident-localizer.js";
import { livenessEvidence, processEventEvidence, transitionEvidence } from "../incident/localization/evidence-from-signals.js";
import { seriesReaderFromStore } from "../incident/localization/series-reader.js";
import { Topology } from "../incident/topology.js";
import { nodeId, serviceId, tryParseComponentId } from "../incident/localization/component.js";
import type { ComponentStatus } from "../incident/localization/observation.js";
import { systemClock, type Clock, type TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { AgentHub, type Admission } from "./agent-hub.js";
import { agentAuthPolicy, registerAgentSocket, watchRevocations } from "./agent-socket.js";
import { AgentIdentityStore } from "../security/agent-identity-store.js";
import { helloRefusal } from "../security/agent-authenticator.js";
import { plainListenRefusal } from "../security/plain-transport.js";
import { serverTlsOptions } from "../security/tls-files.js";
import { LiveFeed } from "./live-feed.js";
import { LivenessProber } from "./liveness-prober.js";
import { alertObservation, nodeRules, rehomeOnReplicasChange, sampleIngest, startNodeWatchLoops } from "./node-watch.js";
import { ServerMetrics } from "./server-metrics.js";
import { registerAdviceRoutes } from "./http/advice-routes.js";
import { registerAlertmanagerRoutes } from "./http/alertmanager-routes.js";
import { registerApiRoutes } from "./http/api-routes.js";
import { registerAvailabilityRoutes } from "./http/availability-routes.js";
import { registerDashboardRoutes } from "./http/dashboard-routes.js";
import { registerLiveRoute } from "./http/live-route.js";
import { registerMetricsRoute } from "./http/metrics-route.js";
import { registerRecoveryRoutes } from "./http/recovery-routes.js";
import { registerRemoteWriteRoute } from "./http/remote-write-route.js";
import { registerScrapeTargetsRoute } from "./http/scrape-targets-route.js";
import { registerSilenceRoutes } from "./http/silence-routes.js";
import { registerTsdbRoutes } from "./http/tsdb-routes.js";
import { registerPromqlRoutes } from "./http/promql-routes.js";
import { registerReplicaSeriesRoute } from "./http/replica-series-route.js";
import { SeriesFanout } from "./replicas/series-fanout.js";
import { registerTokenRoutes } from "./http/token-routes.js";
import { registerSessionRoutes } from "./http/session-routes.js";
import { registerAuditRoutes } from "./http/audit-routes.js";
import { installErrorHandler } from "./http/error-handler.js";
import type { RegisteredRoute } from "./auth/access-control.js";
import { installApiAuth, type ApiAuth } from "./auth/api-auth.js";
import { listenRefusal } from "./auth/auth-policy.js";
import { listenForHeartbeats } from "./udp-heartbeat-listener.js";
import type { FailedAuthLimits } from "./auth/failed-auth-limiter.js";
import { registerWebRoutes } from "./http/web-routes.js";
import { registerClusterRoute } from "./http/cluster-route.js";
import { singleServerStatus, type ClusterStatus } from "./replicas/cluster-status.js";
import { registerReplicaMetrics } from "./replicas/replica-metrics.js";
import { registerChaosRoutes } from "./http/chaos-routes.js";
import { EdgeLinks } from "./replicas/edge-links.js";
import { clusterAgents, type AgentChannels } from "./replicas/cluster-agents.js";
import type { Shard } from "./replicas/shard.js";
import type { FreezeChange as RemoteFreeze } from "../detect/failure/partition-guard.js";
import { registerGamedayRoutes } from "./http/gameday-routes.js";
import { ChaosController } from "../chaos/chaos-controller.js";

export interface ServerOptions {
  config: VigilConfig;
  /** HOST:PORT; port 0 picks a free port. Defaults to config.server.listen. */
  listen?: string;
  /** Defaults to config.server.data. */
  dataDir?: string;
  /** The node that runs services whose config names none (the `vigil up` agent). */
  localNode?: string;
  /** Serve plain HTTP on a non-loopback address knowingly (`--insecure`). */
  insecure?: boolean;
  clock?: Clock;
  logger: Logger;
  /** Failed authentication attempts allowed per client address (default 10 a minute). */
  failedAuthLimits?: FailedAuthLimits;
  /**
   * Set when this server leads a cluster of replicas (src/server/replicas/replica-runner.ts):
   * actions carry its term; actions, notifications, writes to the shared records and agent
   * messages stop the moment it may no longer act as leader.
   */
  replica?: {
    leaderTerm(): number | null;
    /** The lease's term as last read (for /metrics while no longer leading). */
    leaseTerm(): number;
    /** The live replicas' base URLs, for agents' welcomes. */
    replicaUrls(): string[];
    cluster(): ClusterStatus | Promise<ClusterStatus>;
    /** This replica's name and the nodes it owns among the live replicas. */
    shard: Shard;
    /** Called when the live replicas change; returns an unsubscribe. */
    onReplicasChange(listener: () => void): () => void;
    /** The other live replicas: series queries read their stores too (src/server/replicas/series-fanout.ts). */
    peers(): { name: string; url: string }[];
    /** The cluster key replicas call each other with (edge links, series fan-out; src/replicas/cluster-key.ts); null: none. */
    key(): string | null;
  };
}

/** Request bodies larger than this are refused with 413 (routes with small bodies set less). */
export const BODY_LIMIT = 1024 * 1024;
/** Socket timeouts of the HTTP server: idle connection, whole request, headers, keep-alive. */
export const SOCKET_TIMEOUTS = { connectionMs: 120_000, requestMs: 30_000, headersMs: 10_000, keepAliveMs: 10_000 };

export interface VigilServer {
  url: string;
  startedAt: number;
  clock: Clock;
  config: VigilConfig;
  storage: Storage;
  journal: Journal;
  nodes: NodeRegistry;
  services: ServiceRegistry;
  /** Agents' enrollment tokens, credentials and revocations (<data>/agents.db). */
  identities: AgentIdentityStore;
  alerts: AlertManager;
  incidents: IncidentManager;
  recovery: RecoveryOrchestrator;
  placements: Placements;
  /** Lets a fenced instance run again on `node` (every node when omitted) and tells its agent; false when it was not fenced. */
  unfence(service: string, node?: string): Promise<boolean>;
  store: CompressedSeriesStore;
  hub: AgentHub;
  /** Every node's agent, connected here or (on a replica leading a cluster) to another replica. */
  agents: AgentChannels;
  /** On a replica leading a cluster: the other replicas' links. */
  edges: EdgeLinks | null;
  scrapes: ScrapeManager;
  /** Changes pushed to the dashboard (server-sent events). */
  live: LiveFeed;
  chaos: ChaosController;
  metrics: ServerMetrics;
  http: FastifyInstance;
  /** API authentication: the policy, the gate, the audit trail. */
  auth: ApiAuth;
  /** Every HTTP route with the access it declared (for the route scanner test). */
  routes(): RegisteredRoute[];
  close(): Promise<void>;
}

export function defaultNodeName(): string {
  return hostname() || "localhost";
}

/** Splits HOST:PORT (also [v6]:PORT). */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen);
  if (!m) throw new Error(`invalid listen address "${listen}": expected HOST:PORT such as 127.0.0.1:7070`);
  return { host: m[1] ?? m[2]!, port: Number(m[3]) };
}

export async function startServer(o: ServerOptions): Promise<VigilServer> {
  const { config, logger } = o;
  const clock = o.clock ?? systemClock;
  const localNode = o.localNode ?? defaultNodeName();
  const listen = o.listen ?? config.server.listen;
  const { host, port } = parseListen(listen);
  const plainRefusal = plainListenRefusal(listen, host, { tls: config.server.tls !== undefined, insecure: o.insecure === true });
  if (plainRefusal !== null) throw new Error(plainRefusal);
  const tlsOptions = config.server.tls ? serverTlsOptions(config.server.tls) : null;
  const configuredNode = new Map(config.services.map((s) => [s.name, s.node ?? localNode]));
  const serviceConfig = new Map(config.services.map((s) => [s.name, s]));

  // ---- state that survives restarts ----
  const dataDir = o.dataDir ?? config.server.data;
  /** On a replica: its term while it may act as leader, else null. */
  const leaderTerm = o.replica ? () => o.replica!.leaderTerm() : undefined;
  const opened = await openStorage(dataDir, {
    ...(config.server.storage !== undefined && { url: config.server.storage }),
    onIdleClientError: (err) => logger.warn({ err: err.message }, "storage: an idle PostgreSQL connection failed; the pool replaces it"),
  });
  // A leader's writes to the shared records stop the moment it may no longer act.
  const storage = leaderTerm ? fencedStorage(opened, () => leaderTerm() !== null) : opened;
  // Never by accident: an API reachable from other machines has authentication on.
  const refusal = listenRefusal({ listen, host, mode: config.server.auth.mode, hasTokens: await storage.tokens.hasTokens(), dataDir });
  if (refusal !== null) {
    await storage.close();
    throw new Error(refusal);
  }
  const journal = new Journal(storage, clock);
  // The dashboard hears every journalled decision once it is stored, and nothing else it must poll for.
  const live = new LiveFeed();
  journal.subscribe((e) =>
    live.publish({ topic: "journal", kind: e.kind, id: e.id, ts: e.ts, ...(e.node !== undefined && { node: e.node }), ...(e.service !== undefined && { service: e.service }), ...(e.incidentId !== undefined && { incidentId: e.incidentId }) }),
  );
  const metrics = new ServerMetrics();
  if (o.replica) {
    const replica = o.replica;
    registerReplicaMetrics(metrics.registry, () => {
      const term = replica.leaderTerm();
      return { leading: term !== null, term: term ?? replica.leaseTerm() };
    });
  }
  const store = openSeriesStore(config, dataDir, clock, logger);
  const hubRef: { hub?: AgentChannels } = {};
  const auditRef: { audit?: ApiAuth["audit"] } = {};
  // On a replica of a cluster: the nodes it holds (the others' agents are held by other replicas).
  const shard = o.replica?.shard ?? null;
  const nodes = new NodeRegistry(
    storage,
    clock,
    failureDetectorOptions(config),
    {
      isPeerEligible: (node) => hubRef.hub?.probeAddressOf(node) != null,
      ...(shard && { owns: (node: string) => shard.owns(node) }),
    },
  );
  const placements = new Placements(configuredNode, storage, clock);
  await placements.load();
  const nodeOf = (service: string): string => placements.nodeOf(service) ?? localNode;
  const services = new ServiceRegistry(storage, clock, placements.services().map((name) => ({ name, node: nodeOf(name) })));
  // The component graph; rebuilt only when a failover moves a service to another node.
  const buildTopology = () => new Topology(config.services.map((s) => ({ name: s.name, node: nodeOf(s.name), dependsOn: s.dependsOn })));
  let currentTopology = buildTopology();
  const topology = () => currentTopology;
  /** What nodes' agents learn of placements: where each service runs, where it is fenced. */
  const placementView = { nodeOf, isFenced: (service: string, node: string) => placements.isFenced(service, node) };
  /** A component's health as incidents see it: a service unhealthy or a node down is failing. */
  const componentStatus = (key: string): { status: ComponentStatus; since: number } => {
    const p = tryParseComponentId(key);
    if (p?.kind === "service") {
      const s = services.get(p.name);
      return { status: s?.health === "unhealthy" ? "failing" : s?.health === "healthy" ? "healthy" : "unknown", since: s?.since ?? clock.now() };
    }
    const n = p ? nodes.get(p.name) : undefined;
    return { status: n?.state === "down" ? "failing" : n?.state === "alive" ? "healthy" : "unknown", since: n?.since ?? clock.now() };
  };
  await nodes.load();
  await services.load();

  // ---- alerts: observations → lifecycle → routes → groups → mute stages → notification queue ----
  const dispatcher = new NotificationDispatcher({
    storage,
    clock,
    receivers: config.notify.receivers,
    journal,
    logger,
    ...(leaderTerm && { mayDeliver: () => leaderTerm() !== null }),
  });
  let externalURL = config.server.externalURL ?? "";
  const silences = new SilenceStage({ storage, journal, clock });
  await silences.load();
  const maintenance = MaintenanceStage.fromConfig(config.maintenance);
  const alertsRef: { alerts?: AlertManager } = {};
  const incidentsRef: { incidents?: IncidentManager } = {};
  // Asked in this order at flush time; the first reason wins.
  const muteStages: MuteStage[] = [
    silences,
    maintenance,
    new InhibitionStage(config.notify.inhibitRules, () => alertsRef.alerts?.active() ?? []),
    ...(config.notify.dependencyInhibition
      ? [
          new DependencyInhibitionStage({
            services: serviceTopology(config, localNode),
            // Down, or being repaired: a dependency whose incident is still open (restarted,
            // not yet verified; or its dependents not yet recovered) still explains theirs.
            serviceDown: (s) => services.get(s)?.health === "unhealthy" || incidentsRef.incidents?.openIncident(serviceId(s)) !== undefined,
            nodeDown: (n) => nodes.get(n)?.state === "down",
            nodeOf,
            firing: () => alertsRef.alerts?.active() ?? [],
          }),
        ]
      : []),
  ];
  const alerts = new AlertManager({
    storage,
    journal,
    clock,
    notify: config.notify,
    dispatcher,
    muteStages,
    externalURL: () => externalURL,
    logger,
  });
  alertsRef.alerts = alerts;
  await alerts.load();

  // ---- incidents and recovery ----
  const incidents = new IncidentManager(storage, journal, clock, {
    windowMs: config.incidents.correlationWindow,
    weakWindowMs: config.incidents.sameNodeWindow,
    relation: (a, b) => topology().relation(a, b),
  });
  incidentsRef.incidents = incidents;
  const escalationAlert = (incident: IncidentRecord, active: boolean, reason: string) =>
    alerts.observe({
      labels: {
        alertname: "RecoveryFailed",
        severity: "critical",
        incident: String(incident.id),
        ...(incident.kind === "service" ? { service: incident.target } : {}),
        ...(incident.node ? { node: incident.node } : {}),
      },
      annotations: { summary: `${incident.title}; automatic recovery gave up: ${reason}` },
      active,
      value: null,
      forMs: 0,
    });
  incidents.onResolved(async (incident) => {
    if (incident.escalatedAt !== null || incident.state === "resolved") await escalationAlert(incident, false, "resolved");
  });
  const reconcilerRef: { reconciler?: IncidentReconciler } = {};
  /** On a leader of a cluster: the partition guards of other replicas that froze (each judges its own nodes). */
  const remoteFreezes = new Map<string, RemoteFreeze>();
  const remotePauseReason = (): string | null => {
    for (const [replica, f] of remoteFreezes) return `replica ${replica}'s control plane looks cut off from its nodes (${f.reason})`;
    return null;
  };
  const failoverDeps: FailoverDeps = {
    placements,
    standbysOf: (service) => serviceConfig.get(service)?.standby ?? [],
    canRun: (node) => nodes.get(node)?.state === "alive" && hubRef.hub!.isConnected(node),
    hasPromote: (service) => serviceConfig.get(service)?.promote !== undefined,
    sendToNode: (node, service, action, reason, options) => hubRef.hub!.sendAction(node, service, action, reason, options),
    moved: async (service, from, to) => {
      await journal.record("service.moved", { service, node: to, data: { from, to, fenced: from } });
      currentTopology = buildTopology();
      const t = await services.moveTo(service, to);
      if (t) await onServiceTransition(t);
    },
    servicesChanged: (node) => {
      hubRef.hub!.updateServices(node, servicesFor(config, placementView, node));
    },
  };
  const recovery = new RecoveryOrchestrator({
    clock,
    journal,
    incidents,
    logger: logger.child({ component: "recover" }),
    playbookFor: (service) => playbookFor(config, service),
    healthOf: (service) => services.get(service) ?? { health: "unknown", since: clock.now() },
    sendAction: async (service, action, reason, options) => {
      const node = nodeOf(service);
      const outcome =
        action === "failover"
          ? await failover(service, reason, options, failoverDeps)
          : await hubRef.hub!.sendAction(node, service, action, reason, options);
      metrics.actions.inc({ action, result: outcome.ok ? "ok" : "failed" });
      auditRef.audit?.recoveryAction({ action, service, node, ok: outcome.ok, reason, ...(outcome.error !== undefined && { error: outcome.error }) });
      return outcome;
    },
    unavailable: (service, step) => (step.action === "failover" ? failoverUnavailable(service, failoverDeps) : null),
    causeOf: (incident, service) => reconcilerRef.reconciler!.causeOf(incident, service),
    onRunEnded: (incident, service) => {
      reconcilerRef.reconciler!.runEnded(incident, service).catch((err) => logger.error({ err, incident: incident.id }, "incident reconciliation failed"));
    },
    escalationAlert,
    attemptHistory: await attemptHistory(storage, config, clock.now()),
    modeOf: () => config.recovery.mode,
    maxConcurrentActions: config.recovery.maxConcurrentActions,
    // The control plane's freeze first, then maintenance windows that pause recovery.
    pauseReason: (incident) =>
      nodes.detector.pauseReason(clock.now()) ??
      remotePauseReason() ??
      maintenance.recoveryPaused(
        { ...(incident.kind === "service" && { service: incident.target }), ...(incident.node && { node: incident.node }) },
        clock.now(),
      ),
  });
  const evidence = new EvidenceLog();
  const localizer = new IncidentLocalizer({
    topology,
    status: componentStatus,
    evidence,
    series: seriesReaderFromStore(store),
    limits: Object.fromEntries(
      config.services
        .filter((s) => s.limits)
        .map((s) => [s.name, { ...(s.limits!.memory && { memoryBytes: s.limits!.memory }), ...(s.limits!.fds && { fds: s.limits!.fds }), ...(s.limits!.cpu && { cpuCores: s.limits!.cpu }) }]),
    ),
  });
  const reconciler = new IncidentReconciler({
    clock,
    journal,
    logger: logger.child({ component: "incidents" }),
    incidents,
    recovery,
    topology,
    status: componentStatus,
    hasStandby: (service) => (serviceConfig.get(service)?.standby?.length ?? 0) > 0,
    localize: (incident) => {
      try {
        return localizer.localize(incident, clock.now());
      } catch (err) {
        logger.error({ err, incident: incident.id }, "localization failed");
        return null;
      }
    },
    dependentGraceMs: config.incidents.dependentGrace,
  });
  reconcilerRef.reconciler = reconciler;
  const announcer = new MaintenanceAnnouncer({
    stage: maintenance,
    journal,
    storage,
    clock,
    logger: logger.child({ component: "maintenance" }),
    onChange: () => recovery.pauseChanged(),
  });

  const onServiceTransition = async (t: HealthTransition): Promise<void> => {
    // A process exit is in the evidence already, from its agent event.
    if (t.source !== "process") evidence.add(serviceId(t.service), transitionEvidence(t));
    if (t.to === "healthy") evidence.recovered(serviceId(t.service), t.since);
    await journal.record("service.health", {
      node: t.node,
      service: t.service,
      ts: t.since,
      data: { from: t.from, to: t.to, detail: t.detail, source: t.source },
    });
    if (t.to === "unhealthy") {
      const { incident } = await incidents.report({
        key: serviceId(t.service),
        kind: "service",
        target: t.service,
        node: t.node,
        title: `${t.service} on ${t.node} is unhealthy`,
        firstSignalAt: t.since,
        signal: { source: t.source, detail: t.detail },
      });
      await reconciler.reconcile(incident);
    }
    recovery.healthChanged(t.service);
    if (t.to === "healthy") await reconciler.componentRecovered(serviceId(t.service), t.since);
    // Alerting comes after recovery has started: repair time does not wait for it.
    if (t.to !== "unknown") {
      await alerts.observe({
        labels: { alertname: "ServiceDown", severity: "warning", service: t.service, node: t.node },
        annotations: { summary: `service ${t.service} on ${t.node} is unhealthy: ${t.detail}` },
        active: t.to === "unhealthy",
        value: null,
        forMs: 0,
      });
    }
  };

  const nodeAlert = (alertname: string, severity: string, node: string, summary: string, active: boolean) =>
    alerts.observe({ labels: { alertname, severity, node }, annotations: { summary }, active, value: null, forMs: 0 });

  const onNodeVerdict = async (v: LivenessVerdict): Promise<void> => {
    evidence.add(nodeId(v.node), livenessEvidence(v));
    if (v.state === "alive") evidence.recovered(nodeId(v.node), v.since);
    metrics.nodeTransitions.inc({ state: v.state });
    live.publish({ topic: "node", node: v.node, state: v.state });
    if (v.state === "suspect") return; // being probed: not a verdict anyone acts on
    const wasOut = v.previous === "dead" || v.previous === "unreachable";
    if (v.state === "alive") {
      if (!wasOut) return;
      await journal.record("node.up", { node: v.node, ts: v.since, data: { reason: v.reason } });
      await nodeAlert("NodeDown", "critical", v.node, `node ${v.node} is alive again`, false);
      await nodeAlert("NodeUnreachable", "warning", v.node, `node ${v.node} is reachable again`, false);
      await reconciler.componentRecovered(nodeId(v.node), v.since);
      return;
    }
    const data = { reason: v.reason, phi: Number.isFinite(v.phi) ? v.phi : null, lastSeen: v.lastSeen };
    if (v.state === "unreachable") {
      // A link problem (peers reach it) or a held-back verdict during isolation: alert, but
      // no incident and no recovery of its services.
      await journal.record("node.unreachable", { node: v.node, ts: v.since, data });
      await nodeAlert("NodeUnreachable", "warning", v.node, `node ${v.node} is unreachable from the server: ${v.reason}`, true);
      return;
    }
    await journal.record("node.down", { node: v.node, ts: v.since, data });
    await nodeAlert("NodeUnreachable", "warning", v.node, `node ${v.node} is down`, false);
    await nodeAlert("NodeDown", "critical", v.node, `node ${v.node} is down: ${v.reason}`, true);
    const { incident } = await incidents.report({
      key: nodeId(v.node),
      kind: "node",
      target: v.node,
      node: v.node,
      title: `node ${v.node} is down`,
      firstSignalAt: v.lastSeen,
      signal: { source: "failure-detector", detail: v.reason },
    });
    for (const t of await services.nodeDown(v.node, v.since)) await onServiceTransition(t);
    await reconciler.reconcile(incident);
  };

  const onFreeze = async (f: FreezeChange): Promise<void> => {
    await journal.record(f.frozen ? "freeze.on" : "freeze.off", { ts: f.at, data: { reason: f.reason, nodes: f.nodes } });
    await alerts.observe({
      labels: { alertname: "ControlPlaneIsolated", severity: "critical" },
      annotations: { summary: `the control plane looks cut off (${f.reason}); automatic recovery is frozen` },
      active: f.frozen,
      value: null,
      forMs: 0,
    });
    recovery.pauseChanged();
  };

  /** Everything the failure detector decided: verdicts, freeze changes, probes to run. */
  const onLiveness = async (out: FailureDetectorOutput): Promise<void> => {
    for (const f of out.freeze) await onFreeze(f);
    for (const v of out.verdicts) await onNodeVerdict(v);
    if (out.requests.length > 0) prober.run(out.requests);
  };

  /** What an agent says of its services, whichever replica holds it. */
  const onServiceSnapshot = async (node: string, snapshot: Parameters<ServiceRegistry["applySnapshot"]>[1]): Promise<void> => {
    for (const t of await services.applySnapshot(node, snapshot)) await onServiceTransition(t);
  };
  const onProbe = async (node: string, m: ProbeMessage): Promise<void> => {
    const t = await services.applyProbe(node, m);
    if (t) await onServiceTransition(t);
  };
  const onAgentEvent = async (node: string, m: EventMessage): Promise<void> => {
    if (m.kind === "action.refused") logger.warn({ node, service: m.service, ...m.data }, "agent refused an action");
    await journal.record(m.kind, { node, ...(m.service !== undefined && { service: m.service }), ts: m.ts, data: m.data });
    if (m.service !== undefined) evidence.add(serviceId(m.service), processEventEvidence(m.kind, m.data, m.ts));
    const t = await services.applyEvent(node, m);
    if (t) await onServiceTransition(t);
  };

  // ---- agents: authenticated once per connection (agent-socket.ts), then the hub ----
  const identities = AgentIdentityStore.open(dataDir);
  const authPolicy = agentAuthPolicy(config, host);
  if (!authPolicy.required) logger.info({ listen }, "agent authentication is off: any process that reaches this loopback address may connect as an agent");
  // Heartbeat datagrams: bound before the HTTP port, so a taken port stops the start at once.
  const udpHeartbeats = config.failureDetector.udpHeartbeats;
  const heartbeatListener = udpHeartbeats.enabled
    ? await listenForHeartbeats({
        host,
        port: udpHeartbeats.port ?? port,
        logger,
        onDatagram: (datagram) => hub.receiveHeartbeatDatagram(datagram),
      })
    : null;
  const hub = new AgentHub({
    clock,
    logger: logger.child({ component: "hub" }),
    nodes,
    settings: { heartbeatInterval: config.agent.heartbeatInterval, collectInterval: config.agent.collectInterval },
    servicesFor: (node) => servicesFor(config, placementView, node),
    onMessage: (type) => metrics.agentMessage(type),
    onSamplesForm: (form) => metrics.agentSamplesMessages.inc({ form }),
    onReplay: (type) => metrics.agentMessagesReplayed.inc({ type }),
    ...(heartbeatListener && { udpHeartbeatPort: heartbeatListener.port }),
    onHeartbeatDatagram: (result) => metrics.heartbeatDatagram(result),
    ...(leaderTerm && { leaderTerm }),
    ...(o.replica && { replicaUrls: () => o.replica!.replicaUrls() }),
    helloRefusal: (identity, node) => helloRefusal(identity, node, identities),
    onRefused: (node, reason, remote) => {
      journal
        .record("agent.refused", { ...(node !== null && { node }), data: { reason, remote } })
        .catch((err) => logger.error({ err }, "journalling a refused agent failed"));
    },
    // Acks wait for the store's checkpoints: an agent forgets only what a kill -9 cannot take back.
    durability: store,
    ...(shard && {
      // A node another replica owns is redirected there (shard.ts).
      admit: async (hello): Promise<Admission> => shard.admit(hello.node) ?? {},
    }),
    handlers: {
      async hello(node, hello) {
        await onLiveness(await nodes.heartbeat(node));
        await onServiceSnapshot(node, hello.services);
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
      probe: onProbe,
      event: onAgentEvent,
      async disconnected(node) {
        // A node sent to the replica that owns it now is not judged here any more.
        if (shard && !shard.owns(node)) return;
        await onLiveness(await nodes.disconnected(node));
      },
    },
  });
  // ---- a cluster's other replicas: each holds its own nodes' agents and relays here what only the leader acts on ----
  const edges = shard
    ? new EdgeLinks({
        clock,
        logger: logger.child({ component: "edge-links" }),
        key: () => o.replica!.key(),
        leader: () => {
          const term = o.replica!.leaderTerm();
          return term === null ? null : { name: shard.self, term };
        },
        handlers: {
          async nodeHello(node, hello) {
            await nodes.remoteHello(node, hello.agentVersion);
            if (hello.services !== null) await onServiceSnapshot(node, hello.services);
            return servicesFor(config, placementView, node);
          },
          probe: onProbe,
          event: onAgentEvent,
          async liveness(replica, out) {
            nodes.applyRemote(out.verdicts);
            for (const f of out.freeze) {
              if (f.frozen) remoteFreezes.set(replica, f);
              else remoteFreezes.delete(replica);
            }
            // onFreeze journals it, raises ControlPlaneIsolated and tells recovery to look again.
            await onLiveness(out);
          },
          observations: (list) => {
            for (const observation of list) alerts.observe(observation).catch((err) => logger.error({ err }, "a rule alert relayed by a replica failed"));
          },
          linkClosed: (replica) => {
            // A freeze it reported ends with it: its nodes re-home to replicas that judge them.
            if (remoteFreezes.delete(replica)) recovery.pauseChanged();
          },
        },
      })
    : null;
  const agents: AgentChannels = shard && edges ? clusterAgents(shard.self, hub, edges, clock) : hub;
  hubRef.hub = agents;
  // When replicas come or go: nodes this replica no longer owns are sent to their owner, and
  // those it now owns get the re-homing grace before they are judged (NodeRegistry.rebalance).
  const stopRebalancing = shard ? o.replica!.onReplicasChange(rehomeOnReplicasChange({ nodes, hub, shard, logger })) : undefined;
  // ---- chaos: faults carried out by the target's agent, journalled as they happen ----
  const chaos = new ChaosController({
    clock,
    journal,
    cluster: () => ({
      services: new Map(config.services.map((s) => [s.name, { node: nodeOf(s.name), ...(s.limits && { limits: { memory: s.limits.memory, fds: s.limits.fds } }) }])),
      nodes: new Set([...config.services.flatMap((s) => [nodeOf(s.name), ...(s.standby ?? [])]), ...nodes.all().map((n) => n.name), ...agents.connectedNodes()]),
    }),
    send: (node, message) => agents.sendChaos(node, message),
  });
  await chaos.load();
  const prober = new LivenessProber({
    nodes,
    hub: agents,
    probeTimeoutMs: config.failureDetector.probeTimeout,
    logger: logger.child({ component: "liveness" }),
    onOutput: onLiveness,
  });

  // ---- rules: threshold, anomaly and forecast, all level-triggered into the alert manager ----
  const observeRule = (r: RuleObservation): void => {
    alerts.observe(alertObservation(r)).catch((err) => logger.error({ err, rule: r.rule }, "rule alert failed"));
  };
  // Threshold rules are evaluated as samples arrive (the samples handler above) and on the
  // timer, which catches series that went stale and `for` durations that elapse between samples.
  const rules = nodeRules(config, store, clock, observeRule);
  // On a cluster's leader, series queries and PromQL rules read every replica's store.
  const fanout = o.replica ? new SeriesFanout({ local: store, peers: () => o.replica!.peers(), key: () => o.replica!.key() }) : undefined;
  const exprRules = new ExprRuleEvaluator({ rules: rulesOfKind(config.rules, "expr"), source: store, clock, observe: observeRule });
  let exprRulesRunning = false;
  const evaluateExprRules = (): void => {
    if (rulesOfKind(config.rules, "expr").length === 0) return;
    if (!fanout?.hasPeers()) {
      exprRules.evaluate();
      return;
    }
    // Reading the other replicas takes a round trip: one evaluation at a time, the next tick catches up.
    if (exprRulesRunning) return;
    exprRulesRunning = true;
    exprRules
      .evaluateAcross(async (expr, at) => {
        const { value, warnings } = await fanout.readerFor(expr, at, at);
        return { source: value, incomplete: warnings };
      })
      .catch((err) => logger.error({ err }, "rule evaluation failed"))
      .finally(() => (exprRulesRunning = false));
  };
  // PromQL rules (expr:) run as instant queries on the timer, as Prometheus evaluates them.
  const ruleEvaluators = [...rules.periodic, { evaluate: evaluateExprRules }];

  const samplesIn = sampleIngest({ clock, logger, store, metrics, threshold: rules.threshold });
  /** Samples from scrapes and remote-write senders. */
  const ingest = (samples: Sample[]): AppendResult => samplesIn.ingest(columnsOfSamples(samples));

  // ---- Prometheus targets: scraped like agents' collectors; a target that cannot be scraped raises TargetDown ----
  const targetDown = new TargetDownAlerts();
  const observeTargetDown = (o: Parameters<AlertManager["observe"]>[0] | null) => {
    if (o) alerts.observe(o).catch((err) => logger.error({ err }, "TargetDown alert failed"));
  };
  const scrapeIntervals = new Map(config.scrape.map((job) => [job.job, job.interval]));
  const scrapes = new ScrapeManager({
    jobs: config.scrape,
    clock,
    logger: logger.child({ component: "scrape" }),
    append: (samples) => ingest(samples),
    onScraped: (outcome) => {
      metrics.scrapes.inc({ job: outcome.target.job, result: outcome.error === null ? "up" : "down" });
      observeTargetDown(targetDown.scraped(outcome, scrapeIntervals.get(outcome.target.job)!));
    },
    onTargetsRemoved: (targets) => {
      // One job's targets per call.
      for (const o of targetDown.removed(targets, scrapeIntervals.get(targets[0]!.job)!)) observeTargetDown(o);
    },
  });

  // ---- HTTP: every route passes one gate (its declared role), mutating calls are audited, sockets are bounded ----
  const http = Fastify({
    logger: false,
    forceCloseConnections: true,
    bodyLimit: BODY_LIMIT,
    connectionTimeout: SOCKET_TIMEOUTS.connectionMs,
    requestTimeout: SOCKET_TIMEOUTS.requestMs,
    keepAliveTimeout: SOCKET_TIMEOUTS.keepAliveMs,
    ...(tlsOptions && { https: tlsOptions }),
  });
  http.server.headersTimeout = SOCKET_TIMEOUTS.headersMs;
  installErrorHandler(http, logger.child({ component: "http" }));
  const auth = installApiAuth(http, {
    storage,
    clock,
    logger: logger.child({ component: "auth" }),
    mode: config.server.auth.mode,
    sessionTtlMs: config.server.auth.sessionTtl,
    ...(o.failedAuthLimits && { failedAuthLimits: o.failedAuthLimits }),
  });
  await http.register(websocket, { options: { maxPayload: AGENT_MAX_FRAME_BYTES } });
  const startedAt = clock.now();
  const server: VigilServer = {
    url: "",
    startedAt,
    clock,
    config,
    storage,
    journal,
    nodes,
    services,
    identities,
    alerts,
    incidents,
    recovery,
    placements,
    unfence: async (service, node) => {
      const fencedOn = placements.fencedOn(service);
      if (!(await placements.unfence(service, node))) return false;
      await journal.record("service.unfenced", { service, ...(node !== undefined && { node }), data: { nodes: node === undefined ? fencedOn : [node] } });
      for (const n of node === undefined ? fencedOn : [node]) failoverDeps.servicesChanged(n);
      return true;
    },
    store,
    hub,
    agents,
    edges,
    scrapes,
    live,
    chaos,
    metrics,
    http,
    auth,
    routes: () => auth.routes(),
    close: async () => {
      for (const t of timers) t.cancel();
      prober.stop();
      stopRebalancing?.();
      scrapes.stop();
      chaos.stop();
      reconciler.stop();
      announcer.stop();
      recovery.stop();
      // A last checkpoint while the agents are still connected: what it makes durable is
      // acknowledged, so they need not re-send it to the next server.
      await hub.close(() => store.flush());
      await edges?.close();
      await heartbeatListener?.close();
      await alerts.stop();
      await dispatcher.stop();
      await http.close();
      await store.close();
      await storage.close();
      identities.close();
    },
  };
  auditRef.audit = auth.audit;
  registerAgentSocket(http, { hub, identities, policy: authPolicy, clock, logger: logger.child({ component: "agent-auth" }) });
  edges?.register(http);
  registerApiRoutes(http, server);
  registerRecoveryRoutes(http, { storage, recovery, placements, unfence: server.unfence });
  registerAvailabilityRoutes(http, { storage, config, clock, localNode });
  registerAdviceRoutes(http, { storage, config, clock, localNode, activeAlerts: () => alerts.active() });
  registerSilenceRoutes(http, { silences, maintenance, clock });
  // Queries across replicas: the leader's series queries read the other live replicas' stores too,
  // and every replica answers theirs (POST /api/v1/replica/series, with the cluster key).
  registerTsdbRoutes(http, { store, clock, ...(fanout && { fanout }) });
  registerPromqlRoutes(http, { store, clock, ...(fanout && { fanout }) });
  registerReplicaSeriesRoute(http, { store, key: () => o.replica?.key() ?? null });
  registerAlertmanagerRoutes(http, { alerts, clock, notify: config.notify, logger });
  registerChaosRoutes(http, chaos);
  registerGamedayRoutes(http, { journal });
  registerMetricsRoute(http, server);
  registerRemoteWriteRoute(http, { ingest, onRequest: (status) => metrics.remoteWriteRequests.inc({ code: String(status) }) });
  registerScrapeTargetsRoute(http, { targets: () => scrapes.targets() });
  registerTokenRoutes(http, { tokens: storage.tokens, clock });
  registerSessionRoutes(http, { authenticator: auth.authenticator, limiter: auth.limiter, sessionTtlMs: auth.sessionTtlMs, authEnabled: auth.enabled });
  registerAuditRoutes(http, { audit: storage.audit });
  registerDashboardRoutes(http, { storage, store, config, nodes, services, clock });
  registerLiveRoute(http, live);
  registerClusterRoute(http, o.replica ? () => o.replica!.cluster() : () => singleServerStatus(hostname(), server.url, hub.connectedNodes().length));
  registerWebRoutes(http);
  try {
    await http.listen({ host, port });
  } catch (err) {
    await heartbeatListener?.close();
    throw err;
  }
  const address = http.server.address();
  const boundPort = typeof address === "object" && address ? address.port : port;
  server.url = `${tlsOptions ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${boundPort}`;
  if (!externalURL) externalURL = server.url;

  // ---- loops ----
  const timers: TimerHandle[] = [
    ...startNodeWatchLoops({ config, clock, logger, nodes, store, onLiveness, evaluators: ruleEvaluators, forecasts: rules.forecasts }),
    watchRevocations({ identities, hub, clock, logger }),
  ];
  dispatcher.start();
  await announcer.start();
  scrapes.start();
  // Incidents left open by a previous run continue where they stand (level-triggered): the
  // runs that were going resume from the journal, then the incident is reconciled.
  for (const incident of await incidents.load()) {
    if (incident.state === "escalated") continue;
    await recovery.resume(incident);
    await reconciler.reconcile(incident);
  }
  logger.info({ url: server.url, data: o.dataDir ?? config.server.data }, "vigil server listening");
  return server;
}

/**
 * What the node's agent runs: the services placed on it; those it is a standby for
 * (`standby: true`: known, not started until told); and those fenced on it after a
 * failover moved them away (`fenced: true`: stopped and kept from starting).
 */
export function servicesFor(
  config: VigilConfig,
  placement: { nodeOf(service: string): string | undefined; isFenced?(service: string, node: string): boolean },
  node: string,
): AgentService[] {
  return config.services.flatMap((s) => {
    if (placement.nodeOf(s.name) === node) return [toAgentService(s)];
    const fenced = placement.isFenced?.(s.name, node) === true;
    const standby = s.standby?.includes(node) === true;
    if (!fenced && !standby) return [];
    return [{ ...toAgentService(s), ...(standby && { standby: true }), ...(fenced && { fenced: true }) }];
  });
}

export function toAgentService(s: VigilConfig["services"][number]): AgentService {
  return {
    name: s.name,
    ...(s.run && { run: s.run }),
    ...(s.pidfile !== undefined && { pidfile: s.pidfile }),
    ...(s.health && { health: s.health }),
    ...(s.promote !== undefined && { promote: s.promote }),
    ...(s.restore !== undefined && { restore: s.restore }),
    ...(s.cleanup !== undefined && { cleanup: s.cleanup }),
    ...(s.commands !== undefined && { commands: s.commands }),
    ...(s.commandTimeout !== undefined && { commandTimeout: s.commandTimeout }),
    ...(s.snapshot && { snapshot: s.snapshot }),
    ...(s.proxy && { proxy: s.proxy }),
  };
}

/** Recovery attempts of the last limits window per service, so limits hold across restarts. */
async function attemptHistory(storage: Storage, config: VigilConfig, now: number): Promise<Map<string, number[]>> {
  const windowMs = Math.max(600_000, ...Object.values(config.playbooks).map((p) => p.limits.within));
  const history = new Map<string, number[]>();
  for (const e of await storage.listEvents({ kinds: ["recovery.attempt"], since: now - windowMs, limit: 100_000 })) {
    if (!e.service) continue;
    history.set(e.service, [...(history.get(e.service) ?? []), e.ts]);
  }
  return history;
}
