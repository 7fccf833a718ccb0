// The leader's end of the edge links (edge-link-messages.ts): one websocket from each other
// live replica, authenticated by the cluster key. It hands what edges relay to the control
// plane (`EdgeRequestHandlers`), in order per node, and answers each request once handled;
// it knows which edge holds which node, and carries the control plane's actions, service
// lists, chaos faults and indirect probes to that edge.
import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { RawData, WebSocket } from "ws";
import { frameText } from "../../util/ws-frame.js";
import type { ActionKind, AgentService, ChaosStartMessage, ChaosStopMessage, EventMessage, IndirectProbeResult, ProbeMessage, ServiceSnapshot } from "../../protocol/messages.js";
import type { FailureDetectorOutput } from "../../detect/failure/failure-detector.js";
import type { AlertObservation } from "../../alert/alert-lifecycle.js";
import type { ActionOutcome } from "../../recover/orchestrator.js";
import type { Clock, TimerHandle } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";
import { access } from "../auth/access-control.js";
import { requireReplicaKey } from "../auth/replica-key-auth.js";
import { PendingReplies } from "../../util/pending-replies.js";
import {
  EDGE_LINK_PATH,
  EDGE_LINK_VERSION,
  parseEdgeMessage,
  type EdgeMessage,
  type EdgeRequest,
  type LeaderMessage,
  verdictOfWire,
} from "./edge-link-messages.js";

/** How long close() waits for the edge requests being handled. */
const CLOSE_DRAIN_MS = 5_000;

/** What the control plane does with what edges relay. */
export interface EdgeRequestHandlers {
  /** A node's agent said hello to an edge: register it; returns what the node runs. */
  nodeHello(node: string, hello: { agentVersion: string; services: ServiceSnapshot[] | null }): Promise<AgentService[]>;
  probe(node: string, probe: ProbeMessage): Promise<void>;
  event(node: string, event: EventMessage): Promise<void>;
  /** Verdicts and freeze changes of an edge's failure detector. */
  liveness(replica: string, out: FailureDetectorOutput): Promise<void>;
  observations(observations: AlertObservation[]): void;
  /** The replica's link closed (it died, or left for another leader): what it said of its own state no longer holds. */
  linkClosed(replica: string): void;
}

export interface EdgeLinksOptions {
  clock: Clock;
  logger: Logger;
  /** The cluster key edges must show (null: not yet known, every link refused). */
  key(): string | null;
  /** This leader's name and term (null once it may no longer act: links are then refused and closed). */
  leader(): { name: string; term: number } | null;
  handlers: EdgeRequestHandlers;
  actionTimeoutMs?: number;
}

interface EdgeLink {
  replica: string;
  socket: WebSocket;
  /** Nodes this edge holds now, with their probe listener address. */
  nodes: Map<string, string | null>;
  /** Requests are handled one at a time per node (liveness and others: per link). */
  queues: Map<string, Promise<void>>;
}

export class EdgeLinks {
  private readonly links = new Map<string, EdgeLink>();
  /** Which edge holds each node. */
  private readonly holder = new Map<string, EdgeLink>();
  private readonly lastProbeAddress = new Map<string, string>();
  /** Actions and indirect probes sent through an edge, by id, waiting for that edge's answer. */
  private readonly actions: PendingReplies<ActionOutcome>;
  private readonly probes: PendingReplies<IndirectProbeResult | null>;
  private closed = false;

  constructor(private readonly o: EdgeLinksOptions) {
    this.actions = new PendingReplies(o.clock);
    this.probes = new PendingReplies(o.clock);
  }

  /** Registers the link's websocket route; the upgrade is refused (401) without the cluster key. */
  register(http: FastifyInstance): void {
    const requireKey = requireReplicaKey(() => this.o.key());
    const checkKey = async (req: FastifyRequest, reply: FastifyReply) => {
      await requireKey(req, reply);
      if (reply.statusCode === 401) this.o.logger.warn({ remote: req.socket.remoteAddress }, "edge link refused: wrong or missing cluster key");
    };
    http.get(EDGE_LINK_PATH, { websocket: true, preValidation: checkKey, ...access("replica") }, (socket) => this.accept(socket));
  }

  /** The edges' nodes, connected to them now. */
  nodes(): string[] {
    return [...this.holder.keys()];
  }

  /** The replicas linked to this leader now. */
  linkedReplicas(): string[] {
    return [...this.links.keys()];
  }

  /** The replica holding the node's agent, or null. */
  holderOf(node: string): string | null {
    return this.holder.get(node)?.replica ?? null;
  }

  probeAddressOf(node: string): string | null {
    return this.holder.get(node)?.nodes.get(node) ?? this.lastProbeAddress.get(node) ?? null;
  }

  sendAction(node: string, service: string, action: ActionKind, reason: string, options: { command?: string; actionId?: string } = {}): Promise<ActionOutcome> {
    const leader = this.o.leader();
    if (leader === null) return Promise.resolve({ ok: false, error: "this replica no longer holds the leader lease: action not sent" });
    const link = this.holder.get(node);
    if (!link) return Promise.resolve({ ok: false, error: `node ${node} is not connected` });
    const actionId = options.actionId ?? randomUUID();
    const timeoutMs = this.o.actionTimeoutMs ?? 60_000;
    const outcome = this.actions.wait(actionId, link.replica, timeoutMs, () => ({ ok: false, error: `no result from node ${node} (via replica ${link.replica}) within ${timeoutMs}ms` }));
    const command = options.command;
    this.send(link, { type: "action", v: EDGE_LINK_VERSION, actionId, node, service, action, reason, ...(command !== undefined && { command }), term: leader.term });
    return outcome;
  }

  updateServices(node: string, services: AgentService[]): boolean {
    const link = this.holder.get(node);
    if (!link) return false;
    this.send(link, { type: "services", v: EDGE_LINK_VERSION, node, services });
    return true;
  }

  sendChaos(node: string, message: ChaosStartMessage | ChaosStopMessage): boolean {
    const link = this.holder.get(node);
    if (!link) return false;
    this.send(link, { type: "chaos", v: EDGE_LINK_VERSION, node, message });
    return true;
  }

  indirectProbe(via: string, target: string, address: string, timeoutMs: number): Promise<IndirectProbeResult | null> {
    const link = this.holder.get(via);
    if (!link) return Promise.resolve(null);
    const requestId = randomUUID();
    const answer = this.probes.wait(requestId, link.replica, timeoutMs + 1_000, () => null);
    this.send(link, { type: "indirect-probe", v: EDGE_LINK_VERSION, requestId, via, target, address, timeoutMs });
    return answer;
  }

  /** Closes every link (the edges reconnect to the next leader) and settles what waits on them. */
  async close(): Promise<void> {
    this.closed = true;
    for (const link of this.links.values()) link.socket.close(1012, "the leader is stopping");
    // What waits on the edges first (a request being handled may wait on an action), then the
    // requests being handled, for a bounded time: unanswered, the edges send them to the next leader.
    this.actions.settleAll({ ok: false, error: "the leader is stopping" });
    this.probes.settleAll(null);
    let timer: TimerHandle | undefined;
    await Promise.race([
      Promise.all([...this.links.values()].flatMap((l) => [...l.queues.values()])),
      new Promise<void>((resolve) => (timer = this.o.clock.setTimeout(resolve, CLOSE_DRAIN_MS))),
    ]);
    timer?.cancel();
  }

  private accept(socket: WebSocket): void {
    let link: EdgeLink | null = null;
    socket.on("message", (data: RawData) => {
      const parsed = parseEdgeMessage(frameText(data));
      if (!parsed.ok) {
        this.o.logger.warn({ replica: link?.replica, error: parsed.error }, "invalid edge link message");
        socket.close(1008, parsed.error.slice(0, 120));
        return;
      }
      const m = parsed.message;
      if (link === null) {
        link = this.open(socket, m);
        return;
      }
      this.onMessage(link, m);
    });
    socket.on("close", () => {
      if (link !== null) this.onClose(link);
    });
    socket.on("error", (err) => this.o.logger.warn({ err, replica: link?.replica }, "edge link socket error"));
  }

  private open(socket: WebSocket, m: EdgeMessage): EdgeLink | null {
    const leader = this.o.leader();
    if (m.type !== "edge.hello") {
      socket.close(1008, `expected edge.hello first, got ${m.type}`);
      return null;
    }
    if (leader === null || this.closed) {
      socket.close(1012, "this replica does not lead (any more)");
      return null;
    }
    const earlier = this.links.get(m.replica);
    if (earlier) earlier.socket.close(4000, "replaced by a newer link from the same replica");
    const link: EdgeLink = { replica: m.replica, socket, nodes: new Map(), queues: new Map() };
    this.links.set(m.replica, link);
    this.o.logger.info({ replica: m.replica }, "edge link open");
    this.send(link, { type: "welcome", v: EDGE_LINK_VERSION, leader: leader.name, term: leader.term });
    return link;
  }

  private onMessage(link: EdgeLink, m: EdgeMessage): void {
    switch (m.type) {
      case "edge.hello":
        return;
      case "rule.observations":
        this.o.handlers.observations(m.observations);
        return;
      case "action.result":
        this.actions.answer(m.actionId, link.replica, m.outcome);
        return;
      case "indirect-probe.result":
        this.probes.answer(m.requestId, link.replica, m.result);
        return;
      default:
        this.enqueue(link, m);
    }
  }

  /** Handled in order per node (liveness per link), then answered. */
  private enqueue(link: EdgeLink, m: EdgeRequest): void {
    const key = "node" in m ? m.node : "";
    const previous = link.queues.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.handle(link, m))
      .then(
        (services) => this.send(link, { type: "done", v: EDGE_LINK_VERSION, id: m.id, ...(services && { services }) }),
        (err: Error) => {
          this.o.logger.error({ err, replica: link.replica, request: m.type }, "handling an edge request failed");
          this.send(link, { type: "failed", v: EDGE_LINK_VERSION, id: m.id, error: err.message });
        },
      );
    link.queues.set(key, next);
    void next.then(() => {
      if (link.queues.get(key) === next) link.queues.delete(key);
    });
  }

  private async handle(link: EdgeLink, m: EdgeRequest): Promise<AgentService[] | void> {
    if (this.o.leader() === null) throw new Error("this replica no longer holds the leader lease");
    switch (m.type) {
      case "node.hello": {
        const other = this.holder.get(m.node);
        if (other && other !== link) other.nodes.delete(m.node);
        this.holder.set(m.node, link);
        link.nodes.set(m.node, m.probeAddress);
        if (m.probeAddress) this.lastProbeAddress.set(m.node, m.probeAddress);
        return this.o.handlers.nodeHello(m.node, { agentVersion: m.agentVersion, services: m.services });
      }
      case "node.probe":
        return this.o.handlers.probe(m.node, m.probe);
      case "node.event":
        return this.o.handlers.event(m.node, m.event);
      case "node.liveness":
        return this.o.handlers.liveness(link.replica, { verdicts: m.verdicts.map(verdictOfWire), requests: [], freeze: m.freeze });
      case "node.gone":
        if (this.holder.get(m.node) === link) this.holder.delete(m.node);
        link.nodes.delete(m.node);
        return;
    }
  }

  private onClose(link: EdgeLink): void {
    for (const node of link.nodes.keys()) if (this.holder.get(node) === link) this.holder.delete(node);
    // A link replaced by a newer one from the same replica: the newer one speaks for it now.
    if (this.links.get(link.replica) !== link) return;
    this.links.delete(link.replica);
    this.o.handlers.linkClosed(link.replica);
    if (!this.closed) this.o.logger.warn({ replica: link.replica, nodes: link.nodes.size }, "edge link closed");
    this.actions.settleAll({ ok: false, error: `the link to replica ${link.replica} closed` }, link.replica);
    this.probes.settleAll(null, link.replica);
  }

  private send(link: EdgeLink, m: LeaderMessage): void {
    if (link.socket.readyState === link.socket.OPEN) link.socket.send(JSON.stringify(m));
  }
}
