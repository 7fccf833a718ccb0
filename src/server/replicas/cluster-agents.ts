// The agents of the whole cluster as the leader's control plane reaches them: a node's agent
// connected to the leader itself is reached through its hub, one connected to another replica
// (an edge) through that edge's link. A single server has only its hub. An action for a node
// whose agent is between replicas (re-homing after a replica died or joined, about a second)
// waits for it to arrive rather than fail at once.
import type { ActionKind, AgentService, ChaosStartMessage, ChaosStopMessage, IndirectProbeResult } from "../../protocol/messages.js";
import type { ActionOutcome } from "../../recover/orchestrator.js";
import type { Clock } from "../../util/clock.js";
import type { AgentHub } from "../agent-hub.js";
import type { EdgeLinks } from "./edge-links.js";

/** What the control plane asks of agents, wherever they are connected. */
export type AgentChannels = Pick<
  AgentHub,
  "connectedNodes" | "isConnected" | "probeAddressOf" | "sendAction" | "sendChaos" | "updateServices" | "indirectProbe"
> & {
  /** The replica holding the node's agent (null: not connected; undefined: a single server, no replicas). */
  holderOf?(node: string): string | null;
};

/** How long an action waits for its node's agent to arrive at some replica. */
export const REHOMING_WAIT_MS = 5_000;
const REHOMING_POLL_MS = 100;

export function clusterAgents(self: string, hub: AgentHub, edges: EdgeLinks, clock: Clock): AgentChannels {
  const isConnected = (node: string) => hub.isConnected(node) || edges.holderOf(node) !== null;
  const arrival = async (node: string): Promise<void> => {
    for (let waited = 0; !isConnected(node) && waited < REHOMING_WAIT_MS; waited += REHOMING_POLL_MS) {
      await new Promise<void>((resolve) => clock.setTimeout(resolve, REHOMING_POLL_MS));
    }
  };
  return {
    holderOf: (node) => (hub.isConnected(node) ? self : edges.holderOf(node)),
    connectedNodes: () => [...new Set([...hub.connectedNodes(), ...edges.nodes()])],
    isConnected,
    probeAddressOf: (node) => (hub.isConnected(node) ? hub.probeAddressOf(node) : (edges.probeAddressOf(node) ?? hub.probeAddressOf(node))),
    sendAction: async (node: string, service: string, action: ActionKind, reason: string, options?: { command?: string; actionId?: string }): Promise<ActionOutcome> => {
      await arrival(node);
      return hub.isConnected(node) ? hub.sendAction(node, service, action, reason, options) : edges.sendAction(node, service, action, reason, options);
    },
    sendChaos: (node: string, message: ChaosStartMessage | ChaosStopMessage) => hub.sendChaos(node, message) || edges.sendChaos(node, message),
    updateServices: (node: string, services: AgentService[]) => hub.updateServices(node, services) || edges.updateServices(node, services),
    indirectProbe: (via: string, target: string, address: string, timeoutMs: number): Promise<IndirectProbeResult | null> =>
      hub.isConnected(via) ? hub.indirectProbe(via, target, address, timeoutMs) : edges.indirectProbe(via, target, address, timeoutMs),
  };
}
