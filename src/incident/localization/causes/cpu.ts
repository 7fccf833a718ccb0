// CPU: the service's process pegged at its cores (one by default) or the node's CPU
// saturated, abnormal for the series.
import { formatRatio } from "../../../detect/forecast/human-units.js";
import type { AttributionContext, CauseCheck, CauseFinding } from "./cause.js";
import { describe, serviceLabels, readResource, resourceScore, saturation, strongest } from "./resource-reading.js";

export class CpuCheck implements CauseCheck {
  readonly name = "cpu";

  check(ctx: AttributionContext): CauseFinding | null {
    const { target } = ctx;
    const node = target.node;
    const findings: CauseFinding[] = [];
    if (target.kind === "service") {
      const cores = ctx.limits.cpuCores ?? 1;
      const labels = serviceLabels(ctx);
      for (const r of readResource(ctx, "service_cpu_usage_ratio", labels, "up")) {
        const a = r.abnormality;
        const sat = saturation(a.extreme / cores);
        const of = cores === 1 ? "of a core" : `of ${cores} cores`;
        findings.push({
          cause: "cpu",
          score: resourceScore(r, sat),
          phrase: `CPU ${sat >= 0.5 ? "saturated" : "abnormal"} (process at ${formatRatio(a.extreme)} ${of}${usual(a.usual)}${since(ctx, a.abnormalSince)})`,
          evidence: [`process CPU: ${describe(a, formatRatio)}`],
          abnormalSince: a.abnormalSince,
        });
      }
    }
    if (node) {
      for (const r of readResource(ctx, "node_cpu_usage_ratio", { node }, "up")) {
        const a = r.abnormality;
        const sat = saturation(a.extreme);
        findings.push({
          cause: "cpu",
          score: resourceScore(r, sat),
          phrase: `CPU ${sat >= 0.5 ? "saturated" : "abnormal"} (node ${node} at ${formatRatio(a.extreme)}${usual(a.usual)}${since(ctx, a.abnormalSince)})`,
          evidence: [`node CPU: ${describe(a, formatRatio)}`],
          abnormalSince: a.abnormalSince,
        });
      }
    }
    return strongest(findings);
  }
}

function usual(value: number): string {
  return Number.isFinite(value) ? `, usually ${formatRatio(value)}` : "";
}

function since(ctx: AttributionContext, ts: number | null): string {
  return ts === null ? "" : `, since ${ctx.formatClock(ts)}`;
}
