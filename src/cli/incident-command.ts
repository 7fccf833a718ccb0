// `vigil incidents ID`: one incident from a running server — state, MTTD / MTTL / MTTR, the
// root cause and the correlated components, then its timeline (first signal → detected →
// localized → each action → verified → resolved) with the time between the steps.
import { formatMs } from "../availability/format.js";
import { apiGet } from "./api-get.js";
import { apiTarget, type ClientFlags } from "./options.js";
import { formatTable, painter, toneOf, type Tone } from "./terminal.js";

export type IncidentFlags = ClientFlags;

interface IncidentJson {
  id: number;
  state: string;
  title: string;
  firstSignalAt: number;
  detectedAt: number;
  rootCause: string | null;
  members: string[];
  waitingForApproval: boolean;
  figures: { mttdMs: number; mttlMs: number | null; mttrMs: number | null; timeToResolveMs: number | null };
}

interface EventJson {
  id: number;
  ts: number;
  kind: string;
  node?: string;
  service?: string;
  data: Record<string, unknown>;
}

/** The journal kinds that are steps of an incident's timeline, with their tone. */
const STEPS: Record<string, Tone> = {
  signal: "bad",
  "incident.opened": "bad",
  "incident.correlated": "info",
  "incident.localized": "info",
  "approval.requested": "warn",
  "approval.granted": "info",
  "action.started": "warn",
  "action.succeeded": "ok",
  "action.failed": "bad",
  "action.refused": "bad",
  "recovery.verified": "ok",
  "recovery.failed": "bad",
  "recovery.paused": "warn",
  "service.moved": "warn",
  escalated: "bad",
  "incident.resolved": "ok",
};

function detailOf(e: EventJson): string {
  const d = e.data;
  const text = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v));
  switch (e.kind) {
    case "signal":
      return `${text(d.source)}: ${text(d.detail)}`;
    case "incident.localized":
      return text(d.summary);
    case "action.started":
    case "action.succeeded":
    case "action.failed":
      return `${text(d.action)} ${e.service ?? e.node ?? ""}${d.error ? `: ${text(d.error)}` : ""}`;
    default:
      return text(d.reason ?? d.key ?? e.service ?? e.node ?? "");
  }
}

export async function incidentCommand(idText: string, flags: IncidentFlags): Promise<number> {
  if (!/^\d+$/.test(idText) || Number(idText) <= 0) {
    console.error(`vigil incidents: "${idText}" is not an incident id (a positive number; see vigil incidents)`);
    return 1;
  }
  const res = await apiGet<{ incident: IncidentJson; timeline: EventJson[] }>("incidents", apiTarget(flags), `/api/v1/incidents/${idText}`);
  if (res === null) return 1;
  if (flags.json) {
    console.log(JSON.stringify(res, null, 2));
    return 0;
  }
  const paint = painter();
  const i = res.incident;
  const state = i.waitingForApproval ? `${i.state}, awaits approval` : i.state;
  const lines = [
    `${paint(`Incident #${i.id}`, "bold")}  ${paint(state, toneOf(i.state))}  ${i.title}`,
    `  MTTD ${formatMs(i.figures.mttdMs)}   MTTL ${formatMs(i.figures.mttlMs)}   MTTR ${formatMs(i.figures.mttrMs)}   resolved after ${formatMs(i.figures.timeToResolveMs)}`,
    `  ${i.rootCause ?? "not localized yet"}`,
    `  components: ${i.members.join(", ")}`,
    "",
  ];
  const steps = res.timeline.filter((e) => STEPS[e.kind] !== undefined).sort((a, b) => a.ts - b.ts || a.id - b.id);
  const rows = [["TIME", "+", "STEP", "DETAIL"].map((h) => paint(h, "dim"))];
  steps.forEach((e, k) => {
    rows.push([
      new Date(e.ts).toISOString().slice(11, 23),
      k === 0 ? "" : `+${formatMs(e.ts - steps[k - 1]!.ts)}`,
      paint(e.kind, STEPS[e.kind]!),
      detailOf(e),
    ]);
  });
  lines.push(formatTable(rows));
  if (i.waitingForApproval) lines.push("", `A recovery step waits for approval: vigil approve ${i.id}`);
  console.log(lines.join("\n"));
  return 0;
}
