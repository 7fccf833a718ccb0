// Memory: the service's resident set near its limit (a declared limit, else the node's
// total; a climb cut short by an exit is projected to the exit) or climbing, or the node's memory used ratio high; abnormal for the series first.
import { formatBytes, formatRate, formatRatio } from "../../../detect/forecast/human-units.js";
import type { AttributionContext, CauseCheck, CauseFinding } from "./cause.js";
import { describe, levelAtExit, serviceLabels, sinceText, wrongSince, latestValue, readResource, resourceScore, saturation, strongest, type ResourceReading } from "./resource-reading.js";

export class MemoryCheck implements CauseCheck {
  readonly name = "memory";

  check(ctx: AttributionContext): CauseFinding | null {
    const { target } = ctx;
    const findings: CauseFinding[] = [];
    const node = target.node;
    if (target.kind === "service") {
      const labels = serviceLabels(ctx);
      const declared = ctx.limits.memoryBytes;
      const limit = declared ?? (node ? latestValue(ctx, "node_memory_total_bytes", { node }, ctx.onset) : null);
      for (const r of readResource(ctx, "service_memory_rss_bytes", labels, "up")) {
        const fraction = limit ? Math.max(r.abnormality.extreme, levelAtExit(ctx, r) ?? 0) / limit : null;
        const sat = fraction === null ? null : saturation(fraction);
        const level =
          fraction === null
            ? `RSS ${formatBytes(r.abnormality.extreme)}`
            : `RSS ${formatRatio(fraction)} of ${declared !== undefined ? "limit" : "node memory"}`;
        findings.push(this.finding(ctx, r, resourceScore(r, sat), sat !== null && sat >= 0.5, level, "bytes", "RSS"));
      }
    }
    if (node) {
      for (const r of readResource(ctx, "node_memory_used_ratio", { node }, "up")) {
        const sat = saturation(r.abnormality.extreme);
        findings.push(this.finding(ctx, r, resourceScore(r, sat), sat >= 0.5, `node memory ${formatRatio(r.abnormality.extreme)} used`, "ratio", "node memory"));
      }
    }
    return strongest(findings);
  }

  private finding(ctx: AttributionContext, r: ResourceReading, score: number, exhausted: boolean, level: string, unit: "bytes" | "ratio", what: string): CauseFinding {
    const a = r.abnormality;
    const format = unit === "bytes" ? formatBytes : formatRatio;
    const parts = [level];
    if (!exhausted && Number.isFinite(a.usual)) parts.push(`usually ${format(a.usual)}`);
    const since = sinceText(ctx, r);
    if (r.trend) parts.push(`rising ${formatRate(r.trend.perSecond, unit).replace(/^\+/, "")}${since}`);
    else if (since) parts.push(since.trim());
    return {
      cause: "memory",
      score,
      phrase: `memory ${exhausted ? "exhausted" : "abnormal"} (${parts.join(", ")})`,
      evidence: [`${what}: ${describe(a, format)}${r.trend ? `, trend ${formatRate(r.trend.perSecond, unit)}` : ""}`],
      abnormalSince: wrongSince(ctx, r),
    };
  }
}
