// The server's side of the agent protocol: one websocket per agent. Validates every
// frame — JSON text frames, and binary samples frames (src/protocol/samples-frame.ts),
// whose series table is cached per connection — processes outbox messages in order and
// once per (node, seq), acknowledges them
// only once they are durable (their samples checkpointed by the series store: acks are
// cumulative, so a message without samples waits for the samples before it), and carries
// actions to agents and their results back.
import { randomUUID } from "node:crypto";
import type { WebSocket } from "ws";
import {
  PROTOCOL_VERSION,
  isHeartbeatFrame,
  parseAgentMessage,
  type ActionKind,
  type ActionResultMessage,
  type AgentService,
  type AgentSettings,
  type EventMessage,
  type Hello,
  type IndirectProbeResult,
  type OutboxMessage,
  type ProbeMessage,
  type RedirectMessage,
  type ServerMessage,
  type ChaosStartMessage,
  type ChaosStopMessage,
  type Welcome,
} from "../protocol/messages.js";
import { filterColumns, samplesColumnsMessage, type SampleColumns, type SamplesColumnsMessage } from "../protocol/sample-columns.js";
import { SAMPLES_FRAME_LAYOUT, SeriesTableCache, decodeSamplesFrame } from "../protocol/samples-frame.js";
import type { NodeRegistry } from "../detect/node-registry.js";
import type { AgentIdentity } from "../security/agent-authenticator.js";
import { DurableAckTracker } from "../tsdb/durable-acks.js";
import type { DurableSeriesStore } from "../tsdb/series-store.js";
import type { ActionOutcome } from "../recover/orchestrator.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { PendingReplies } from "../util/pending-replies.js";
import { frameBytes } from "../util/ws-frame.js";
import { outboxDisposition } from "./outbox-dedup.js";
import { UdpHeartbeatSessions, type DatagramRejection } from "./udp-heartbeat-sessions.js";

/** How long close() waits for the agent messages being processed. */
const CLOSE_DRAIN_MS = 5_000;
/** A connection that has not said hello within this long is closed. */
export const HELLO_TIMEOUT_MS = 5_000;
/** A connection whose heartbeat datagrams stop for this many intervals goes back to websocket heartbeats. */
export const UDP_SILENCE_INTERVALS = 4;
/** Close codes the agent logs with their reason. */
export const CLOSE_HELLO_TIMEOUT = 4408;
export const CLOSE_REFUSED = 4403;
/** A replica that no longer leads sends its agents on (1012, "service restart": come back, elsewhere). */
export const CLOSE_NOT_LEADER = 1012;

export interface AgentHandlers {
  hello(node: string, hello: Hello): Promise<void>;
  /** Synchronous when the heartbeat changes nothing (no promise per heartbeat). */
  heartbeat(node: string): void | Promise<void>;
  /**
   * Appends the message's samples (as columns, whichever form the message came in; those
   * labelled with another node already left out). `replay`: a re-sent message processed
   * before (see outbox-dedup.ts); the store already has some or all of its samples, which is expected.
   */
  samples(node: string, m: SamplesColumnsMessage, replay: boolean): Promise<void>;
  probe(node: string, m: ProbeMessage): Promise<void>;
  event(node: string, m: EventMessage): Promise<void>;
  disconnected(node: string): Promise<void>;
}

export interface AgentHubOptions {
  clock: Clock;
  logger: Logger;
  nodes: NodeRegistry;
  handlers: AgentHandlers;
  /** The series store's append → durable generations: what may be acknowledged when. */
  durability: Pick<DurableSeriesStore, "appendGeneration" | "durableGeneration" | "onDurable">;
  servicesFor(node: string): AgentService[];
  settings: AgentSettings;
  /** How long to wait for an action's result before calling it failed. */
  actionTimeoutMs?: number;
  onMessage?(type: string, valid: boolean): void;
  /** A valid samples message arrived in this form: a binary frame, or JSON (an older agent). */
  onSamplesForm?(form: "binary" | "json"): void;
  /**
   * Why this connection may not speak for the node its hello names (another node's
   * credential or certificate, a revoked node), or null; asked once per hello.
   */
  helloRefusal?(identity: AgentIdentity, node: string): string | null;
  /** A connection refused or closed for what it is or said (logged and journalled by the server). */
  onRefused?(node: string | null, reason: string, remoteAddress: string | null): void;
  /** A re-sent message that was processed before (its samples re-appended, nothing else done). */
  onReplay?(type: string): void;
  /**
   * The UDP port heartbeat datagrams are received on (udp-heartbeat-listener.ts), offered to
   * every agent in its welcome; absent: heartbeats come over the websocket only.
   */
  udpHeartbeatPort?: number;
  /** What became of one heartbeat datagram. */
  onHeartbeatDatagram?(result: "counted" | DatagramRejection): void;
  /**
   * On a replica of a cluster: the leader term actions carry (agents refuse one lower than
   * the highest they have seen), or null once this replica may no longer act as leader —
   * then no action is sent. Absent on a single server: actions carry no term.
   */
  leaderTerm?(): number | null;
  /** On a replica of a cluster: the live replicas' base URLs, offered in every welcome (agents fail over to them). */
  replicaUrls?(): string[];
  /**
   * On a replica of a sharded cluster, asked before a hello is welcomed: a redirect when
   * another replica owns the node (the agent goes there), or the services to welcome it
   * with (when the leader tells them; absent: servicesFor()). Throwing refuses the hello for
   * now (close 1013: the agent tries again).
   */
  admit?(hello: Hello): Promise<Admission>;
  /**
   * Close a connection whose message failed to process, so that nothing after it is
   * processed and the agent re-sends from its last acknowledgement (an edge whose link to
   * the leader failed). Default: the failure is logged and the next message processed.
   */
  closeOnFailure?: boolean;
}

export type Admission = { redirect: RedirectMessage } | { services?: AgentService[] };

/** "Try again later": a hello that cannot be admitted now (an edge without its leader). */
export const CLOSE_TRY_AGAIN_LATER = 1013;

interface AgentSession {
  node: string | null;
  socket: WebSocket;
  /** Where the node's probe listener can be reached (from hello; see probeAddressOf). */
  probeAddress: string | null;
  /** Outbox messages are processed strictly in order, one at a time. */
  queue: Promise<void>;
  /** Processed messages waiting for their samples to become durable before the ack. */
  acks: DurableAckTracker;
  /** A newer connection of the same node took over: frames still arriving here are ignored. */
  replaced: boolean;
  /** Re-sent messages processed before (logged once per connection). */
  replayed: number;
  /** Who the upgrade authenticated (null: no authentication was asked for). */
  identity: AgentIdentity | null;
  helloTimer: TimerHandle | null;
  /** Samples naming another node, dropped (logged once per connection). */
  foreignSamples: number;
  /** This connection's heartbeat datagram session (see udp-heartbeat-sessions.ts), once welcomed. */
  heartbeatSession: number | null;
  /** The series table of this connection's last binary samples frame, decoded. */
  seriesTables: SeriesTableCache;
  /** A message failed and closeOnFailure is set: nothing more of this connection is processed. */
  failed: boolean;
}

/** An outbox message as the hub processes it: samples as columns. */
type HubOutboxMessage = Exclude<OutboxMessage, { type: "samples" }> | SamplesColumnsMessage;

export class AgentHub {
  private sessions = new Map<string, AgentSession>();
  /** Actions and indirect probes sent, by id, waiting for their node's answer. */
  private readonly actions: PendingReplies<ActionOutcome>;
  private readonly probes: PendingReplies<IndirectProbeResult | null>;
  private remoteAddresses = new WeakMap<AgentSession, string | null>();
  /** Probe addresses of nodes seen since the server started, also while they are disconnected. */
  private lastProbeAddress = new Map<string, string>();
  /** Each node's latest connection, kept after it closes until the next one takes over. */
  private lastSession = new Map<string, AgentSession>();
  /** Writes of acknowledged seqs to the node registry, in order. */
  private ackWrites: Promise<void> = Promise.resolve();
  private closing = false;
  private readonly stopDurableListener: () => void;
  private readonly heartbeatSessions = new UdpHeartbeatSessions();
  /** By heartbeat session id: the connection it belongs to. */
  private readonly byHeartbeatSession = new Map<number, AgentSession>();
  private readonly udpSilenceCheck: TimerHandle | null;

  constructor(private readonly o: AgentHubOptions) {
    this.actions = new PendingReplies(o.clock);
    this.probes = new PendingReplies(o.clock);
    this.stopDurableListener = o.durability.onDurable((generation) => this.onDurable(generation));
    this.udpSilenceCheck =
      o.udpHeartbeatPort === undefined ? null : o.clock.setInterval(() => this.checkUdpSilence(), o.settings.heartbeatInterval);
  }

  connectedNodes(): string[] {
    return [...this.sessions.keys()];
  }

  isConnected(node: string): boolean {
    return this.sessions.has(node);
  }

  /**
   * Sends the node's agent to the replica that owns it now (a `redirect`, then close); its
   * close goes the usual way (disconnected). False when it is not connected.
   */
  moveAway(node: string, redirect: RedirectMessage): boolean {
    const session = this.sessions.get(node);
    if (!session) return false;
    this.redirect(session, redirect, "the node moved to another replica");
    return true;
  }

  /** Closes the node's connection (a revoked agent), saying why; false when it is not connected. */
  disconnect(node: string, reason: string): boolean {
    const session = this.sessions.get(node);
    if (!session) return false;
    this.refuse(session, node, reason, CLOSE_REFUSED);
    return true;
  }

  /** Serves one agent websocket until it closes. */
  /** The probe listener address a node's agent announced, while it is connected or since. */
  probeAddressOf(node: string): string | null {
    return this.sessions.get(node)?.probeAddress ?? this.lastProbeAddress.get(node) ?? null;
  }

  /**
   * Asks the agent of `via` to connect to `target`'s probe listener; resolves with its
   * answer, or null when `via` is not connected or does not answer in time (silence is
   * not evidence either way).
   */
  indirectProbe(via: string, target: string, address: string, timeoutMs: number): Promise<IndirectProbeResult | null> {
    const session = this.sessions.get(via);
    if (!session) return Promise.resolve(null);
    const requestId = randomUUID();
    const answer = this.probes.wait(requestId, via, timeoutMs + 500, () => null);
    this.send(session, { type: "indirect-probe", v: PROTOCOL_VERSION, requestId, target, address, timeoutMs });
    return answer;
  }

  accept(socket: WebSocket, remoteAddress?: string, identity: AgentIdentity | null = null): void {
    const session: AgentSession = {
      node: null,
      socket,
      probeAddress: null,
      queue: Promise.resolve(),
      acks: new DurableAckTracker(),
      replaced: false,
      replayed: 0,
      identity,
      helloTimer: null,
      foreignSamples: 0,
      heartbeatSession: null,
      seriesTables: new SeriesTableCache(),
      failed: false,
    };
    session.helloTimer = this.o.clock.setTimeout(() => {
      if (session.node !== null || this.closing) return;
      this.refuse(session, null, `no hello within ${HELLO_TIMEOUT_MS}ms`, CLOSE_HELLO_TIMEOUT);
    }, HELLO_TIMEOUT_MS);
    this.remoteAddresses.set(session, remoteAddress ?? null);
    socket.on("message", (data, isBinary) => (isBinary ? this.onBinaryFrame(session, frameBytes(data)) : this.onFrame(session, frameBytes(data))));
    socket.on("close", () => this.onClose(session));
    socket.on("error", (err) => this.o.logger.warn({ err, node: session.node }, "agent socket error"));
  }

  /**
   * Sends an action to the agent running the service's node and waits for its result.
   * `command` names the declared command of an `exec` action; `actionId` (default: a new
   * one) lets a resumed playbook re-send an action whose result it never saw — the agent
   * answers a repeated id from memory instead of acting twice.
   */
  sendAction(
    node: string,
    service: string,
    action: ActionKind,
    reason: string,
    options: { command?: string; actionId?: string; term?: number } = {},
  ): Promise<ActionOutcome> {
    // An edge carries the leader's action with the leader's term.
    const term = options.term ?? this.o.leaderTerm?.();
    if (term === null) return Promise.resolve({ ok: false, error: "this replica no longer holds the leader lease: action not sent" });
    const session = this.sessions.get(node);
    if (!session) return Promise.resolve({ ok: false, error: `node ${node} is not connected` });
    const { command } = options;
    const actionId = options.actionId ?? randomUUID();
    const timeoutMs = this.o.actionTimeoutMs ?? 60_000;
    const outcome = this.actions.wait(actionId, node, timeoutMs, () => ({ ok: false, error: `no result from node ${node} within ${timeoutMs}ms` }));
    this.send(session, { type: "action", v: PROTOCOL_VERSION, actionId, action, service, reason, ...(command !== undefined && { command }), ...(term !== undefined && { term }) });
    return outcome;
  }

  /** Sends a chaos message (start or stop a fault) to a connected agent; false when it is not connected. */
  sendChaos(node: string, message: ChaosStartMessage | ChaosStopMessage): boolean {
    const session = this.sessions.get(node);
    if (!session || session.socket.readyState !== session.socket.OPEN) return false;
    this.send(session, message);
    return true;
  }

  /**
   * Replaces a connected agent's service list (fencing, unfencing, handing a service to a
   * standby); false when the node is not connected: its next welcome carries servicesFor().
   */
  updateServices(node: string, services: AgentService[]): boolean {
    const session = this.sessions.get(node);
    if (!session || session.socket.readyState !== session.socket.OPEN) return false;
    this.send(session, { type: "services", v: PROTOCOL_VERSION, services });
    return true;
  }

  /**
   * Stops taking agent messages, lets the ones being processed finish, runs `flush` (a store
   * checkpoint: its durability notification acknowledges what it made durable, so agents
   * need not re-send it), then closes every connection. Messages arriving meanwhile are left
   * unprocessed: the agents re-send them to the next server.
   */
  async close(flush?: () => Promise<void>): Promise<void> {
    this.closing = true;
    this.udpSilenceCheck?.cancel();
    // A message stuck in a handler must not stop the shutdown: it was not acknowledged, so
    // its agent re-sends it.
    let timer: TimerHandle | undefined;
    const drained = await Promise.race([
      Promise.all([...this.lastSession.values()].map((s) => s.queue)).then(() => true),
      new Promise<false>((resolve) => (timer = this.o.clock.setTimeout(() => resolve(false), CLOSE_DRAIN_MS))),
    ]);
    timer?.cancel();
    if (!drained) this.o.logger.warn({ waitedMs: CLOSE_DRAIN_MS }, "agent messages still being processed at shutdown; closing anyway");
    if (flush) {
      try {
        await flush();
      } catch (err) {
        this.o.logger.warn({ err }, "last checkpoint before shutdown failed; agents will re-send what is not acknowledged");
      }
    }
    this.stopDurableListener();
    await this.ackWrites;
    for (const s of this.sessions.values()) s.socket.close(1001, "server shutting down");
    this.actions.settleAll({ ok: false, error: "server shutting down" });
    this.probes.settleAll(null);
  }

  private onFrame(session: AgentSession, frame: Buffer): void {
    if (this.closing || session.replaced || this.deposed(session)) return;
    if (session.node !== null && isHeartbeatFrame(frame)) {
      this.onWebsocketHeartbeat(session, session.node);
      return;
    }
    const parsed = parseAgentMessage(frame.toString());
    if (!parsed.ok) {
      this.o.onMessage?.("invalid", false);
      this.o.logger.warn({ node: session.node, error: parsed.error }, "invalid agent message");
      this.send(session, { type: "error", v: PROTOCOL_VERSION, error: parsed.error });
      return;
    }
    const message = parsed.message;
    this.o.onMessage?.(message.type, true);
    if (message.type === "samples") this.o.onSamplesForm?.("json");
    if (message.type === "hello") {
      session.queue = session.queue.then(() => this.onHello(session, message)).catch((err) => this.failed(session, err));
      return;
    }
    const node = session.node;
    if (node === null) {
      this.send(session, { type: "error", v: PROTOCOL_VERSION, error: `expected hello before ${message.type}` });
      return;
    }
    if (message.type === "heartbeat") {
      this.onWebsocketHeartbeat(session, node);
      return;
    }
    if (message.type === "indirect-probe.result") {
      this.probes.answer(message.requestId, node, message);
      return;
    }
    const outboxMessage = message.type === "samples" ? samplesColumnsMessage(message) : message;
    session.queue = session.queue.then(() => this.onOutboxMessage(session, node, outboxMessage)).catch((err) => this.failed(session, err));
  }

  /** A binary frame: a samples message in the binary form, refused whole (with the reason) when malformed. */
  private onBinaryFrame(session: AgentSession, frame: Buffer): void {
    if (this.closing || session.replaced || this.deposed(session)) return;
    const node = session.node;
    if (node === null) {
      this.o.onMessage?.("invalid", false);
      this.send(session, { type: "error", v: PROTOCOL_VERSION, error: "expected hello before a binary samples frame" });
      return;
    }
    const decoded = decodeSamplesFrame(frame, session.seriesTables);
    if (!decoded.ok) {
      this.o.onMessage?.("invalid", false);
      this.o.logger.warn({ node, error: decoded.error }, "invalid agent message");
      this.send(session, { type: "error", v: PROTOCOL_VERSION, error: decoded.error });
      return;
    }
    this.o.onMessage?.("samples", true);
    this.o.onSamplesForm?.("binary");
    const message = decoded.message;
    session.queue = session.queue.then(() => this.onOutboxMessage(session, node, message)).catch((err) => this.failed(session, err));
  }

  /** Counted unless this connection's heartbeats come by UDP now (one path at a time: φ must not see one twice). */
  private onWebsocketHeartbeat(session: AgentSession, node: string): void {
    if (session.heartbeatSession !== null && !this.heartbeatSessions.countsWebsocketHeartbeat(session.heartbeatSession)) return;
    this.o.onMessage?.("heartbeat", true);
    this.onHeartbeat(session, node);
  }

  /**
   * One datagram from the UDP heartbeat socket: a heartbeat when it is authentic, new, and
   * its connection still lives; the first one moves the connection's heartbeats to UDP.
   */
  receiveHeartbeatDatagram(datagram: Buffer): void {
    if (this.closing) return;
    const outcome = this.heartbeatSessions.receive(datagram, this.o.clock.now());
    if (!outcome.counted) {
      this.o.onHeartbeatDatagram?.(outcome.reason);
      return;
    }
    const session = this.byHeartbeatSession.get(outcome.session);
    if (!session || session.replaced) return;
    this.o.onHeartbeatDatagram?.("counted");
    this.o.onMessage?.("heartbeat", true);
    if (outcome.confirmed) this.send(session, { type: "heartbeat-path", v: PROTOCOL_VERSION, via: "udp" });
    this.onHeartbeat(session, outcome.node);
  }

  /** Connections whose datagrams stopped while they live go back to websocket heartbeats. */
  private checkUdpSilence(): void {
    const silentMs = UDP_SILENCE_INTERVALS * this.o.settings.heartbeatInterval;
    for (const { session: id, node } of this.heartbeatSessions.fallBack(this.o.clock.now(), silentMs)) {
      const session = this.byHeartbeatSession.get(id);
      if (!session) continue;
      this.o.logger.info({ node, silentMs }, "heartbeat datagrams stopped arriving on a live connection: heartbeats go over the websocket again");
      this.send(session, { type: "heartbeat-path", v: PROTOCOL_VERSION, via: "websocket" });
    }
  }

  /** Heartbeats skip the queue: a backlog of samples must not delay liveness. */
  private onHeartbeat(session: AgentSession, node: string): void {
    try {
      this.o.handlers.heartbeat(node)?.catch((err) => this.failed(session, err));
    } catch (err) {
      this.failed(session, err);
    }
  }

  private async onHello(session: AgentSession, hello: Hello): Promise<void> {
    // Identity is settled once per connection: a second hello may not switch nodes.
    if (session.node !== null && session.node !== hello.node) {
      this.refuse(session, session.node, `this connection speaks for node ${session.node}, not ${hello.node}`, CLOSE_REFUSED);
      return;
    }
    const refusal = session.identity && this.o.helloRefusal ? this.o.helloRefusal(session.identity, hello.node) : null;
    if (refusal !== null) {
      this.refuse(session, hello.node, refusal, CLOSE_REFUSED);
      return;
    }
    session.helloTimer?.cancel();
    session.helloTimer = null;
    let admission: Admission = {};
    if (this.o.admit) {
      try {
        admission = await this.o.admit(hello);
      } catch (err) {
        this.o.logger.warn({ node: hello.node, err: (err as Error).message }, "agent hello not admitted now; the agent comes back");
        session.replaced = true;
        this.send(session, { type: "error", v: PROTOCOL_VERSION, error: `not admitted now: ${(err as Error).message}` });
        session.socket.close(CLOSE_TRY_AGAIN_LATER, Buffer.from((err as Error).message).subarray(0, 123).toString());
        return;
      }
    }
    // The agent went away while its hello was being admitted.
    if (session.socket.readyState !== session.socket.OPEN) return;
    if ("redirect" in admission) {
      this.redirect(session, admission.redirect, "redirected to the node's owner replica");
      return;
    }
    const previous = this.sessions.get(hello.node);
    if (previous && previous !== session) previous.socket.close(4000, "replaced by a newer connection");
    const earlier = this.lastSession.get(hello.node);
    this.lastSession.set(hello.node, session);
    session.node = hello.node;
    session.probeAddress = probeAddressOf(hello.probeAddress, this.remoteAddresses.get(session) ?? null);
    if (session.probeAddress) this.lastProbeAddress.set(hello.node, session.probeAddress);
    this.sessions.set(hello.node, session);
    if (earlier && earlier !== session) {
      // The node's earlier connection (open or just closed) may still be processing its last
      // messages: they must be recorded as processed before this connection's re-sent copies
      // are looked at, or both connections would process them.
      earlier.replaced = true;
      await earlier.queue;
    }
    const record = await this.o.nodes.hello(hello.node, hello.outboxId, hello.agentVersion);
    const udpHeartbeats = this.openHeartbeatSession(session, hello.node);
    this.send(session, {
      type: "welcome",
      v: PROTOCOL_VERSION,
      node: hello.node,
      ackedSeq: record.ackedSeq,
      services: admission.services ?? this.o.servicesFor(hello.node),
      settings: this.o.settings,
      serverTime: this.o.clock.now(),
      samplesFrames: [SAMPLES_FRAME_LAYOUT],
      ...(session.identity?.issuedCredential !== undefined && { credential: session.identity.issuedCredential }),
      ...(udpHeartbeats && { udpHeartbeats }),
      ...(this.o.replicaUrls && { replicas: this.o.replicaUrls() }),
    });
    await this.o.handlers.hello(hello.node, hello);
  }

  /** A new heartbeat datagram session for this connection (replacing one an earlier hello opened). */
  private openHeartbeatSession(session: AgentSession, node: string): Welcome["udpHeartbeats"] {
    if (this.o.udpHeartbeatPort === undefined) return undefined;
    this.closeHeartbeatSession(session);
    const channel = this.heartbeatSessions.open(node);
    session.heartbeatSession = channel.session;
    this.byHeartbeatSession.set(channel.session, session);
    return { port: this.o.udpHeartbeatPort, ...channel };
  }

  private closeHeartbeatSession(session: AgentSession): void {
    if (session.heartbeatSession === null) return;
    this.heartbeatSessions.close(session.heartbeatSession);
    this.byHeartbeatSession.delete(session.heartbeatSession);
    session.heartbeatSession = null;
  }

  private async onOutboxMessage(session: AgentSession, node: string, m: HubOutboxMessage): Promise<void> {
    if (session.failed) return;
    const record = this.o.nodes.get(node);
    switch (outboxDisposition(m.seq, record)) {
      case "acknowledged":
        this.send(session, { type: "ack", v: PROTOCOL_VERSION, seq: record!.ackedSeq });
        return;
      case "replay":
        m = m.type === "samples" ? this.ownSamples(node, m) : m;
        if (session.replayed++ === 0) {
          this.o.logger.info(
            { node, seq: m.seq, ackedSeq: record!.ackedSeq, processedSeq: record!.processedSeq },
            "agent re-sends messages processed before they were durable: re-appending their samples, nothing else",
          );
        }
        this.o.onReplay?.(m.type);
        if (m.type === "samples") await this.o.handlers.samples(node, m, true);
        break;
      case "new":
        await this.dispatch(node, m);
        await this.o.nodes.processed(node, m.seq);
        break;
    }
    // Read after the append: every sample of this message (and before it) is in a
    // generation ≤ this one.
    const ack = session.acks.processed(m.seq, this.o.durability.appendGeneration, this.o.durability.durableGeneration);
    if (ack !== null) this.acknowledge(session, node, ack);
  }

  /** A checkpoint made `generation` durable: acknowledge what each agent may now forget. */
  private onDurable(generation: number): void {
    for (const [node, session] of this.sessions) {
      const ack = session.acks.durable(generation);
      if (ack !== null) this.acknowledge(session, node, ack);
    }
  }

  private acknowledge(session: AgentSession, node: string, seq: number): void {
    this.send(session, { type: "ack", v: PROTOCOL_VERSION, seq });
    // Recording the ack only saves re-sends after a restart; it is safe after the ack went
    // out, since what it covers is durable either way.
    this.ackWrites = this.ackWrites
      .then(() => this.o.nodes.acked(node, seq))
      .catch((err) => this.o.logger.error({ err, node, seq }, "recording an acknowledged seq failed"));
  }

  private async dispatch(node: string, m: HubOutboxMessage): Promise<void> {
    switch (m.type) {
      case "samples":
        return this.o.handlers.samples(node, this.ownSamples(node, m), false);
      case "probe":
        return this.o.handlers.probe(node, m);
      case "event":
        return this.o.handlers.event(node, m);
      case "action.result":
        return this.onActionResult(node, m);
    }
  }

  /** An agent speaks only for its own node: samples labelled with another node are dropped. */
  private ownSamples(node: string, m: SamplesColumnsMessage): SamplesColumnsMessage {
    const own = samplesOfNode(node, m.columns);
    if (own === m.columns) return m;
    const session = this.sessions.get(node);
    if (session && session.foreignSamples++ === 0) {
      this.o.logger.warn({ node, dropped: m.columns.ts.length - own.ts.length }, "agent sent samples labelled with another node; dropped them");
    }
    return { ...m, columns: own };
  }

  private refuse(session: AgentSession, node: string | null, reason: string, code: number): void {
    const remote = this.remoteAddresses.get(session) ?? null;
    this.o.logger.warn({ node, remote, reason }, "agent connection refused");
    this.o.onRefused?.(node, reason, remote);
    session.helloTimer?.cancel();
    // Nothing more from it is processed; its close goes the usual way (disconnected).
    session.replaced = true;
    this.send(session, { type: "error", v: PROTOCOL_VERSION, error: reason });
    // Close reasons are limited to 123 bytes; the error frame above carries the whole text.
    session.socket.close(code, Buffer.from(reason).subarray(0, 123).toString());
  }

  /** Sends the agent elsewhere: nothing more from this connection is processed. */
  private redirect(session: AgentSession, redirect: RedirectMessage, reason: string): void {
    session.replaced = true;
    this.send(session, redirect);
    session.socket.close(1000, reason);
  }

  private onActionResult(node: string, m: ActionResultMessage): void {
    this.actions.answer(m.actionId, node, { ok: m.ok, ...(m.error !== undefined && { error: m.error }), data: m.data });
  }

  private onClose(session: AgentSession): void {
    session.helloTimer?.cancel();
    this.closeHeartbeatSession(session);
    const node = session.node;
    if (node === null || this.sessions.get(node) !== session) return;
    this.sessions.delete(node);
    // Closed by this server's own shutdown: not a sign of anything about the node.
    if (this.closing) return;
    session.queue = session.queue
      .then(() => this.o.handlers.disconnected(node))
      .catch((err) => this.o.logger.error({ err, node }, "handling agent disconnect failed"));
  }

  /**
   * True on a replica that may no longer act as leader: the connection is closed and the frame
   * left unprocessed, so the agent re-sends it (unacknowledged) to the replica that leads now.
   */
  private deposed(session: AgentSession): boolean {
    if (this.o.leaderTerm === undefined || this.o.leaderTerm() !== null) return false;
    if (session.socket.readyState === session.socket.OPEN) session.socket.close(CLOSE_NOT_LEADER, "this replica no longer holds the leader lease");
    return true;
  }

  private failed(session: AgentSession, err: unknown): void {
    this.o.logger.error({ err, node: session.node }, "processing agent message failed");
    this.send(session, { type: "error", v: PROTOCOL_VERSION, error: `server failed to process the message: ${(err as Error).message}` });
    if (this.o.closeOnFailure && !session.failed) {
      session.failed = true;
      session.socket.close(CLOSE_TRY_AGAIN_LATER, "a message could not be processed now: re-send from the last acknowledgement");
    }
  }

  private send(session: AgentSession, message: ServerMessage): void {
    if (session.socket.readyState === session.socket.OPEN) session.socket.send(JSON.stringify(message));
  }
}

/**
 * The announced probe address; an agent listening on every interface (0.0.0.0 or ::)
 * is reached at the address its websocket came from.
 */
export function probeAddressOf(announced: string | undefined, remoteAddress: string | null): string | null {
  if (!announced) return null;
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(announced);
  if (!m) return null;
  const host = m[1] ?? m[2]!;
  if (host !== "0.0.0.0" && host !== "::") return announced;
  if (!remoteAddress) return null;
  const remote = remoteAddress.replace(/^::ffff:/, "");
  return remote.includes(":") ? `[${remote}]:${m[3]}` : `${remote}:${m[3]}`;
}

/** The columns themselves when every series is labelled with `node` (or no node); else a copy without the others' samples. */
export function samplesOfNode(node: string, columns: SampleColumns): SampleColumns {
  return filterColumns(columns, (series) => series.labels.node === undefined || series.labels.node === node);
}
