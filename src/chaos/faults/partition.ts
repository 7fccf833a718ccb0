// partition: cut a node off the network. Only for an agent in its own network namespace
// (`vigil demo` as root puts each node in one) and as root: a blackhole policy rule drops
// everything but local traffic inside that namespace; reverting deletes the rule. (This
// kernel has no tc netem, so links and rules are the tools.) Cutting the host's own
// namespace would cut the operator off too, so it is refused.
import { spawnSync } from "node:child_process";
import { readlinkSync } from "node:fs";
import { onlyKnownOptions } from "../fault-options.js";
import type { Fault } from "./fault.js";

/** The rule's priority: after `lookup local` (0), before `lookup main` (32766). */
export const PARTITION_RULE_PRIORITY = 77;

function ip(args: string[]): { ok: boolean; error: string } {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  return { ok: !r.error && r.status === 0, error: (r.stderr || r.error?.message || "").trim() };
}

/** Why a partition cannot be injected here, or null. */
export function partitionUnavailableReason(): string | null {
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "the agent is not running as root";
  try {
    if (readlinkSync("/proc/self/ns/net") === readlinkSync("/proc/1/ns/net")) {
      return "the agent runs in the host's own network namespace (run it in its own, as `vigil demo` does as root); cutting the host would cut everyone off";
    }
  } catch (err) {
    return `cannot read network namespaces: ${(err as Error).message}`;
  }
  if (spawnSync("ip", ["-V"]).error) return "no `ip` command (Debian: apt-get install iproute2)";
  return null;
}

function removeRule(): string {
  let removed = 0;
  while (ip(["rule", "del", "priority", String(PARTITION_RULE_PRIORITY), "blackhole"]).ok) removed++;
  return removed > 0 ? "the network is back (blackhole rule removed)" : "no blackhole rule was left";
}

export const partitionFault: Fault<Record<string, never>> = {
  kind: "partition",
  summary: "cut a node's network (agent in its own network namespace, root)",
  targets: ["node"],
  options: [],
  cutsAgentOff: true,
  unavailable: () => {
    const reason = partitionUnavailableReason();
    return reason && `partition is not possible here: ${reason}`;
  },
  parse(raw) {
    onlyKnownOptions("partition", raw, []);
    return {};
  },
  async inject() {
    const reason = partitionUnavailableReason();
    if (reason) throw new Error(`partition is not possible here: ${reason}`);
    const added = ip(["rule", "add", "priority", String(PARTITION_RULE_PRIORITY), "blackhole"]);
    if (!added.ok) throw new Error(`ip rule add blackhole failed: ${added.error}`);
    return { record: { rulePriority: PARTITION_RULE_PRIORITY }, revert: async () => removeRule() };
  },
  async cleanup() {
    return removeRule();
  },
};
