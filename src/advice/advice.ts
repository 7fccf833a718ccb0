// The advisor's contract: every advisor (advisors/, one file per kind of advice) reads the
// same facts about the recent past and returns advice items; advise() runs them all.
import type { ComponentAvailability } from "../availability/component-availability.js";
import type { ReportWindow } from "../availability/windows.js";
import type { AlertRecord, IncidentRecord, JournalEvent } from "../storage/storage.js";

export type AdviceSeverity = "info" | "warning" | "critical";

export interface AdviceItem {
  /** Which advisor: "recurring-incident", "single-point-of-failure", ... */
  kind: string;
  severity: AdviceSeverity;
  /** What it is about: "service:api", "node:node-b". */
  subject: string;
  /** One sentence for people: what was seen and what to do. */
  message: string;
  /** The figures and ids the message rests on. */
  evidence: Record<string, unknown>;
}

export interface ServiceFacts {
  name: string;
  node: string;
  dependsOn: string[];
  /** Nodes that can take it over (config `standby:`); empty: none. */
  standby: string[];
  /** Its playbook's name: "default", a configured one, or "none". */
  recovery: string;
}

/** What every advisor sees: the look-back window ending at `now`, and what happened in it. */
export interface AdviceFacts {
  now: number;
  window: ReportWindow;
  services: ServiceFacts[];
  /** Incidents whose first signal falls in the window, newest first. */
  incidents: IncidentRecord[];
  /** Every service's and node's figures over the window. */
  availability: ComponentAvailability[];
  /** Alerts pending or firing now. */
  activeAlerts: AlertRecord[];
  /** Journal events of ADVICE_EVENT_KINDS in the window, in journal order. */
  events: JournalEvent[];
}

/** The journal kinds advisors read. */
export const ADVICE_EVENT_KINDS = ["service.health", "alert.flapping", "recovery.failed", "escalated", "action.succeeded"] as const;

export interface Advisor {
  kind: string;
  advise(facts: AdviceFacts): AdviceItem[];
}

const SEVERITY_ORDER: Record<AdviceSeverity, number> = { critical: 0, warning: 1, info: 2 };

/** Every advisor's items, most severe first, then by kind and subject (a stable order to read and diff). */
export function advise(advisors: readonly Advisor[], facts: AdviceFacts): AdviceItem[] {
  return advisors
    .flatMap((a) => a.advise(facts))
    .sort(
      (a, b) =>
        SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.kind.localeCompare(b.kind) || a.subject.localeCompare(b.subject),
    );
}

/** "service:api" → "api", "node:node-b" → "node node-b": how a subject reads in a sentence. */
export function subjectName(key: string): string {
  const [kind, ...rest] = key.split(":");
  const name = rest.join(":");
  return kind === "service" ? name : kind === "node" ? `node ${name}` : key;
}
