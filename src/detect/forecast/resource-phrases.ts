// How a forecast names what runs out: "`/` on node a will be full", "memory of node a will
// run out", and for any other metric "<metric> on … will reach <limit>". Known resources are
// read from the metric names the agent's collectors emit.
import type { Labels } from "../../tsdb/series-store.js";
import type { Direction } from "./exhaustion.js";
import { formatQuantity, unitOfMetric } from "./human-units.js";

/** The two tenses of the outcome: "will be full" (in …) and "is full" (now). */
export interface ExhaustionPhrase {
  /** Completed by " in 37 min". */
  future: string;
  present: string;
}

interface KnownResource {
  /** "`/` on node a": the subject when the limit is the natural end. */
  name: (labels: Labels) => string;
  /** "free space of `/` on node a": the subject when the limit is another value. */
  measured: (labels: Labels) => string;
  /** The limit and direction at which the resource is simply gone: free → 0, used ratio → 1. */
  natural: { limit: number; direction: Direction; future: string; present: string };
}

const onNode = (labels: Labels) => (labels.node !== undefined ? ` on node ${labels.node}` : "");
const ofNode = (labels: Labels) => (labels.node !== undefined ? ` of node ${labels.node}` : "");
const mount = (labels: Labels) => `\`${labels.mountpoint ?? "?"}\`${onNode(labels)}`;

const full = { future: "will be full", present: "is full" };
const runOut = { future: "will run out", present: "has run out" };

const KNOWN_RESOURCES: Record<string, KnownResource> = {
  node_filesystem_free_bytes: {
    name: mount,
    measured: (l) => `free space of ${mount(l)}`,
    natural: { limit: 0, direction: "down", ...full },
  },
  node_filesystem_used_ratio: {
    name: mount,
    measured: (l) => `usage of ${mount(l)}`,
    natural: { limit: 1, direction: "up", ...full },
  },
  node_filesystem_inodes_free_ratio: {
    name: mount,
    measured: (l) => `free inodes of ${mount(l)}`,
    natural: { limit: 0, direction: "down", future: "will run out of inodes", present: "has run out of inodes" },
  },
  node_memory_available_bytes: {
    name: (l) => `memory${ofNode(l)}`,
    measured: (l) => `available memory${ofNode(l)}`,
    natural: { limit: 0, direction: "down", ...runOut },
  },
  node_memory_used_ratio: {
    name: (l) => `memory${ofNode(l)}`,
    measured: (l) => `memory usage${ofNode(l)}`,
    natural: { limit: 1, direction: "up", ...runOut },
  },
  node_swap_free_bytes: {
    name: (l) => `swap${ofNode(l)}`,
    measured: (l) => `free swap${ofNode(l)}`,
    natural: { limit: 0, direction: "down", ...runOut },
  },
  node_swap_used_ratio: {
    name: (l) => `swap${ofNode(l)}`,
    measured: (l) => `swap usage${ofNode(l)}`,
    natural: { limit: 1, direction: "up", ...runOut },
  },
};

/** "memory of service api": resident memory has no natural limit, but a readable name. */
const NAMED_ONLY: Record<string, (labels: Labels) => string> = {
  service_memory_rss_bytes: (l) => `memory of service ${l.service ?? "?"}${onNode(l)}`,
  service_open_fds: (l) => `open files of service ${l.service ?? "?"}${onNode(l)}`,
};

/**
 * The subject and outcome of a forecast sentence. At a known resource's natural end the
 * outcome is its own ("`/` on node a" + "will be full"); at any other limit it is the limit
 * itself ("free space of `/` on node a" + "will fall to 1 GB").
 */
export function describeExhaustion(
  metric: string,
  labels: Labels,
  limit: number,
  direction: Direction,
): { subject: string; phrase: ExhaustionPhrase } {
  const limitText = formatQuantity(limit, unitOfMetric(metric));
  const toLimit: ExhaustionPhrase =
    direction === "down"
      ? { future: `will fall to ${limitText}`, present: `is at or below ${limitText}` }
      : { future: `will reach ${limitText}`, present: `is at or above ${limitText}` };
  const known = KNOWN_RESOURCES[metric];
  if (known !== undefined) {
    const { natural } = known;
    if (natural.limit === limit && natural.direction === direction) {
      return { subject: known.name(labels), phrase: { future: natural.future, present: natural.present } };
    }
    return { subject: known.measured(labels), phrase: toLimit };
  }
  const named = NAMED_ONLY[metric];
  if (named !== undefined) return { subject: named(labels), phrase: toLimit };
  const where = Object.entries(labels)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return { subject: `${metric}${where ? ` on ${where}` : ""}`, phrase: toLimit };
}
