// Network: interface errors on the suspect's node well above their usual rate, or its
// traffic collapsed. Loopback is left out: it carries the node's own chatter.
import { formatBytes, formatRatio } from "../../../detect/forecast/human-units.js";
import type { AttributionContext, CauseCheck, CauseFinding } from "./cause.js";
import { describe, readResource, resourceScore, strongest } from "./resource-reading.js";

/** Errors per second below this are noise on any link. */
const ERROR_RATE_FLOOR = 1;
/** Traffic under this (bytes/s) is too little to call a collapse. */
const MIN_TRAFFIC = 10 * 1024;

export class NetworkCheck implements CauseCheck {
  readonly name = "network";

  check(ctx: AttributionContext): CauseFinding | null {
    const node = ctx.target.node;
    if (!node) return null;
    const findings: CauseFinding[] = [];
    const perSecond = (x: number) => `${x === 0 ? 0 : x < 10 ? x.toFixed(1) : Math.round(x)}/s`;
    for (const metric of ["node_network_receive_errors_per_second", "node_network_transmit_errors_per_second"]) {
      for (const r of readResource(ctx, metric, { node }, "up", ERROR_RATE_FLOOR)) {
        if (r.labels.device === "lo") continue;
        const a = r.abnormality;
        const direction = metric.includes("receive") ? "receive" : "transmit";
        findings.push({
          cause: "network",
          score: resourceScore(r, null),
          phrase: `network errors (${r.labels.device ?? "?"} ${direction} errors ${perSecond(a.extreme)}${Number.isFinite(a.usual) ? `, usually ${perSecond(a.usual)}` : ""}${a.abnormalSince !== null ? `, since ${ctx.formatClock(a.abnormalSince)}` : ""})`,
          evidence: [`${direction} errors on ${r.labels.device ?? "?"}: ${describe(a, perSecond)}`],
          abnormalSince: a.abnormalSince,
        });
      }
    }
    for (const r of readResource(ctx, "node_network_receive_bytes_per_second", { node }, "down")) {
      const a = r.abnormality;
      if (r.labels.device === "lo" || !(a.usual >= MIN_TRAFFIC)) continue;
      const collapse = 1 - a.extreme / a.usual;
      const rate = (x: number) => `${formatBytes(x)}/s`;
      findings.push({
        cause: "network",
        score: resourceScore(r, Math.min(1, Math.max(0, (collapse - 0.5) / 0.45))),
        phrase: `network traffic collapsed (${r.labels.device ?? "?"} receiving ${rate(a.extreme)}, usually ${rate(a.usual)}, −${formatRatio(collapse)}${a.abnormalSince !== null ? ` since ${ctx.formatClock(a.abnormalSince)}` : ""})`,
        evidence: [`received on ${r.labels.device ?? "?"}: ${describe(a, rate)}`],
        abnormalSince: a.abnormalSince,
      });
    }
    return strongest(findings);
  }
}
