// `vigil alerts`: pending and firing alerts from a running server, each with whether a
// silence, an inhibition or a maintenance window keeps it quiet (from the Alertmanager-shaped
// /api/v2/alerts), most severe first; `--json` for scripts.
import { formatDuration } from "../util/duration.js";
import { apiGet } from "./api-get.js";
import { apiTarget, type ClientFlags } from "./options.js";
import { formatTable, painter, toneOf } from "./terminal.js";

export type AlertsFlags = ClientFlags;

interface AlertView {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt: number;
  firedAt: number | null;
}

interface MuteView {
  fingerprint: string;
  status: { silencedBy: string[]; inhibitedBy: string[]; mutedBy: string[] };
}

const SEVERITY_ORDER = ["critical", "warning", "info"];

export async function alertsCommand(flags: AlertsFlags): Promise<number> {
  const base = apiTarget(flags);
  const res = await apiGet<{ alerts: AlertView[] }>("alerts", base, "/api/v1/alerts");
  if (res === null) return 1;
  const muted = await apiGet<MuteView[]>("alerts", base, "/api/v2/alerts");
  if (muted === null) return 1;
  const muteOf = new Map(muted.map((m) => [m.fingerprint, m.status]));
  const statusOf = (a: AlertView): string => {
    const m = muteOf.get(a.fingerprint);
    if (m?.silencedBy.length) return `silenced by ${m.silencedBy.join(", ")}`;
    if (m?.inhibitedBy.length) return "inhibited";
    if (m?.mutedBy.length) return `muted by ${m.mutedBy.join(", ")}`;
    return a.state;
  };
  const alerts = [...res.alerts].sort(
    (a, b) => rank(a.labels.severity) - rank(b.labels.severity) || (b.firedAt ?? b.activeAt) - (a.firedAt ?? a.activeAt),
  );
  if (flags.json) {
    console.log(JSON.stringify({ alerts: alerts.map((a) => ({ ...a, status: statusOf(a) })) }, null, 2));
    return 0;
  }
  if (alerts.length === 0) {
    console.log("No alerts are pending or firing.");
    return 0;
  }
  const paint = painter();
  const now = Date.now();
  const rows = [["STATUS", "SEVERITY", "ALERT", "WHERE", "SINCE", "SUMMARY"].map((h) => paint(h, "dim"))];
  for (const a of alerts) {
    const status = statusOf(a);
    const where = ["node", "service", "mountpoint"].filter((k) => a.labels[k] !== undefined).map((k) => `${k}=${a.labels[k]}`).join(" ");
    rows.push([
      paint(status, toneOf(status.split(" ")[0]!)),
      paint(a.labels.severity ?? "-", toneOf(a.labels.severity ?? "")),
      a.labels.alertname ?? "?",
      where || "-",
      `${formatDuration(Math.max(0, now - (a.firedAt ?? a.activeAt)))} ago`,
      a.annotations.summary ?? "",
    ]);
  }
  console.log(formatTable(rows));
  console.log(`\nSilence one: vigil silence add alertname="NAME" --duration 2h`);
  return 0;
}

function rank(severity: string | undefined): number {
  const i = SEVERITY_ORDER.indexOf(severity ?? "");
  return i === -1 ? SEVERITY_ORDER.length : i;
}
