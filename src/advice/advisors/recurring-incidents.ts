// Recurring incidents: the same component failing for the same cause again and again in the
// window ("api failed 12 times in 7d, cause memory (restarted 12 times): look for a leak or
// raise its limit"). Incidents are grouped by their localized root (rootKey, else their own
// key) and cause; a group of at least MIN_RECURRING is advice, of CRITICAL_RECURRING critical.
import type { Advisor, AdviceFacts, AdviceItem } from "../advice.js";
import { subjectName } from "../advice.js";
import { causeSuggestion } from "../cause-suggestions.js";

export const MIN_RECURRING = 3;
export const CRITICAL_RECURRING = 10;
const RESTART_ACTIONS = new Set(["restart", "kill"]);

export const recurringIncidents: Advisor = {
  kind: "recurring-incident",
  advise(facts: AdviceFacts): AdviceItem[] {
    const groups = new Map<string, { subject: string; cause: string | null; ids: number[] }>();
    for (const incident of facts.incidents) {
      const subject = incident.rootKey ?? incident.key;
      const id = `${subject}\u0000${incident.cause ?? ""}`;
      const group = groups.get(id) ?? { subject, cause: incident.cause, ids: [] };
      group.ids.push(incident.id);
      groups.set(id, group);
    }
    const items: AdviceItem[] = [];
    for (const { subject, cause, ids } of groups.values()) {
      if (ids.length < MIN_RECURRING) continue;
      const inGroup = new Set(ids);
      const restarts = facts.events.filter(
        (e) => e.kind === "action.succeeded" && e.incidentId !== undefined && inGroup.has(e.incidentId) && RESTART_ACTIONS.has(String(e.data.action)),
      ).length;
      const restarted = restarts > 0 ? ` (restarted ${restarts} time${restarts === 1 ? "" : "s"})` : "";
      items.push({
        kind: "recurring-incident",
        severity: ids.length >= CRITICAL_RECURRING ? "critical" : "warning",
        subject,
        message: `${subjectName(subject)} failed ${ids.length} times in ${facts.window.label}${restarted}, cause ${cause ?? "not localized"}: ${causeSuggestion(cause)}`,
        evidence: { incidents: ids.length, cause, restarts, incidentIds: [...ids].sort((a, b) => a - b), window: facts.window.label },
      });
    }
    return items;
  },
};
