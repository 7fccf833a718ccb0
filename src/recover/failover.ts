// The failover action: start the service on its first live standby, fence the old
// instance (its agent stops it, now or when its node returns, and will not start it until
// unfenced), run the declared promote command, and move the service there. The verification
// after it is the playbook's, like after any other repair.
import type { ActionOutcome, ActionOptions } from "./orchestrator.js";
import type { Placements } from "./placements.js";

export interface FailoverDeps {
  placements: Placements;
  standbysOf(service: string): readonly string[];
  /** The node is alive and its agent connected. */
  canRun(node: string): boolean;
  hasPromote(service: string): boolean;
  sendToNode(node: string, service: string, action: "start" | "promote", reason: string, options: ActionOptions): Promise<ActionOutcome>;
  /** The service's placement changed: its health so far belonged to the old node. */
  moved(service: string, from: string, to: string): Promise<void>;
  /** The node's service list changed (fenced, or no longer a standby): tell its agent if connected. */
  servicesChanged(node: string): void;
}

/** Why failover cannot be taken for the service now, or null when it can. */
export function failoverUnavailable(service: string, deps: Pick<FailoverDeps, "placements" | "standbysOf" | "canRun">): string | null {
  const standbys = deps.standbysOf(service);
  if (standbys.length === 0) return `${service} has no standby`;
  return pickStandby(service, deps) === null ? `no standby of ${service} can run it now (standby: ${standbys.join(", ")})` : null;
}

function pickStandby(service: string, deps: Pick<FailoverDeps, "placements" | "standbysOf" | "canRun">): string | null {
  const current = deps.placements.nodeOf(service);
  return deps.standbysOf(service).find((n) => n !== current && deps.canRun(n) && !deps.placements.isFenced(service, n)) ?? null;
}

export async function failover(service: string, reason: string, options: ActionOptions, deps: FailoverDeps): Promise<ActionOutcome> {
  const from = deps.placements.nodeOf(service);
  const to = pickStandby(service, deps);
  if (from === undefined) return { ok: false, error: `unknown service ${service}` };
  if (to === null) return { ok: false, error: failoverUnavailable(service, deps) ?? `no standby of ${service} can run it now` };
  // Fence first: from here on the old instance must not come back, whatever happens next.
  await deps.placements.moveTo(service, to, from);
  deps.servicesChanged(from);
  await deps.moved(service, from, to);
  const started = await deps.sendToNode(to, service, "start", reason, { actionId: `${options.actionId}:start` });
  deps.servicesChanged(to);
  if (!started.ok) return { ok: false, error: `start on ${to} failed: ${started.error ?? "unknown error"}`, data: { from, to } };
  if (deps.hasPromote(service)) {
    const promoted = await deps.sendToNode(to, service, "promote", reason, { actionId: `${options.actionId}:promote` });
    if (!promoted.ok) return { ok: false, error: `promote on ${to} failed: ${promoted.error ?? "unknown error"}`, data: { from, to } };
  }
  return { ok: true, data: { from, to, fenced: from, ...(started.data?.["pid"] !== undefined && { pid: started.data["pid"] }) } };
}
