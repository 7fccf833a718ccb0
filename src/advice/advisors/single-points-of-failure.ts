// Single points of failure: a service that others depend on (their dependsOn) and that has
// no standby. With failures of its own in the window the advice carries the modelled gain of
// a standby (standby-model.ts), e.g. "modelled availability 99.2% → 99.99%". Only incidents
// rooted in the service count (rootKey, else its own key): a failure caused by one of its
// dependencies would take a standby down as well.
import type { Advisor, AdviceFacts, AdviceItem } from "../advice.js";
import { modelStandby } from "../standby-model.js";
import { mean } from "../../availability/figures.js";
import { formatMs, formatPercent } from "../../availability/format.js";
import { incidentFigures } from "../../incident/incident-figures.js";
import type { IncidentRecord } from "../../storage/storage.js";

interface MeasuredFailures {
  incidents: number;
  mtbfMs: number;
  meanOutageMs: number;
  mttdMs: number;
}

/** MTBF (up time in the window / own failures), mean outage and MTTD of the failures rooted in the service. */
function ownFailures(facts: AdviceFacts, service: string): MeasuredFailures | null {
  const key = `service:${service}`;
  const own = facts.incidents.filter((i: IncidentRecord) => (i.rootKey ?? i.key) === key);
  const recovered = own.filter((i) => i.recoveredAt !== null);
  const upMs = facts.availability.find((a) => a.kind === "service" && a.name === service)?.windows[0]?.upMs;
  const meanOutageMs = mean(recovered.map((i) => i.recoveredAt! - i.firstSignalAt));
  const mttdMs = mean(own.map((i) => incidentFigures(i).mttdMs));
  if (own.length === 0 || upMs === undefined || meanOutageMs === null || mttdMs === null) return null;
  return { incidents: own.length, mtbfMs: upMs / own.length, meanOutageMs, mttdMs };
}

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
      const figures = ownFailures(facts, service.name);
      const model = figures && modelStandby({ mtbfMs: figures.mtbfMs, meanOutageMs: figures.meanOutageMs, failoverMs: figures.mttdMs });
      const evidence: Record<string, unknown> = { dependents, node: service.node, window: facts.window.label };
      if (model === null || model.withStandbyPercent <= model.singlePercent) {
        items.push({
          kind: "single-point-of-failure",
          severity: "info",
          subject,
          message: `${lead}; add a standby on another node (no failure of its own measured in ${facts.window.label} to model the gain)`,
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
