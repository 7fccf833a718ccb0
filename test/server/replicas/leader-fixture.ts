// A leader's end of the edge links for tests over real sockets: EdgeLinks registered on a
// real Fastify server with @fastify/websocket (as server.ts registers it), whose control
// plane is a recording handlers object a test can make slow or failing. Its name, term and
// cluster key are fields the test changes.
import Fastify, { type FastifyInstance } from "fastify";
import websocket from "@fastify/websocket";
import type { AddressInfo } from "node:net";
import type { AlertObservation } from "../../../src/alert/alert-lifecycle.js";
import type { FailureDetectorOutput } from "../../../src/detect/failure/failure-detector.js";
import type { AgentService, EventMessage, ProbeMessage, ServiceSnapshot } from "../../../src/protocol/messages.js";
import { EdgeLinks, type EdgeRequestHandlers } from "../../../src/server/replicas/edge-links.js";
import { systemClock } from "../../../src/util/clock.js";
import { capturingLogger } from "../../fixtures/capturing-logger.js";

export const CLUSTER_KEY = "k3y-of-the-cluster-0123456789abcdef";

/** What reached the leader's control plane, in the order it was handled. */
export interface LeaderCalls {
  hellos: Array<{ node: string; agentVersion: string; services: ServiceSnapshot[] | null }>;
  events: Array<{ node: string; seq: number }>;
  probes: Array<{ node: string; seq: number }>;
  liveness: Array<{ replica: string; out: FailureDetectorOutput }>;
  observations: AlertObservation[];
  /** Replicas whose link closed. */
  linksClosed: string[];
}

export interface FakeLeader {
  url: string;
  port: number;
  edges: EdgeLinks;
  calls: LeaderCalls;
  /** This leader's name and term; null: it no longer leads. */
  lead: { name: string; term: number } | null;
  key: string | null;
  /** Replace to change what the control plane does (default: record and succeed). */
  handlers: { nodeHello(node: string, services: ServiceSnapshot[] | null): Promise<AgentService[]>; event(node: string, m: EventMessage): Promise<void>; probe(node: string, m: ProbeMessage): Promise<void> };
  messages(): string[];
  close(): Promise<void>;
}

/** The services the default nodeHello answers for `node`. */
export function servicesOf(node: string): AgentService[] {
  return [{ name: `svc-of-${node}`, standby: false }];
}

export async function startLeader(o: { name: string; term: number; port?: number; key?: string | null }): Promise<FakeLeader> {
  const log = capturingLogger();
  const calls: LeaderCalls = { hellos: [], events: [], probes: [], liveness: [], observations: [], linksClosed: [] };
  const http: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true });
  const leader: FakeLeader = {
    url: "",
    port: 0,
    edges: undefined as unknown as EdgeLinks,
    calls,
    lead: { name: o.name, term: o.term },
    key: o.key === undefined ? CLUSTER_KEY : o.key,
    handlers: {
      nodeHello: async (node) => servicesOf(node),
      event: async () => undefined,
      probe: async () => undefined,
    },
    messages: log.messages,
    close: async () => {
      await leader.edges.close();
      await http.close();
    },
  };
  const handlers: EdgeRequestHandlers = {
    async nodeHello(node, hello) {
      calls.hellos.push({ node, agentVersion: hello.agentVersion, services: hello.services });
      return leader.handlers.nodeHello(node, hello.services);
    },
    async probe(node, probe) {
      await leader.handlers.probe(node, probe);
      calls.probes.push({ node, seq: probe.seq });
    },
    async event(node, event) {
      await leader.handlers.event(node, event);
      calls.events.push({ node, seq: event.seq });
    },
    async liveness(replica, out) {
      calls.liveness.push({ replica, out });
    },
    observations(list) {
      calls.observations.push(...list);
    },
    linkClosed(replica) {
      calls.linksClosed.push(replica);
    },
  };
  leader.edges = new EdgeLinks({ clock: systemClock, logger: log.logger, key: () => leader.key, leader: () => leader.lead, handlers, actionTimeoutMs: 30_000 });
  await http.register(websocket);
  leader.edges.register(http);
  await http.listen({ host: "127.0.0.1", port: o.port ?? 0 });
  leader.port = (http.server.address() as AddressInfo).port;
  leader.url = `http://127.0.0.1:${leader.port}`;
  return leader;
}

/** Polls `condition` every 20 ms until it holds; fails after `timeoutMs` (generous) naming `what`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A promise with its resolve at hand: a gate a handler waits on until the test opens it. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
