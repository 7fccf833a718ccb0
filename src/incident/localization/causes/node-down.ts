// Node down: the failure detector's verdict on the suspect's node (or the suspect node).
// Confirmed dead is decisive; unreachable or suspect only says the node may be at fault.
import type { AttributionContext, CauseCheck, CauseFinding } from "./cause.js";

export class NodeDownCheck implements CauseCheck {
  readonly name = "node-down";

  check(ctx: AttributionContext): CauseFinding | null {
    const node = ctx.target.node;
    if (!node) return null;
    const verdicts = ctx.evidence.filter((e) => e.source === "node" || e.kind.startsWith("node-"));
    const down = verdicts.find((e) => e.kind === "node-down");
    const weak = verdicts.find((e) => e.kind === "node-unreachable") ?? verdicts.find((e) => e.kind === "node-suspect");
    const chosen = down ?? weak;
    if (!chosen) return null;
    const score = down ? 0.95 : chosen.kind === "node-unreachable" ? 0.5 : 0.3;
    return {
      cause: "node-down",
      score,
      phrase: `node ${down ? "down" : chosen.kind === "node-unreachable" ? "unreachable" : "suspected down"} (${chosen.detail})`,
      evidence: verdicts.map((e) => `${ctx.formatClock(e.at)} ${e.detail}`),
      abnormalSince: chosen.at,
    };
  }
}
