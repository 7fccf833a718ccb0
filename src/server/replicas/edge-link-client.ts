// An edge's end of its link to the leader (edge-link-messages.ts). It keeps one websocket
// to whichever replica holds the leader lease, reconnecting when that changes or the link
// drops. Requests (a node's hello, probe results, events, verdicts) wait while there is no
// link and are sent again, in order, on the next one: an agent's message counts as
// processed only once the leader answered it (at least once: a leader that dies between
// handling a request and answering it sees it again from its successor's point of view).
// On every new link the nodes held here are announced again, so a new leader knows where
// its nodes are. What the leader asks of the edge's agents goes to `commands`.
import WebSocket from "ws";
import type { ActionKind, AgentService, ChaosStartMessage, ChaosStopMessage, IndirectProbeResult } from "../../protocol/messages.js";
import type { AlertObservation } from "../../alert/alert-lifecycle.js";
import type { ActionOutcome } from "../../recover/orchestrator.js";
import { REPLICA_KEY_HEADER } from "../../replicas/cluster-key.js";
import type { Clock, TimerHandle } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";
import { frameText } from "../../util/ws-frame.js";
import { EDGE_LINK_PATH, EDGE_LINK_VERSION, parseLeaderMessage, type EdgeMessage, type EdgeRequestBody, type LeaderMessage } from "./edge-link-messages.js";

/** What the leader asks of the agents this edge holds. */
export interface EdgeCommands {
  action(node: string, service: string, action: ActionKind, reason: string, options: { command?: string; actionId: string; term: number }): Promise<ActionOutcome>;
  services(node: string, services: AgentService[]): void;
  chaos(node: string, message: ChaosStartMessage | ChaosStopMessage): void;
  indirectProbe(via: string, target: string, address: string, timeoutMs: number): Promise<IndirectProbeResult | null>;
}

export interface EdgeLinkClientOptions {
  /** This replica's name. */
  replica: string;
  /** The lease holder as last read (null while the lease is vacant), with its base URL. */
  leader(): { name: string; url: string; term: number } | null;
  key(): string | null;
  commands: EdgeCommands;
  clock: Clock;
  logger: Logger;
  /** A request not answered within this long fails (the agent's message is re-sent later). Default 10 s. */
  requestTimeoutMs?: number;
  /** How often the link is looked after: reconnect, follow a new leader. Default 250 ms. */
  checkIntervalMs?: number;
}

interface PendingRequest {
  id: number;
  body: EdgeRequestBody;
  resolve(services: AgentService[] | undefined): void;
  reject(err: Error): void;
  timer: TimerHandle | null;
}

/** The node's registration as last said to the leader, announced again on each new link. */
interface HeldNode {
  agentVersion: string;
  probeAddress: string | null;
}

export class EdgeLinkClient {
  private socket: WebSocket | null = null;
  /** The leader the open link was welcomed by (null until the welcome). */
  private linkedTo: { name: string; term: number } | null = null;
  private connectingTo: string | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly held = new Map<string, HeldNode>();
  private readonly timer: TimerHandle;
  private closed = false;

  constructor(private readonly o: EdgeLinkClientOptions) {
    this.timer = o.clock.setInterval(() => this.check(), o.checkIntervalMs ?? 250);
    this.check();
  }

  /** The leader this edge is linked to now, or null. */
  linked(): { name: string; term: number } | null {
    return this.linkedTo;
  }

  /**
   * Sends a request and waits for the leader's answer (its services, for a node's hello).
   * `untilAnswered`: no timeout — for what no agent re-sends (verdicts, a node's leaving), which
   * must reach whichever replica leads next however long that takes.
   */
  request(body: EdgeRequestBody, options: { untilAnswered?: boolean } = {}): Promise<AgentService[] | undefined> {
    if (this.closed) return Promise.reject(new Error("the edge is stopping"));
    if (body.type === "node.hello") this.held.set(body.node, { agentVersion: body.agentVersion, probeAddress: body.probeAddress });
    if (body.type === "node.gone") this.held.delete(body.node);
    const id = this.nextId++;
    const timeoutMs = this.o.requestTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = options.untilAnswered
        ? null
        : this.o.clock.setTimeout(() => {
            this.pending.delete(id);
            reject(new Error(`the leader did not answer ${body.type} within ${timeoutMs} ms${this.linkedTo ? "" : " (no leader linked)"}`));
          }, timeoutMs);
      this.pending.set(id, { id, body, resolve, reject, timer });
      if (this.linkedTo) this.sendRequest(id, body);
    });
  }

  /** Rule observations: sent when linked, else dropped (the next evaluation sends them again). */
  observations(observations: AlertObservation[]): void {
    if (observations.length > 0 && this.linkedTo) this.send({ type: "rule.observations", v: EDGE_LINK_VERSION, observations });
  }

  close(): void {
    this.closed = true;
    this.timer.cancel();
    this.socket?.close(1001, "the edge is stopping");
    for (const p of this.pending.values()) {
      p.timer?.cancel();
      p.reject(new Error("the edge is stopping"));
    }
    this.pending.clear();
  }

  /** Opens a link to the leader when there is none, and leaves a link to a replica that no longer leads. */
  private check(): void {
    if (this.closed) return;
    const leader = this.o.leader();
    const key = this.o.key();
    const current = this.linkedTo?.name ?? this.connectingTo;
    if (this.socket && (leader === null || current !== leader.name || (this.linkedTo !== null && leader.term > this.linkedTo.term))) {
      this.o.logger.info({ from: current, to: leader?.name ?? null }, "the leader changed: leaving the edge link");
      this.drop();
    }
    if (this.socket || leader === null || leader.name === this.o.replica || key === null) return;
    this.connect(leader, key);
  }

  private connect(leader: { name: string; url: string }, key: string): void {
    const url = new URL(EDGE_LINK_PATH, leader.url.replace(/^http/, "ws"));
    const socket = new WebSocket(url, { headers: { [REPLICA_KEY_HEADER]: key }, handshakeTimeout: 2_000 });
    this.socket = socket;
    this.connectingTo = leader.name;
    socket.on("open", () => socket.send(JSON.stringify({ type: "edge.hello", v: EDGE_LINK_VERSION, replica: this.o.replica } satisfies EdgeMessage)));
    socket.on("message", (data) => {
      if (this.socket !== socket) return;
      const parsed = parseLeaderMessage(frameText(data as WebSocket.RawData));
      if (!parsed.ok) {
        this.o.logger.warn({ error: parsed.error }, "invalid message from the leader on the edge link");
        return;
      }
      this.onMessage(parsed.message);
    });
    socket.on("close", (code, reason) => {
      if (this.socket !== socket) return;
      if (this.linkedTo) this.o.logger.warn({ leader: this.linkedTo.name, code, reason: reason.toString() }, "edge link to the leader closed");
      this.socket = null;
      this.linkedTo = null;
      this.connectingTo = null;
    });
    socket.on("unexpected-response", (_req, res) => {
      this.o.logger.warn({ leader: leader.name, status: res.statusCode }, "the leader refused the edge link");
      // With this listener ws leaves the handshake open (CONNECTING, no close): end it, so that
      // the next check tries again instead of waiting on it for good.
      socket.terminate();
    });
    socket.on("error", (err) => this.o.logger.debug({ err: err.message, leader: leader.name }, "edge link error"));
  }

  private drop(): void {
    const socket = this.socket;
    this.socket = null;
    this.linkedTo = null;
    this.connectingTo = null;
    socket?.terminate();
  }

  private onMessage(m: LeaderMessage): void {
    switch (m.type) {
      case "welcome":
        this.linkedTo = { name: m.leader, term: m.term };
        this.connectingTo = null;
        this.o.logger.info({ leader: m.leader, term: m.term, nodes: this.held.size, pending: this.pending.size }, "edge link open");
        // Where this edge's nodes are (the new leader's answer names what each runs, which its
        // agent is told), then what waited for a leader, in order.
        const waiting = [...this.pending.values()].sort((a, b) => a.id - b.id);
        for (const [node, h] of this.held) {
          if (waiting.some((p) => p.body.type === "node.hello" && p.body.node === node)) continue;
          this.request({ type: "node.hello", node, agentVersion: h.agentVersion, probeAddress: h.probeAddress, services: null })
            .then((services) => {
              if (services && this.held.has(node)) this.o.commands.services(node, services);
            })
            .catch((err: Error) => this.o.logger.warn({ node, err: err.message }, "announcing a node to the new leader failed"));
        }
        for (const p of waiting) this.sendRequest(p.id, p.body);
        return;
      case "done":
      case "failed": {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        p.timer?.cancel();
        if (m.type === "done") p.resolve(m.services);
        else p.reject(new Error(`the leader could not process ${p.body.type}: ${m.error}`));
        return;
      }
      case "action":
        void this.o.commands
          .action(m.node, m.service, m.action, m.reason, { actionId: m.actionId, term: m.term, ...(m.command !== undefined && { command: m.command }) })
          .then((outcome) => this.send({ type: "action.result", v: EDGE_LINK_VERSION, actionId: m.actionId, outcome }));
        return;
      case "services":
        this.o.commands.services(m.node, m.services);
        return;
      case "chaos":
        this.o.commands.chaos(m.node, m.message);
        return;
      case "indirect-probe":
        void this.o.commands
          .indirectProbe(m.via, m.target, m.address, m.timeoutMs)
          .then((result) => this.send({ type: "indirect-probe.result", v: EDGE_LINK_VERSION, requestId: m.requestId, result }));
        return;
    }
  }

  private sendRequest(id: number, body: EdgeRequestBody): void {
    this.send({ ...body, id, v: EDGE_LINK_VERSION } as EdgeMessage);
  }

  private send(m: EdgeMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(m));
  }
}
