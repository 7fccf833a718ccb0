// What a journal event says about a component's condition (timeline.ts): the mapping from
// `service.health` and node verdicts to up / down / unknown. Pure.
import type { JournalEvent, NodeRecord } from "../storage/storage.js";
import type { Condition, ConditionChange } from "./timeline.js";

/** Journal kinds that change a service's or a node's condition. */
export const SERVICE_CONDITION_KINDS = ["service.health"] as const;
export const NODE_CONDITION_KINDS = ["node.down", "node.up", "node.unreachable"] as const;
/** Events only a reporting agent produces: each proves its node was up at that time. */
export const NODE_LIFE_KINDS = ["process.started", "process.exited", "process.adopted", "service.health"] as const;

/**
 * `service.health` (data.to): healthy → up, unhealthy → down. Unknown because the service's
 * node went down (data.source "node") → down: the service is not serving, it is only not
 * probed. Any other unknown (no probe result yet, agent reconnecting) → unknown.
 */
export function serviceChange(event: JournalEvent): ConditionChange | null {
  if (event.kind !== "service.health") return null;
  const to = event.data.to;
  const condition: Condition | null =
    to === "healthy" ? "up" : to === "unhealthy" ? "down" : to === "unknown" ? (event.data.source === "node" ? "down" : "unknown") : null;
  return condition === null ? null : { at: event.ts, condition };
}

/**
 * node.up → up; node.unreachable → unknown (the server cannot reach it but peers can: it may
 * well be serving); node.down → down from the last heartbeat (data.lastSeen) when that is
 * known and earlier: the node was gone from then, not only from the verdict.
 */
export function nodeChange(event: JournalEvent): ConditionChange | null {
  switch (event.kind) {
    case "node.up":
      return { at: event.ts, condition: "up" };
    case "node.unreachable":
      return { at: event.ts, condition: "unknown" };
    case "node.down": {
      const lastSeen = event.data.lastSeen;
      const at = typeof lastSeen === "number" && Number.isFinite(lastSeen) && lastSeen <= event.ts ? lastSeen : event.ts;
      return { at, condition: "down" };
    }
    default:
      return null;
  }
}

/** The node's stored state since `since`: alive and suspect (only being probed) count as up. */
export function nodeRecordChange(node: Pick<NodeRecord, "state" | "since">): ConditionChange {
  const condition: Condition = node.state === "alive" || node.state === "suspect" ? "up" : node.state === "down" ? "down" : "unknown";
  return { at: node.since, condition };
}
