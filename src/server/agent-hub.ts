// The server's side of the agent protocol: one websocket per agent. Validates every
// frame, processes outbox messages in order and once per (node, seq), acknowledges them
// after they are stored, and carries actions to agents and their results back.
import { randomUUID } from "node:crypto";
import type { WebSocket } from "ws";
import {
  PROTOCOL_VERSION,
  agentMessageSchema,
  parseMessage,
  type ActionKind,
  type ActionResultMessage,
  type AgentMessage,
  type AgentService,
  type AgentSettings,
  type EventMessage,
  type Hello,
  type IndirectProbeResult,
  type OutboxMessage,
  type ProbeMessage,
  type SamplesMessage,
  type ServerMessage,
} from "../protocol/messages.js";
import type { NodeRegistry } from "../detect/node-registry.js";
import type { ActionOutcome } from "../recover/orchestrator.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";

export interface AgentHandlers {
  hello(node: string, hello: Hello): Promise<void>;
  heartbeat(node: string): Promise<void>;
  samples(node: string, m: SamplesMessage): Promise<void>;
  probe(node: string, m: ProbeMessage): Promise<void>;
  event(node: string, m: EventMessage): Promise<void>;
  disconnected(node: string): Promise<void>;
}

export interface AgentHubOptions {
  clock: Clock;
  logger: Logger;
  nodes: NodeRegistry;
  handlers: AgentHandlers;
  servicesFor(node: string): AgentService[];
  settings: AgentSettings;
  /** How long to wait for an action's result before calling it failed. */
  actionTimeoutMs?: number;
  onMessage?(type: string, valid: boolean): void;
}

interface PendingAction {
  node: string;
  resolve(outcome: ActionOutcome): void;
  timer: TimerHandle;
}

interface AgentSession {
  node: string | null;
  socket: WebSocket;
  /** Where the node's probe listener can be reached (from hello; see probeAddressOf). */
  probeAddress: string | null;
  /** Outbox messages are processed strictly in order, one at a time. */
  queue: Promise<void>;
}

interface PendingProbe {
  via: string;
  resolve(result: IndirectProbeResult | null): void;
  timer: TimerHandle;
}

export class AgentHub {
  private sessions = new Map<string, AgentSession>();
  private pending = new Map<string, PendingAction>();
  private pendingProbes = new Map<string, PendingProbe>();
  private remoteAddresses = new WeakMap<AgentSession, string | null>();
  /** Probe addresses of nodes seen since the server started, also while they are disconnected. */
  private lastProbeAddress = new Map<string, string>();

  constructor(private readonly o: AgentHubOptions) {}

  connectedNodes(): string[] {
    return [...this.sessions.keys()];
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
    return new Promise((resolve) => {
      const timer = this.o.clock.setTimeout(() => {
        this.pendingProbes.delete(requestId);
        resolve(null);
      }, timeoutMs + 500);
      this.pendingProbes.set(requestId, { via, resolve, timer });
      this.send(session, { type: "indirect-probe", v: PROTOCOL_VERSION, requestId, target, address, timeoutMs });
    });
  }

  accept(socket: WebSocket, remoteAddress?: string): void {
    const session: AgentSession = { node: null, socket, probeAddress: null, queue: Promise.resolve() };
    this.remoteAddresses.set(session, remoteAddress ?? null);
    socket.on("message", (raw) => this.onFrame(session, raw.toString()));
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
    options: { command?: string; actionId?: string } = {},
  ): Promise<ActionOutcome> {
    const session = this.sessions.get(node);
    if (!session) return Promise.resolve({ ok: false, error: `node ${node} is not connected` });
    const { command } = options;
    const actionId = options.actionId ?? randomUUID();
    return new Promise<ActionOutcome>((resolve) => {
      const timeoutMs = this.o.actionTimeoutMs ?? 60_000;
      const timer = this.o.clock.setTimeout(() => {
        this.pending.delete(actionId);
        resolve({ ok: false, error: `no result from node ${node} within ${timeoutMs}ms` });
      }, timeoutMs);
      this.pending.set(actionId, { node, resolve, timer });
      this.send(session, { type: "action", v: PROTOCOL_VERSION, actionId, action, service, reason, ...(command !== undefined && { command }) });
    });
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

  close(): void {
    for (const s of this.sessions.values()) s.socket.close(1001, "server shutting down");
    for (const [id, p] of this.pending) {
      p.timer.cancel();
      p.resolve({ ok: false, error: "server shutting down" });
      this.pending.delete(id);
    }
    for (const [id, p] of this.pendingProbes) {
      p.timer.cancel();
      p.resolve(null);
      this.pendingProbes.delete(id);
    }
  }

  private onFrame(session: AgentSession, raw: string): void {
    const parsed = parseMessage(agentMessageSchema, raw);
    if (!parsed.ok) {
      this.o.onMessage?.("invalid", false);
      this.o.logger.warn({ node: session.node, error: parsed.error }, "invalid agent message");
      this.send(session, { type: "error", v: PROTOCOL_VERSION, error: parsed.error });
      return;
    }
    const message = parsed.message;
    this.o.onMessage?.(message.type, true);
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
      // Heartbeats skip the queue: a backlog of samples must not delay liveness.
      this.o.handlers.heartbeat(node).catch((err) => this.failed(session, err));
      return;
    }
    if (message.type === "indirect-probe.result") {
      const pending = this.pendingProbes.get(message.requestId);
      if (pending && pending.via === node) {
        this.pendingProbes.delete(message.requestId);
        pending.timer.cancel();
        pending.resolve(message);
      }
      return;
    }
    session.queue = session.queue.then(() => this.onOutboxMessage(session, node, message)).catch((err) => this.failed(session, err));
  }

  private async onHello(session: AgentSession, hello: Hello): Promise<void> {
    const previous = this.sessions.get(hello.node);
    if (previous && previous !== session) previous.socket.close(4000, "replaced by a newer connection");
    session.node = hello.node;
    session.probeAddress = probeAddressOf(hello.probeAddress, this.remoteAddresses.get(session) ?? null);
    if (session.probeAddress) this.lastProbeAddress.set(hello.node, session.probeAddress);
    this.sessions.set(hello.node, session);
    const record = await this.o.nodes.hello(hello.node, hello.outboxId, hello.agentVersion);
    this.send(session, {
      type: "welcome",
      v: PROTOCOL_VERSION,
      node: hello.node,
      ackedSeq: record.ackedSeq,
      services: this.o.servicesFor(hello.node),
      settings: this.o.settings,
      serverTime: this.o.clock.now(),
    });
    await this.o.handlers.hello(hello.node, hello);
  }

  private async onOutboxMessage(session: AgentSession, node: string, m: OutboxMessage): Promise<void> {
    const record = this.o.nodes.get(node);
    if (record && m.seq <= record.ackedSeq) {
      this.send(session, { type: "ack", v: PROTOCOL_VERSION, seq: record.ackedSeq });
      return;
    }
    await this.dispatch(node, m);
    await this.o.nodes.acked(node, m.seq);
    this.send(session, { type: "ack", v: PROTOCOL_VERSION, seq: m.seq });
  }

  private async dispatch(node: string, m: OutboxMessage): Promise<void> {
    switch (m.type) {
      case "samples":
        return this.o.handlers.samples(node, m);
      case "probe":
        return this.o.handlers.probe(node, m);
      case "event":
        return this.o.handlers.event(node, m);
      case "action.result":
        return this.onActionResult(node, m);
    }
  }

  private onActionResult(node: string, m: ActionResultMessage): void {
    const pending = this.pending.get(m.actionId);
    if (!pending || pending.node !== node) return;
    this.pending.delete(m.actionId);
    pending.timer.cancel();
    pending.resolve({ ok: m.ok, ...(m.error !== undefined && { error: m.error }), data: m.data });
  }

  private onClose(session: AgentSession): void {
    const node = session.node;
    if (node === null || this.sessions.get(node) !== session) return;
    this.sessions.delete(node);
    session.queue = session.queue
      .then(() => this.o.handlers.disconnected(node))
      .catch((err) => this.o.logger.error({ err, node }, "handling agent disconnect failed"));
  }

  private failed(session: AgentSession, err: unknown): void {
    this.o.logger.error({ err, node: session.node }, "processing agent message failed");
    this.send(session, { type: "error", v: PROTOCOL_VERSION, error: `server failed to process the message: ${(err as Error).message}` });
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
