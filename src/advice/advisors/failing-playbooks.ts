// Playbooks that keep failing: recovery attempts that failed verification (`recovery.failed`)
// and incidents escalated after the attempts ran out (`escalated`), per service in the window.
// Automatic repair is not fixing what breaks the service; the advice names the causes seen.
import type { Advisor, AdviceFacts, AdviceItem } from "../advice.js";
import { causeSuggestion } from "../cause-suggestions.js";

/** This many failed attempts in the window are advice even without an escalation. */
export const MIN_FAILED_ATTEMPTS = 3;
/** This many escalations in the window are critical. */
export const CRITICAL_ESCALATIONS = 2;

export const failingPlaybooks: Advisor = {
  kind: "failing-playbook",
  advise(facts: AdviceFacts): AdviceItem[] {
    const items: AdviceItem[] = [];
    for (const service of facts.services) {
      const mine = facts.events.filter((e) => e.service === service.name);
      const failed = mine.filter((e) => e.kind === "recovery.failed").length;
      const escalations = mine.filter((e) => e.kind === "escalated");
      if (escalations.length === 0 && failed < MIN_FAILED_ATTEMPTS) continue;
      const escalatedIds = new Set(escalations.map((e) => e.incidentId).filter((id): id is number => id !== undefined));
      const causes = [...new Set(facts.incidents.filter((i) => escalatedIds.has(i.id)).map((i) => i.cause ?? "unknown"))].sort();
      const mainCause = causes.length === 1 ? causes[0]! : null;
      const counts = [
        failed > 0 ? `${failed} failed attempt${failed === 1 ? "" : "s"}` : null,
        escalations.length > 0 ? `${escalations.length} escalation${escalations.length === 1 ? "" : "s"}` : null,
      ].filter(Boolean);
      items.push({
        kind: "failing-playbook",
        severity: escalations.length >= CRITICAL_ESCALATIONS ? "critical" : "warning",
        subject: `service:${service.name}`,
        message:
          `recovery of ${service.name} (playbook ${service.recovery}) keeps failing: ${counts.join(" and ")} in ${facts.window.label}` +
          (causes.length > 0 ? `, cause${causes.length === 1 ? "" : "s"} ${causes.join(", ")}` : "") +
          `: its steps do not fix what breaks it; ${mainCause ? causeSuggestion(mainCause) : "find the cause, then add a step for it (or a standby)"}`,
        evidence: {
          playbook: service.recovery,
          failedAttempts: failed,
          escalations: escalations.length,
          escalatedIncidentIds: [...escalatedIds].sort((a, b) => a - b),
          causes,
          window: facts.window.label,
        },
      });
    }
    return items;
  },
};
