// File descriptors: the service's open fds near its declared open-files limit, or climbing
// abnormally (a leak) when no limit is declared.
import { formatRate } from "../../../detect/forecast/human-units.js";
import type { AttributionContext, CauseCheck, CauseFinding } from "./cause.js";
import { describe, serviceLabels, sinceText, wrongSince, readResource, resourceScore, saturation, strongest } from "./resource-reading.js";

export class FdsCheck implements CauseCheck {
  readonly name = "fds";

  check(ctx: AttributionContext): CauseFinding | null {
    const { target } = ctx;
    if (target.kind !== "service") return null;
    const labels = serviceLabels(ctx);
    const limit = ctx.limits.fds;
    const count = (x: number) => String(Math.round(x));
    const findings = readResource(ctx, "service_open_fds", labels, "up").map((r): CauseFinding => {
      const a = r.abnormality;
      const sat = limit ? saturation(a.extreme / limit) : null;
      const parts = [limit ? `${count(a.extreme)} open of ${limit}` : `${count(a.extreme)} open`];
      if (Number.isFinite(a.usual) && !(sat !== null && sat >= 0.5)) parts.push(`usually ${count(a.usual)}`);
      const since = sinceText(ctx, r);
      if (r.trend) parts.push(`rising ${formatRate(r.trend.perSecond, "number").replace(/^\+/, "")}${since}`);
      else if (since) parts.push(since.trim());
      return {
        cause: "fds",
        score: resourceScore(r, sat),
        phrase: `file descriptors ${sat !== null && sat >= 0.5 ? "exhausted" : "leaking"} (${parts.join(", ")})`,
        evidence: [`open fds: ${describe(a, count)}`],
        abnormalSince: wrongSince(ctx, r),
      };
    });
    return strongest(findings);
  }
}
