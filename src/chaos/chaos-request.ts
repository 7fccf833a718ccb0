// A fault request from the API or the CLI, checked against the cluster before anything is
// sent (pure): the fault exists, the target is a known service or node of a kind the fault
// acts on, the duration and options are valid. Defaults come from the target's declared
// limits (memory up to `limits.memory`, fd up to `limits.fds`).
import { parseDuration } from "../util/duration.js";
import { ChaosSpecError } from "./chaos-spec-error.js";
import { faultOf } from "./faults/index.js";
import type { FaultKind, FaultTarget } from "./faults/fault.js";

export const DEFAULT_CHAOS_DURATION_MS = 30_000;
export const MAX_CHAOS_DURATION_MS = 24 * 3_600_000;

export interface ChaosCluster {
  /** Service → where it runs now and its declared limits. */
  services: ReadonlyMap<string, { node: string; limits?: { memory?: number; fds?: number } }>;
  nodes: ReadonlySet<string>;
}

export interface ChaosPlan {
  fault: FaultKind;
  target: FaultTarget;
  /** The node whose agent carries it out. */
  node: string;
  durationMs: number;
  /** The options as sent to the agent (raw, defaults filled in), which parses them again. */
  options: Record<string, unknown>;
}

export function parseChaosRequest(body: unknown, cluster: ChaosCluster): ChaosPlan {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ChaosSpecError("body", "expected a JSON object { fault, target, duration, options }");
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!["fault", "target", "duration", "options"].includes(key)) throw new ChaosSpecError(key, "unknown field (expected fault, target, duration, options)");
  }
  const fault = faultOf(b.fault);
  const target = resolveTarget(b.target, cluster);
  if (!fault.targets.includes(target.kind)) {
    throw new ChaosSpecError("target", `fault "${fault.kind}" acts on a ${fault.targets.join(" or a ")}, and "${target.name}" is a ${target.kind}`);
  }
  const durationMs = parseChaosDuration(b.duration);
  const raw = b.options ?? {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ChaosSpecError("options", "expected an object of option values");
  const options: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  const limits = target.kind === "service" ? cluster.services.get(target.name)?.limits : undefined;
  if (fault.kind === "memory" && options.limit === undefined && limits?.memory !== undefined) options.limit = limits.memory;
  if (fault.kind === "fd" && options.count === undefined && limits?.fds !== undefined) options.count = limits.fds;
  fault.parse(options); // throws a ChaosSpecError naming the option
  const node = target.kind === "node" ? target.name : cluster.services.get(target.name)!.node;
  return { fault: fault.kind, target, node, durationMs, options };
}

/** "db", "service:db", "node-a" or "node:node-a"; a bare name that is both is a service. */
export function resolveTarget(value: unknown, cluster: ChaosCluster): FaultTarget {
  if (typeof value !== "string" || value.trim() === "") throw new ChaosSpecError("target", "expected a service or node name");
  const text = value.trim();
  const m = /^(service|node):(.+)$/.exec(text);
  const known = `services: ${[...cluster.services.keys()].join(", ") || "none"}; nodes: ${[...cluster.nodes].join(", ") || "none"}`;
  if (m) {
    const kind = m[1] as "service" | "node";
    const exists = kind === "service" ? cluster.services.has(m[2]!) : cluster.nodes.has(m[2]!);
    if (!exists) throw new ChaosSpecError("target", `no ${kind} "${m[2]}" (${known})`);
    return { kind, name: m[2]! };
  }
  if (cluster.services.has(text)) return { kind: "service", name: text };
  if (cluster.nodes.has(text)) return { kind: "node", name: text };
  throw new ChaosSpecError("target", `no service or node "${text}" (${known})`);
}

function parseChaosDuration(value: unknown): number {
  if (value === undefined) return DEFAULT_CHAOS_DURATION_MS;
  const ms = typeof value === "number" && Number.isInteger(value) ? value : typeof value === "string" ? parseDuration(value) : null;
  if (ms === null || ms < 100 || ms > MAX_CHAOS_DURATION_MS) {
    throw new ChaosSpecError("duration", `expected a duration from 100ms to 24h such as "30s", got ${JSON.stringify(value)}`);
  }
  return ms;
}
