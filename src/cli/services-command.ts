// `vigil services`: every service from a running server — health, where it runs (and where
// it is fenced after a failover), for how long, its pid, risk and the last probe's detail.
import { formatDuration } from "../util/duration.js";
import { apiGet } from "./api-get.js";
import { apiTarget, type ClientFlags } from "./options.js";
import { formatTable, painter, toneOf } from "./terminal.js";

export type ServicesFlags = ClientFlags;

interface ServiceView {
  name: string;
  node: string;
  health: string;
  since: number;
  detail: string;
  pid: number | null;
  fencedOn: string[];
  dependsOn: string[];
  risk?: { score: number };
}

export async function servicesCommand(flags: ServicesFlags): Promise<number> {
  const res = await apiGet<{ services: ServiceView[] }>("services", apiTarget(flags), "/api/v1/services");
  if (res === null) return 1;
  if (flags.json) {
    console.log(JSON.stringify(res, null, 2));
    return 0;
  }
  if (res.services.length === 0) {
    console.log("No services: declare them under services: in vigil.yaml.");
    return 0;
  }
  const paint = painter();
  const now = Date.now();
  const rows = [["SERVICE", "HEALTH", "NODE", "FOR", "PID", "DEPENDS ON", "RISK", "DETAIL"].map((h) => paint(h, "dim"))];
  for (const s of res.services) {
    rows.push([
      s.name,
      paint(s.health, toneOf(s.health)),
      s.node + (s.fencedOn.length > 0 ? ` (fenced on ${s.fencedOn.join(", ")})` : ""),
      formatDuration(Math.max(0, now - s.since)),
      s.pid === null ? "-" : String(s.pid),
      s.dependsOn.join(", ") || "-",
      s.risk ? s.risk.score.toFixed(2) : "-",
      s.detail,
    ]);
  }
  console.log(formatTable(rows));
  return 0;
}
