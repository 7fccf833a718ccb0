// Journal events in words for the timeline and the action lists, with the tone of their dot.
import type { IncidentView, JournalEvent } from "../types.js";

export interface EventText {
  what: string;
  detail: string;
  tone: "ok" | "bad" | "warn" | "info" | "idle";
}

const str = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v));

export function describeEvent(e: JournalEvent): EventText {
  const d = e.data;
  const who = e.service ?? e.node ?? "";
  switch (e.kind) {
    case "signal":
      return { what: "First signal", detail: `${str(d.source)}: ${str(d.detail)}`, tone: "bad" };
    case "incident.opened":
      return { what: "Detected", detail: "incident opened", tone: "bad" };
    case "incident.localized":
      return { what: "Localized", detail: str(d.summary ?? d.cause), tone: "info" };
    case "incident.correlated":
      return { what: "Correlated", detail: `${str(d.key ?? who)} joined the incident${d.reason ? ` (${str(d.reason)})` : ""}`, tone: "info" };
    case "action.started":
      return { what: `${str(d.action)} started`, detail: `${who}${d.attempt ? ` · attempt ${str(d.attempt)}` : ""}${d.reason ? ` · ${str(d.reason)}` : ""}`, tone: "warn" };
    case "action.succeeded":
      return { what: `${str(d.action)} succeeded`, detail: who, tone: "ok" };
    case "action.failed":
      return { what: `${str(d.action)} failed`, detail: `${who} · ${str(d.error ?? d.reason)}`, tone: "bad" };
    case "action.refused":
      return { what: "Action refused", detail: str(d.reason), tone: "bad" };
    case "recovery.verified":
      return { what: "Verified", detail: `${who} healthy again`, tone: "ok" };
    case "recovery.failed":
      return { what: "Verification failed", detail: str(d.reason), tone: "bad" };
    case "recovery.paused":
      return { what: "Recovery paused", detail: str(d.reason), tone: "warn" };
    case "approval.requested":
      return { what: "Waiting for approval", detail: `step ${str(d.step)} · vigil approve ${e.incidentId ?? ""}`, tone: "warn" };
    case "approval.granted":
      return { what: "Approved", detail: `by ${str(d.by)}`, tone: "info" };
    case "escalated":
      return { what: "Escalated", detail: str(d.reason), tone: "bad" };
    case "incident.resolved":
      return { what: "Resolved", detail: "", tone: "ok" };
    case "service.moved":
      return { what: "Failed over", detail: `${str(d.from)} → ${str(d.to)}`, tone: "warn" };
    default:
      return { what: e.kind, detail: who, tone: "idle" };
  }
}

/** The timeline's milestones: first signal → detected → localized → each action → verified → resolved. */
export const MILESTONE_KINDS = new Set([
  "signal",
  "incident.opened",
  "incident.localized",
  "incident.correlated",
  "action.started",
  "action.succeeded",
  "action.failed",
  "action.refused",
  "recovery.verified",
  "recovery.failed",
  "recovery.paused",
  "approval.requested",
  "approval.granted",
  "escalated",
  "service.moved",
  "incident.resolved",
]);

export interface Milestone extends EventText {
  key: string;
  ts: number;
}

export function incidentMilestones(incident: IncidentView, timeline: JournalEvent[]): Milestone[] {
  const events = timeline.filter((e) => MILESTONE_KINDS.has(e.kind));
  const out: Milestone[] = [];
  // The first failing observation is the agent's; the journal's `signal` may be stamped later.
  if (!events.some((e) => e.kind === "signal")) out.push({ key: "first", ts: incident.firstSignalAt, what: "First signal", detail: incident.title, tone: "bad" });
  let localized = false;
  for (const e of events) {
    const text = describeEvent(e);
    if (e.kind === "signal") {
      out.push({ key: `e${e.id}`, ts: Math.min(e.ts, incident.firstSignalAt), ...text });
      continue;
    }
    if (e.kind === "incident.localized") {
      if (localized) text.what = "Localization refined";
      localized = true;
      if (!text.detail && incident.rootCause) text.detail = incident.rootCause;
    }
    out.push({ key: `e${e.id}`, ts: e.ts, ...text });
  }
  return out.sort((a, b) => a.ts - b.ts);
}
