// The agent's composition root: collectors, probes, the supervisor and the snapshot
// schedule produce samples, health transitions and events; everything worth keeping goes
// through the disk outbox to the server, which acknowledges it; actions from the server go
// to the executor; welcome and services messages set which services the agent runs.
import { join } from "node:path";
import type { SecureContextOptions } from "node:tls";
import {
  PROTOCOL_VERSION,
  type ActionMessage,
  type AgentService,
  type AgentSettings,
  type Hello,
  type Sample,
  type ServiceSnapshot,
  type UnsequencedMessage,
  type Welcome,
} from "../protocol/messages.js";
import { systemClock, type Clock, type TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { ActionExecutor, type ActionOutcome } from "./action-executor.js";
import { readCredential, writeCredential } from "./credential-file.js";
import { LeaderTermFence } from "./leader-term-fence.js";
import { readOnlyView } from "./read-only.js";
import { collectAll, createHostCollectors } from "./collectors/index.js";
import type { Collector } from "./collectors/collector.js";
import { Outbox } from "./outbox.js";
import { probePeer } from "./peer-prober.js";
import { ProbeListener } from "./probe-listener.js";
import { ProbeRunner } from "./probe-runner.js";
import { createProbe, type HealthCheck } from "./probes/index.js";
import { ServerConnection, type AgentBoundMessage } from "./server-connection.js";
import { configuredServers } from "./server-list.js";
import { HeartbeatRoute, MAX_UNCONFIRMED } from "./heartbeat-route.js";
import { UdpHeartbeatSender } from "./udp-heartbeat-sender.js";
import { SnapshotStore } from "./snapshot-store.js";
import { Snapshots } from "./snapshots.js";
import { Supervisor } from "./supervisor.js";
import { ChaosInjector } from "../chaos/chaos-injector.js";
import { ServiceProxies } from "../chaos/proxy/service-proxies.js";

export const AGENT_VERSION = "0.1.0";

export interface AgentOptions {
  /**
   * The server, or the server replicas' URLs in the order to try them (http(s):// base URLs
   * or ws(s):// agent websocket URLs); the welcome may add more (server-list.ts).
   */
  server: string | readonly string[];
  node: string;
  dataDir: string;
  outboxMaxMessages?: number;
  clock?: Clock;
  logger: Logger;
  /** procfs root for the collectors (tests). */
  procRoot?: string;
  /** HOST:PORT of the probe listener peers and the server connect to; default 0.0.0.0:0 (any free port). */
  probeListen?: string;
  /** CA, client certificate and key for an https:// server. */
  tls?: SecureContextOptions;
  /** Allow a plain http:// server that is not on loopback (`--insecure`). */
  insecure?: boolean;
  /** The credential to authenticate with; default: the one stored in the data directory. */
  credential?: string;
  /** A one-time enrollment token, spent on the first connect when no credential is stored yet. */
  enrollToken?: string;
  /** Collect and probe, never act: no supervised processes, every action refused. */
  readOnly?: boolean;
}

/** Services supervised but without a health check are watched by their process being alive. */
/** How many recent actions' outcomes the agent remembers by id (for re-sent actions). */
const RECENT_ACTIONS = 256;

const IMPLICIT_PROCESS_CHECK: HealthCheck = { process: true, interval: 1000, timeout: 1000, failures: 1, successes: 1, startPeriod: 0 };

export class Agent {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly outbox: Outbox;
  private readonly supervisor: Supervisor;
  private readonly snapshots: Snapshots;
  private readonly executor: ActionExecutor;
  private readonly collectors: Collector[];
  private readonly connection: ServerConnection;
  private readonly probeListener = new ProbeListener();
  private readonly proxies: ServiceProxies;
  private readonly chaos: ChaosInjector;
  /** Processes charged to a service besides its own: chaos stressors. */
  private readonly helpers = new Map<string, Set<number>>();
  private probeAddress: string | null = null;
  private services = new Map<string, AgentService>();
  private recentActions = new Map<string, Promise<ActionOutcome>>();
  private probes = new Map<string, { runner: ProbeRunner; check: string }>();
  private probeSamples: Sample[] = [];
  private settings: AgentSettings = { heartbeatInterval: 500, collectInterval: 1000 };
  private timers: TimerHandle[] = [];
  /** Live sending starts after welcome, once the backlog has been re-sent in order. */
  private ready = false;
  /** The collection in progress, awaited by stop() so that it does not write to a closed outbox. */
  private collecting: Promise<void> | null = null;
  private credential: string | null;
  /** The highest leader term seen: actions of a deposed leader are refused. */
  private readonly leaderTerms: LeaderTermFence;
  /** Which way heartbeats go on this connection, and the UDP sender when datagrams are offered. */
  private readonly heartbeatRoute = new HeartbeatRoute();
  private udpSender: UdpHeartbeatSender | null = null;
  /** Counts welcomes and closes: a sender opened for an earlier connection is not used. */
  private connectionGeneration = 0;

  constructor(private readonly o: AgentOptions) {
    // Refused before anything is created on disk: every URL, the error naming the bad one.
    const serverUrls = typeof o.server === "string" ? [o.server] : [...o.server];
    configuredServers(serverUrls, o.insecure === true);
    this.clock = o.clock ?? systemClock;
    this.logger = o.logger.child({ component: "agent", node: o.node });
    this.credential = o.credential ?? readCredential(o.dataDir);
    this.leaderTerms = new LeaderTermFence(o.dataDir);
    this.outbox = Outbox.open({
      dir: o.dataDir,
      maxMessages: o.outboxMaxMessages ?? 100_000,
      logger: this.logger,
      clock: this.clock,
      onDrop: (dropped) => this.enqueue({ type: "event", v: PROTOCOL_VERSION, kind: "outbox.dropped", ts: this.clock.now(), data: { dropped, droppedTotal: this.outbox.droppedTotal } }),
    });
    this.supervisor = new Supervisor({ logDir: join(o.dataDir, "logs"), runDir: join(o.dataDir, "run"), clock: this.clock, logger: this.logger });
    this.snapshots = new Snapshots({
      store: new SnapshotStore(join(o.dataDir, "snapshots")),
      clock: this.clock,
      logger: this.logger,
      onEvent: (e) => this.enqueue({ type: "event", v: PROTOCOL_VERSION, kind: e.kind, service: e.service, ts: this.clock.now(), data: e.data }),
    });
    this.executor = new ActionExecutor(this.supervisor, () => this.services, this.snapshots, { readOnly: o.readOnly === true });
    this.collectors = createHostCollectors({
      ...(o.procRoot !== undefined && { procRoot: o.procRoot }),
      services: () => this.supervisor.running().map((r) => ({ ...r, helpers: [...(this.helpers.get(r.service) ?? [])] })),
    });
    this.proxies = new ServiceProxies(this.logger);
    this.chaos = new ChaosInjector({
      dataDir: o.dataDir,
      clock: this.clock,
      logger: this.logger.child({ component: "chaos" }),
      context: {
        clock: this.clock,
        logger: this.logger.child({ component: "chaos" }),
        dataDir: o.dataDir,
        services: () => this.services,
        pidOf: (service) => this.supervisor.pidOf(service),
        failNextStarts: (service, starts) => this.supervisor.failNextStarts(service, starts),
        attachHelper: (service, pid) => this.helpers.set(service, new Set([...(this.helpers.get(service) ?? []), pid])),
        detachHelper: (service, pid) => void this.helpers.get(service)?.delete(pid),
        proxies: this.proxies,
      },
      report: (kind, service, data) =>
        this.enqueue({ type: "event", v: PROTOCOL_VERSION, kind, ...(service !== undefined && { service }), ts: this.clock.now(), data }),
    });
    this.connection = new ServerConnection({
      urls: serverUrls,
      clock: this.clock,
      logger: this.logger,
      hello: () => this.hello(),
      onMessage: (m) => this.onServerMessage(m),
      onClose: () => {
        this.ready = false;
        this.useHeartbeatDatagrams(undefined);
      },
      ...(o.tls && { tls: o.tls }),
      ...(o.insecure && { insecure: true }),
      authorization: () => {
        const secret = this.credential ?? o.enrollToken ?? null;
        return secret === null ? null : `Bearer ${secret}`;
      },
    });
    const plain = serverUrls.filter((url) => /^(http|ws):/.test(url));
    if (o.insecure && plain.length > 0) this.logger.warn({ servers: plain }, "--insecure: connecting to the server in plain text; its traffic and this agent's credential can be read and changed on the way");
    this.wireSupervisor();
  }

  async start(): Promise<void> {
    this.probeAddress = await this.probeListener.listen(this.o.probeListen ?? "0.0.0.0:0");
    // Faults a killed predecessor left in place are undone before anything else runs.
    await this.chaos.revertLeftovers();
    this.connection.start();
    this.scheduleTimers();
  }

  /** Stops the agent; supervised services are stopped too unless `keepServices`. */
  async stop(options: { keepServices?: boolean } = {}): Promise<void> {
    for (const t of this.timers) t.cancel();
    for (const { runner } of this.probes.values()) runner.stop();
    await this.chaos.revertAll();
    await this.proxies.closeAll();
    await this.snapshots.stop();
    await this.collecting;
    if (!options.keepServices) await this.supervisor.stopAll();
    await this.connection.stop();
    this.useHeartbeatDatagrams(undefined);
    await this.probeListener.close();
    this.outbox.close();
  }

  get outboxId(): string {
    return this.outbox.outboxId;
  }

  pendingMessages(): number {
    return this.outbox.size();
  }

  // ---- server messages ----

  private onServerMessage(m: AgentBoundMessage): void {
    switch (m.type) {
      case "welcome":
        return void this.onWelcome(m).catch((err) => this.logger.error({ err }, "applying welcome failed"));
      case "services":
        return void this.applyServices(m.services)
          .then(() => this.logger.info({ services: m.services.length }, "service list updated by server"))
          .catch((err) => this.logger.error({ err }, "applying services failed"));
      case "ack":
        return this.outbox.ack(m.seq);
      case "action":
        return void this.onAction(m);
      case "indirect-probe":
        return void probePeer(m).then((result) => this.connection.send(result));
      case "chaos.start":
        return void this.chaos.start(m.injection);
      case "chaos.stop":
        return void this.chaos.stop(m.id);
      case "heartbeat-path":
        if (m.via === "websocket") this.logger.warn("the server stopped receiving this agent's UDP heartbeats; they go over the websocket for this connection");
        return this.heartbeatRoute.serverCounts(m.via);
      case "error":
        return void this.logger.warn({ error: m.error }, "server reported an error");
    }
  }

  private async onWelcome(w: Welcome): Promise<void> {
    if (w.credential !== undefined) this.storeCredential(w.credential);
    this.outbox.ack(w.ackedSeq);
    const timingChanged =
      w.settings.heartbeatInterval !== this.settings.heartbeatInterval || w.settings.collectInterval !== this.settings.collectInterval;
    this.settings = w.settings;
    if (timingChanged) this.scheduleTimers();
    // Re-send the backlog in order before anything new goes out live.
    for (const m of this.outbox.pending(w.ackedSeq)) this.connection.send(m);
    this.ready = true;
    this.useHeartbeatDatagrams(w.udpHeartbeats);
    await this.applyServices(w.services);
    this.logger.info({ services: w.services.length, backlog: this.outbox.size() }, "welcomed by server");
  }

  /**
   * Heartbeats go over the websocket until a UDP sender for the offered channel is ready;
   * then both ways until the server confirms (heartbeat-route.ts). No offer: websocket only.
   */
  private useHeartbeatDatagrams(offer: Welcome["udpHeartbeats"]): void {
    const generation = ++this.connectionGeneration;
    this.udpSender?.close();
    this.udpSender = null;
    this.heartbeatRoute.welcomed(false);
    if (!offer) return;
    // To the host of the server that welcomed this connection, which may be any replica.
    UdpHeartbeatSender.open(this.connection.currentServer().base, offer).then(
      (sender) => {
        if (generation !== this.connectionGeneration) return sender.close();
        this.udpSender = sender;
        this.heartbeatRoute.welcomed(true);
      },
      (err) => this.logger.warn({ err, port: offer.port }, "cannot send UDP heartbeats to the server; they go over the websocket"),
    );
  }

  private sendHeartbeat(): void {
    const way = this.heartbeatRoute.next();
    if (way.gaveUp) {
      this.logger.warn(
        { sent: MAX_UNCONFIRMED, sendErrors: this.udpSender?.sendErrors },
        "the server confirmed none of this agent's UDP heartbeats (is the UDP port blocked on the way?); they go over the websocket for this connection",
      );
    }
    if (way.websocket) this.connection.send({ type: "heartbeat", v: PROTOCOL_VERSION, ts: this.clock.now() });
    if (way.udp) this.udpSender?.send();
  }

  /** The enrollment token was spent for this credential: keep it (0600) for every later connect. */
  private storeCredential(credential: string): void {
    this.credential = credential;
    try {
      writeCredential(this.o.dataDir, credential);
      this.logger.info("enrolled: credential stored in the data directory");
    } catch (err) {
      this.logger.error({ err }, "cannot store the credential the server issued; this agent must be enrolled again after a restart");
    }
  }

  /**
   * Makes the agent run `services` (level-triggered): the supervisor starts, stops and
   * fences processes; probes and snapshots follow what runs (none for an idle standby or a
   * fenced service).
   */
  private async applyServices(received: AgentService[]): Promise<void> {
    const services = this.o.readOnly ? received.map(readOnlyView) : received;
    this.services = new Map(services.map((s) => [s.name, s]));
    // Probes of what is about to stop go first, so its stopping is not reported as a failure.
    for (const [name, { runner }] of this.probes) {
      const next = this.services.get(name);
      if (next && !next.fenced) continue;
      runner.stop();
      this.probes.delete(name);
    }
    await this.supervisor.reconcile(services);
    await this.proxies.reconcile(services);
    this.followActiveServices();
  }

  private followActiveServices(): void {
    this.reconcileProbes();
    this.snapshots.reconcile([...this.services.values()].filter((s) => !this.supervisor.isDormant(s.name)));
  }

  private async onAction(m: ActionMessage): Promise<void> {
    // A repeated id is a resumed playbook asking again for a result it never saw: answer
    // it from memory instead of acting twice.
    let execution = this.recentActions.get(m.actionId);
    if (!execution) {
      const verdict = this.leaderTerms.admit(m.term);
      execution = verdict.admitted ? this.executor.execute(m) : Promise.resolve({ ok: false, refused: true, error: verdict.error, data: { term: m.term } });
      this.recentActions.set(m.actionId, execution);
      if (this.recentActions.size > RECENT_ACTIONS) this.recentActions.delete(this.recentActions.keys().next().value!);
    }
    const outcome = await execution;
    // A start may have activated a standby: it is probed and snapshotted from now on.
    if (outcome.ok) this.followActiveServices();
    if (outcome.refused) {
      this.logger.warn({ action: m.action, service: m.service, error: outcome.error }, "action refused");
      this.enqueue({
        type: "event",
        v: PROTOCOL_VERSION,
        kind: "action.refused",
        service: m.service,
        ts: this.clock.now(),
        data: { action: m.action, ...(m.command !== undefined && { command: m.command }), error: outcome.error },
      });
    }
    this.enqueue({
      type: "action.result",
      v: PROTOCOL_VERSION,
      actionId: m.actionId,
      service: m.service,
      action: m.action,
      ok: outcome.ok,
      ...(outcome.error !== undefined && { error: outcome.error }),
      ts: this.clock.now(),
      data: outcome.data,
    });
  }

  // ---- what the agent reports ----

  private enqueue(message: UnsequencedMessage): void {
    const sequenced = this.outbox.append(message);
    if (this.ready) this.connection.send(sequenced);
  }

  private hello(): Hello {
    return {
      type: "hello",
      v: PROTOCOL_VERSION,
      node: this.o.node,
      agentVersion: AGENT_VERSION,
      outboxId: this.outbox.outboxId,
      pid: process.pid,
      ts: this.clock.now(),
      services: this.snapshot(),
      ...(this.probeAddress !== null && { probeAddress: this.probeAddress }),
    };
  }

  private snapshot(): ServiceSnapshot[] {
    return [...this.services.values()].map((s) => {
      const probe = this.probes.get(s.name)?.runner.snapshot() ?? { health: "unknown" as const, since: this.clock.now() };
      const pid = this.supervisor.pidOf(s.name);
      return { name: s.name, health: probe.health, since: probe.since, running: pid !== null, ...(pid !== null && { pid }) };
    });
  }

  private wireSupervisor(): void {
    const event = (kind: "process.started" | "process.exited" | "process.adopted", service: string, ts: number, data: Record<string, unknown>) =>
      this.enqueue({ type: "event", v: PROTOCOL_VERSION, kind, service, ts, data });
    this.supervisor.on("started", (e) => {
      // A new process starts with a clean slate: its health is unknown until probed.
      this.probes.get(e.service)?.runner.reset();
      event("process.started", e.service, e.ts, { pid: e.pid });
    });
    this.supervisor.on("adopted", (e) => event("process.adopted", e.service, e.ts, { pid: e.pid, from: e.from }));
    this.supervisor.on("exited", (e) =>
      event("process.exited", e.service, e.ts, {
        pid: e.pid,
        code: e.code,
        signal: e.signal,
        expected: e.expected,
        ...(e.error !== undefined && { error: e.error }),
      }),
    );
  }

  private reconcileProbes(): void {
    for (const [name, { runner }] of this.probes) {
      if (!this.services.has(name)) {
        runner.stop();
        this.probes.delete(name);
      }
    }
    for (const service of this.services.values()) {
      if (this.supervisor.isDormant(service.name)) {
        this.probes.get(service.name)?.runner.stop();
        this.probes.delete(service.name);
        continue;
      }
      const check = service.health ?? (service.run || service.pidfile ? IMPLICIT_PROCESS_CHECK : null);
      const existing = this.probes.get(service.name);
      if (existing && existing.check === JSON.stringify(check)) continue;
      existing?.runner.stop();
      this.probes.delete(service.name);
      if (!check) continue;
      const runner = new ProbeRunner({
        service: service.name,
        probe: createProbe(check, () => this.supervisor.pidOf(service.name)),
        interval: check.interval,
        timeout: check.timeout,
        failures: check.failures,
        successes: check.successes,
        startPeriod: check.startPeriod,
        clock: this.clock,
        logger: this.logger,
        onResult: (name, result, ts) => {
          const labels = { node: this.o.node, service: name };
          this.probeSamples.push(
            { name: "service_up", labels, ts, value: result.ok ? 1 : 0 },
            { name: "service_probe_duration_seconds", labels, ts, value: result.latencyMs / 1000 },
          );
        },
        onTransition: (t) =>
          this.enqueue({ type: "probe", v: PROTOCOL_VERSION, service: t.service, health: t.health, ts: t.ts, since: t.since, detail: t.detail }),
      });
      this.probes.set(service.name, { runner, check: JSON.stringify(check) });
      runner.start();
    }
  }

  // ---- timers ----

  private scheduleTimers(): void {
    for (const t of this.timers) t.cancel();
    this.timers = [
      this.clock.setInterval(() => {
        if (this.ready) this.sendHeartbeat();
      }, this.settings.heartbeatInterval),
      this.clock.setInterval(() => void this.collect(), this.settings.collectInterval),
    ];
  }

  private async collect(): Promise<void> {
    if (this.collecting) return;
    this.collecting = this.collectOnce().finally(() => (this.collecting = null));
    await this.collecting;
  }

  private async collectOnce(): Promise<void> {
    const now = this.clock.now();
    const samples = await collectAll(this.collectors, { now, node: this.o.node }, (collector, err) =>
      this.logger.warn({ err, collector }, "collector failed"),
    );
    const labels = { node: this.o.node };
    samples.push(
      { name: "vigil_agent_outbox_messages", labels, ts: now, value: this.outbox.size() },
      { name: "vigil_agent_outbox_dropped_total", labels, ts: now, value: this.outbox.droppedTotal },
      ...this.probeSamples.splice(0),
    );
    this.enqueue({ type: "samples", v: PROTOCOL_VERSION, samples });
  }
}
