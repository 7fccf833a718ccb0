// `vigil incidents [--open] [--json]`: incidents from a running server (GET /api/v1/incidents),
// newest first: state, when detected, MTTD / MTTL / MTTR, title and the root-cause sentence,
// and which of them wait for an operator's approval.
import { formatMs } from "../availability/format.js";
import { formatDuration } from "../util/duration.js";
import { apiGet } from "./api-get.js";
import { apiTarget, type ClientFlags } from "./options.js";
import { formatTable, painter, toneOf } from "./terminal.js";

export interface IncidentsFlags extends ClientFlags {
  open?: boolean;
}

interface IncidentJson {
  id: number;
  state: string;
  title: string;
  detectedAt: number;
  rootCause: string | null;
  waitingForApproval: boolean;
  figures: { mttdMs: number; mttlMs: number | null; mttrMs: number | null };
}

export async function incidentsCommand(flags: IncidentsFlags): Promise<number> {
  const res = await apiGet<{ incidents: IncidentJson[] }>("incidents", apiTarget(flags), `/api/v1/incidents${flags.open ? "?state=open" : ""}`);
  if (res === null) return 1;
  if (flags.json) {
    console.log(JSON.stringify(res, null, 2));
    return 0;
  }
  if (res.incidents.length === 0) {
    console.log(flags.open ? "No open incidents." : "No incidents.");
    return 0;
  }
  const now = Date.now();
  const paint = painter();
  const rows = [["ID", "STATE", "DETECTED", "MTTD", "MTTL", "MTTR", "TITLE", "ROOT CAUSE"].map((h) => paint(h, "dim"))];
  for (const i of res.incidents) {
    rows.push([
      String(i.id),
      paint(i.waitingForApproval ? `${i.state} (awaits approval)` : i.state, i.waitingForApproval ? "warn" : toneOf(i.state)),
      `${formatDuration(Math.max(0, now - i.detectedAt))} ago`,
      formatMs(i.figures.mttdMs),
      formatMs(i.figures.mttlMs),
      formatMs(i.figures.mttrMs),
      i.title,
      i.rootCause ?? "-",
    ]);
  }
  const waiting = res.incidents.filter((i) => i.waitingForApproval);
  const hints = waiting.map((i) => `Incident ${i.id} waits for approval of a recovery step: vigil approve ${i.id}`);
  console.log([formatTable(rows), ...(hints.length > 0 ? ["", ...hints] : [])].join("\n"));
  return 0;
}
