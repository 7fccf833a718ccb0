// Single points of failure: a service that others depend on (their dependsOn) and that has
// no standby. With measured failures in the window the advice carries the modelled gain of a
// standby (standby-model.ts), e.g. "modelled availability 99.2% → 99.99%".
import type { Advisor, AdviceFacts, AdviceItem } from "../advice.js";
import { modelStandby } from "../standby-model.js";
import { formatMs, formatPercent } from "../../availability/format.js";

export const singlePointsOfFailure: Advisor = {
  kind: "single-point-of-failure",
  advise(facts: AdviceFacts): AdviceItem[] {
    const items: AdviceItem[] = [];
    for (const service of facts.services) {
      if (service.standby.length > 0) continue;
      const dependents = facts.services.filter((s) => s.dependsOn.includes(service.name)).map((s) => s.name).sort();
      if (dependents.length === 0) continue;
      const subject = `service:${service.name}`;
      const lead = `${service.name} has dependents (${dependents.join(", ")}) and no standby: when it or ${service.node} fails, they fail too`;
      const figures = facts.availability.find((a) => a.kind === "service" && a.name === service.name)?.windows[0];
      const model =
        figures && figures.mtbfMs !== null && figures.meanOutageMs !== null && figures.mttdMs !== null
          ? modelStandby({ mtbfMs: figures.mtbfMs, meanOutageMs: figures.meanOutageMs, failoverMs: figures.mttdMs })
          : null;
      const evidence: Record<string, unknown> = { dependents, node: service.node, window: facts.window.label };
      if (model === null || model.withStandbyPercent <= model.singlePercent) {
        items.push({
          kind: "single-point-of-failure",
          severity: "info",
          subject,
          message: `${lead}; add a standby on another node (no failure measured in ${facts.window.label} to model the gain)`,
          evidence,
        });
        continue;
      }
      items.push({
        kind: "single-point-of-failure",
        severity: "warning",
        subject,
        message:
          `${lead}; add a standby on another node: modelled availability ${formatPercent(model.singlePercent)} → ${formatPercent(model.withStandbyPercent)} ` +
          `(from ${figures!.incidents} failure${figures!.incidents === 1 ? "" : "s"} in ${facts.window.label}: MTBF ${formatMs(figures!.mtbfMs)}, ` +
          `mean outage ${formatMs(figures!.meanOutageMs)}, MTTD ${formatMs(figures!.mttdMs)})`,
        evidence: {
          ...evidence,
          incidents: figures!.incidents,
          mtbfMs: figures!.mtbfMs,
          meanOutageMs: figures!.meanOutageMs,
          mttdMs: figures!.mttdMs,
          modelledPercent: model.singlePercent,
          modelledWithStandbyPercent: model.withStandbyPercent,
          model: model.formula,
        },
      });
    }
    return items;
  },
};
