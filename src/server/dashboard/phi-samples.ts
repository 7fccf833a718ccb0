// φ over time: the failure detector's suspicion of each node, sampled into the series store
// as `vigil_node_phi{node}` so the node page can chart it. Pure: the server's timer calls it.
import type { Sample } from "../../protocol/messages.js";

export const PHI_METRIC = "vigil_node_phi";
/**
 * φ grows without bound (it is −log10 of a tail probability; a node that is gone reaches
 * +Inf). Beyond this it says nothing more to a reader of a chart, and a finite cap keeps the
 * series compressible and its axis readable.
 */
export const PHI_CHART_CAP = 50;

export function phiSamples(nodes: readonly { name: string; phi: number | undefined }[], now: number): Sample[] {
  const out: Sample[] = [];
  for (const n of nodes) {
    if (n.phi === undefined || Number.isNaN(n.phi)) continue;
    out.push({ name: PHI_METRIC, labels: { node: n.name }, ts: now, value: Math.min(Math.max(n.phi, 0), PHI_CHART_CAP) });
  }
  return out;
}
