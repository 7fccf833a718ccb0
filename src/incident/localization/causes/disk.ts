// Disk: a filesystem of the suspect's node full (used ratio) or out of inodes, abnormal for
// that filesystem. Which mount the service writes to is not known, so every mount counts.
import { formatBytes, formatRate, formatRatio } from "../../../detect/forecast/human-units.js";
import { onsetTrend } from "../onset-trend.js";
import type { AttributionContext, CauseCheck, CauseFinding } from "./cause.js";
import { describe, sinceText, wrongSince, latestValue, readResource, resourceScore, saturation, strongest } from "./resource-reading.js";

export class DiskCheck implements CauseCheck {
  readonly name = "disk";

  check(ctx: AttributionContext): CauseFinding | null {
    const node = ctx.target.node;
    if (!node) return null;
    const findings: CauseFinding[] = [];
    for (const r of readResource(ctx, "node_filesystem_used_ratio", { node }, "up")) {
      const a = r.abnormality;
      const mount = r.labels.mountpoint ?? "?";
      const sat = saturation(a.extreme);
      const parts = [`\`${mount}\` ${formatRatio(a.extreme)} used`];
      const mountLabels = { node, mountpoint: mount };
      const free = latestValue(ctx, "node_filesystem_free_bytes", mountLabels, Math.min(ctx.now, ctx.onset + ctx.windows.afterMs));
      if (free !== null) parts.push(`${formatBytes(free)} free`);
      const freeSeries = ctx.series?.readSeries("node_filesystem_free_bytes", mountLabels, ctx.onset - ctx.windows.trendMs, Math.min(ctx.now, ctx.onset + ctx.windows.afterMs)) ?? [];
      const filling = freeSeries.length === 1 ? onsetTrend(freeSeries[0]!.points, ctx.onset - ctx.windows.trendMs, ctx.now, "down") : null;
      if (!(sat >= 0.5) && Number.isFinite(a.usual)) parts.push(`usually ${formatRatio(a.usual)}`);
      const since = sinceText(ctx, r);
      if (filling) parts.push(`filling ${formatRate(-filling.perSecond, "bytes").replace(/^\+/, "")}${since}`);
      else if (since) parts.push(since.trim());
      findings.push({
        cause: "disk",
        score: resourceScore(r, sat),
        phrase: `disk ${sat >= 0.5 ? "full" : "filling abnormally"} (${parts.join(", ")})`,
        evidence: [`filesystem ${mount}: ${describe(a, formatRatio)}`],
        abnormalSince: wrongSince(ctx, r),
      });
    }
    for (const r of readResource(ctx, "node_filesystem_inodes_free_ratio", { node }, "down")) {
      const a = r.abnormality;
      const mount = r.labels.mountpoint ?? "?";
      const sat = saturation(1 - a.extreme);
      findings.push({
        cause: "disk",
        score: resourceScore(r, sat),
        phrase: `disk out of inodes (\`${mount}\` ${formatRatio(a.extreme)} of inodes free${a.abnormalSince !== null ? ` since ${ctx.formatClock(a.abnormalSince)}` : ""})`,
        evidence: [`inodes free on ${mount}: ${describe(a, formatRatio)}`],
        abnormalSince: a.abnormalSince,
      });
    }
    return strongest(findings);
  }
}
