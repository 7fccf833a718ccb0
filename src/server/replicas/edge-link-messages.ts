// The replica ↔ replica protocol of a sharded cluster (issue 11): JSON messages over one
// websocket from each non-leader replica (an *edge*, holding the agents of the nodes it owns)
// to the leader (the *brain*: alerts, incidents, recovery, notifications). Validated here on
// receipt by both ends.
//
// Edge → leader: what the edge's agents said that only the leader acts on (a node's hello
// with its services, probe results, events), the edge's failure-detector verdicts about its
// nodes, and its rule observations; every message with an `id` is answered `done` (or
// `failed`) once the leader has processed it, and only then does the edge count the agent's
// message processed (and, once its samples are durable too, acknowledge it to the agent).
// Leader → edge: actions, service lists, chaos faults and indirect probes for the edge's nodes.
import { z } from "zod";
import {
  actionKinds,
  agentServiceSchema,
  chaosStartSchema,
  chaosStopSchema,
  eventSchema,
  indirectProbeResultSchema,
  parseMessage,
  probeSchema,
  serviceSnapshotSchema,
} from "../../protocol/messages.js";
import type { LivenessVerdict } from "../../detect/failure/node-liveness.js";

export const EDGE_LINK_PATH = "/api/v1/replica/edge";
export const EDGE_LINK_VERSION = 1;

const version = z.literal(EDGE_LINK_VERSION, { error: `expected edge link version v: ${EDGE_LINK_VERSION}` });
const id = z.number().int().nonnegative();
const ts = z.number();
const node = z.string().min(1);

const livenessState = z.enum(["alive", "suspect", "dead", "unreachable"]);
/** A failure-detector verdict; φ is null where it is infinite (JSON has no Infinity). */
const verdictSchema = z.object({
  node,
  state: livenessState,
  previous: livenessState.nullable(),
  since: ts,
  reason: z.string(),
  phi: z.number().nullable(),
  lastSeen: ts,
});
const freezeSchema = z.object({ frozen: z.boolean(), at: ts, reason: z.string(), nodes: z.array(z.string()) });
const observationSchema = z.object({
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  active: z.boolean(),
  value: z.number().nullable(),
  forMs: z.number().nonnegative(),
  keepFiringMs: z.number().nonnegative().optional(),
  sampleReceivedAt: ts.optional(),
});
const outcomeSchema = z.object({ ok: z.boolean(), error: z.string().optional(), data: z.record(z.string(), z.unknown()).optional() });

// ---- edge -> leader -------------------------------------------------------------------

/** The first frame: who this edge is (the leader answers `welcome`, or closes naming why). */
export const edgeHelloSchema = z.object({ type: z.literal("edge.hello"), v: version, replica: z.string().min(1) });
/** A node's agent said hello to the edge: the leader registers it and answers with its services. */
export const nodeHelloSchema = z.object({
  type: z.literal("node.hello"),
  v: version,
  id,
  node,
  agentVersion: z.string(),
  /** Where the node's probe listener is reached (resolved by the edge), or null. */
  probeAddress: z.string().nullable(),
  /** The agent's services as its hello said; null when the edge announces a node it holds to a new leader (no snapshot then). */
  services: z.array(serviceSnapshotSchema).nullable(),
});
export const nodeProbeSchema = z.object({ type: z.literal("node.probe"), v: version, id, node, probe: probeSchema });
export const nodeEventSchema = z.object({ type: z.literal("node.event"), v: version, id, node, event: eventSchema });
/** The edge's failure detector decided: verdicts about its nodes, and freeze changes of its partition guard. */
export const nodeLivenessSchema = z.object({ type: z.literal("node.liveness"), v: version, id, verdicts: z.array(verdictSchema), freeze: z.array(freezeSchema) });
/** The node's agent is no longer connected to this edge (it left, or moved to another replica). */
export const nodeGoneSchema = z.object({ type: z.literal("node.gone"), v: version, id, node });
/** Rule observations over the edge's series (level-triggered: each evaluation sends them again, so none is answered). */
export const ruleObservationsSchema = z.object({ type: z.literal("rule.observations"), v: version, observations: z.array(observationSchema) });
export const edgeActionResultSchema = z.object({ type: z.literal("action.result"), v: version, actionId: z.string().min(1), outcome: outcomeSchema });
export const edgeProbeResultSchema = z.object({
  type: z.literal("indirect-probe.result"),
  v: version,
  requestId: z.string().min(1),
  result: indirectProbeResultSchema.nullable(),
});

export const edgeMessageSchema = z.discriminatedUnion("type", [
  edgeHelloSchema,
  nodeHelloSchema,
  nodeProbeSchema,
  nodeEventSchema,
  nodeLivenessSchema,
  nodeGoneSchema,
  ruleObservationsSchema,
  edgeActionResultSchema,
  edgeProbeResultSchema,
]);
export type EdgeMessage = z.infer<typeof edgeMessageSchema>;
/** Edge messages the leader answers with `done` or `failed`. */
export type EdgeRequest = Extract<EdgeMessage, { id: number }>;
/** What an edge request carries, before the link gives it its id. */
export type EdgeRequestBody = EdgeRequest extends infer R ? (R extends EdgeRequest ? Omit<R, "id" | "v"> : never) : never;
export type WireVerdict = z.infer<typeof verdictSchema>;

/** A verdict as sent: φ null where it is infinite. */
export function verdictToWire(v: LivenessVerdict): WireVerdict {
  return { ...v, phi: Number.isFinite(v.phi) ? v.phi : null };
}

export function verdictOfWire(v: WireVerdict): LivenessVerdict {
  return { ...v, phi: v.phi ?? Number.POSITIVE_INFINITY };
}

// ---- leader -> edge -------------------------------------------------------------------

export const edgeWelcomeSchema = z.object({ type: z.literal("welcome"), v: version, leader: z.string(), term: z.number().int().positive() });
export const doneSchema = z.object({
  type: z.literal("done"),
  v: version,
  id,
  /** For node.hello: what the node's agent runs (its welcome carries it). */
  services: z.array(agentServiceSchema).optional(),
});
export const failedSchema = z.object({ type: z.literal("failed"), v: version, id, error: z.string() });
export const edgeActionSchema = z.object({
  type: z.literal("action"),
  v: version,
  actionId: z.string().min(1),
  node,
  service: z.string().min(1),
  action: z.enum(actionKinds),
  reason: z.string(),
  command: z.string().optional(),
  /** The leader's term, which the agent checks against the highest it has seen. */
  term: z.number().int().positive(),
});
export const edgeServicesSchema = z.object({ type: z.literal("services"), v: version, node, services: z.array(agentServiceSchema) });
export const edgeChaosSchema = z.object({ type: z.literal("chaos"), v: version, node, message: z.discriminatedUnion("type", [chaosStartSchema, chaosStopSchema]) });
export const edgeIndirectProbeSchema = z.object({
  type: z.literal("indirect-probe"),
  v: version,
  requestId: z.string().min(1),
  via: node,
  target: node,
  address: z.string(),
  timeoutMs: z.number().int().positive(),
});

export const leaderMessageSchema = z.discriminatedUnion("type", [
  edgeWelcomeSchema,
  doneSchema,
  failedSchema,
  edgeActionSchema,
  edgeServicesSchema,
  edgeChaosSchema,
  edgeIndirectProbeSchema,
]);
export type LeaderMessage = z.infer<typeof leaderMessageSchema>;

export function parseEdgeMessage(raw: string): ReturnType<typeof parseMessage<EdgeMessage>> {
  return parseMessage(edgeMessageSchema, raw);
}

export function parseLeaderMessage(raw: string): ReturnType<typeof parseMessage<LeaderMessage>> {
  return parseMessage(leaderMessageSchema, raw);
}
