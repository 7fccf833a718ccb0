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

const HOST_NAMESPACE =
  "the agent runs in the host's own network namespace (run it in its own, as `vigil demo` does as root); cutting the host would cut everyone off";

/** Why a partition cannot be injected here, or null. */
export function partitionUnavailableReason(): string | null {
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "the agent is not running as root";
  if (spawnSync("ip", ["-V"]).error) return "no `ip` command (Debian: apt-get install iproute2)";
  // A named namespace (`ip netns add`, as the demo makes) is ours to cut. `ip netns exec`
  // gives its process a mount namespace in which /proc/1/ns/net cannot be read, so the
  // name is the test; without one, compare with init's namespace where that can be read.
  const named = spawnSync("ip", ["netns", "identify", String(process.pid)], { encoding: "utf8" });
  if (named.status === 0 && named.stdout.trim() !== "") return null;
  try {
    if (readlinkSync("/proc/self/ns/net") === readlinkSync("/proc/1/ns/net")) return HOST_NAMESPACE;
  } catch (err) {
    return `the agent's network namespace has no name (ip netns identify) and cannot be told apart from the host's (${(err as Error).message}); cutting the host would cut everyone off`;
  }
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
