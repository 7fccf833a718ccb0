// `vigil nodes`: every node's liveness from a running server — state, φ (how surprising
// the current silence is), the silence after which it would be suspected, and its risk.
import { formatDuration } from "../util/duration.js";
import { authHeaders, authHint } from "./api-get.js";
import { apiTarget, type CommonFlags } from "./options.js";

interface NodeView {
  name: string;
  state: string;
  since: number;
  connected: boolean;
  liveness?: { phi: number | null; suspectAfterMs: number; lastSeen: number; heldBack: boolean; probing: boolean };
  risk?: { score: number; factors: Array<{ detail: string }> };
}

export async function nodesCommand(flags: CommonFlags): Promise<number> {
  const target = apiTarget(flags);
  const base = target.base;
  let nodes: NodeView[];
  try {
    const res = await fetch(`${base}/api/v1/nodes`, { headers: authHeaders(target), signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`HTTP ${res.status} ${await res.text()}${authHint(res.status, target)}`);
    nodes = ((await res.json()) as { nodes: NodeView[] }).nodes;
  } catch (err) {
    console.error(`vigil nodes: cannot reach the server at ${base}: ${(err as Error).message}`);
    return 1;
  }
  const now = Date.now();
  const rows = [["NODE", "STATE", "FOR", "PHI", "SUSPECT AFTER", "LAST SEEN", "RISK"]];
  for (const n of nodes) {
    const l = n.liveness;
    rows.push([
      n.name,
      n.state + (l?.heldBack ? " (held back)" : "") + (l?.probing ? " (probing)" : ""),
      formatDuration(now - n.since),
      l?.phi === null || l === undefined ? "-" : l.phi.toFixed(2),
      l ? formatDuration(l.suspectAfterMs) : "-",
      l ? `${formatDuration(now - l.lastSeen)} ago` : "-",
      n.risk ? `${n.risk.score.toFixed(2)}${n.risk.factors[0] ? ` (${n.risk.factors[0].detail})` : ""}` : "-",
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n"));
  return 0;
}
