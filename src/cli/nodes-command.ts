// `vigil nodes`: every node's liveness from a running server — state, φ (how surprising
// the current silence is), the silence after which it would be suspected, and its risk.
import { formatDuration } from "../util/duration.js";
import { apiGet } from "./api-get.js";
import { apiTarget, type ClientFlags } from "./options.js";
import { formatTable, painter, toneOf } from "./terminal.js";

export type NodesFlags = ClientFlags;

interface NodeView {
  name: string;
  state: string;
  since: number;
  connected: boolean;
  liveness?: { phi: number | null; suspectAfterMs: number; lastSeen: number; heldBack: boolean; probing: boolean };
  risk?: { score: number; factors: Array<{ detail: string }> };
}

export async function nodesCommand(flags: NodesFlags): Promise<number> {
  const res = await apiGet<{ nodes: NodeView[] }>("nodes", apiTarget(flags), "/api/v1/nodes");
  if (res === null) return 1;
  if (flags.json) {
    console.log(JSON.stringify(res, null, 2));
    return 0;
  }
  if (res.nodes.length === 0) {
    console.log("No nodes: no agent has connected yet (start one with `vigil agent --server URL`).");
    return 0;
  }
  const paint = painter();
  const now = Date.now();
  const rows = [["NODE", "STATE", "FOR", "PHI", "SUSPECT AFTER", "LAST SEEN", "RISK"].map((h) => paint(h, "dim"))];
  for (const n of res.nodes) {
    const l = n.liveness;
    rows.push([
      n.name,
      paint(n.state, toneOf(n.state)) + (l?.heldBack ? " (held back)" : "") + (l?.probing ? " (probing)" : ""),
      formatDuration(Math.max(0, now - n.since)),
      l?.phi === null || l === undefined ? "-" : l.phi.toFixed(2),
      l ? formatDuration(l.suspectAfterMs) : "-",
      l ? `${formatDuration(Math.max(0, now - l.lastSeen))} ago` : "-",
      n.risk ? `${n.risk.score.toFixed(2)}${n.risk.factors[0] ? ` (${n.risk.factors[0].detail})` : ""}` : "-",
    ]);
  }
  console.log(formatTable(rows));
  return 0;
}
