// `vigil status`: a readable summary of a running server — the freeze if any, then nodes,
// services, alerts and open incidents, states coloured on a terminal; `--json` for scripts.
import { formatDuration } from "../util/duration.js";
import { apiGet } from "./api-get.js";
import { apiTarget, type ClientFlags } from "./options.js";
import { formatTable, painter, toneOf } from "./terminal.js";

export type StatusFlags = ClientFlags;

interface Json {
  [key: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function statusCommand(flags: StatusFlags): Promise<number> {
  const base = apiTarget(flags);
  const status = await apiGet<Json>("status", base, "/api/v1/status");
  if (status === null) return 1;
  const parts = await Promise.all(["/api/v1/nodes", "/api/v1/services", "/api/v1/alerts", "/api/v1/incidents?state=open"].map((p) => apiGet<Json>("status", base, p)));
  if (parts.some((p) => p === null)) return 1;
  const [nodes, services, alerts, incidents] = parts as [Json, Json, Json, Json];
  if (flags.json) {
    console.log(JSON.stringify({ status, nodes: nodes.nodes, services: services.services, alerts: alerts.alerts, incidents: incidents.incidents }, null, 2));
    return 0;
  }
  const paint = painter();
  const now = Date.now();
  const ago = (ts: number) => formatDuration(Math.max(0, now - ts));
  const lines: string[] = [`${paint("Vigil", "bold")} at ${base} (version ${status.version}, up ${ago(status.startedAt)})`];
  if (status.freeze?.frozen) {
    lines.push("", paint(`RECOVERY FROZEN: the control plane looks cut off (${status.freeze.reason ?? "isolated"}); no recovery action until nodes return`, "bad"));
  }
  const section = (title: string, count: number, rows: string[][]) => {
    lines.push("", paint(`${title} (${count})`, "bold"));
    if (rows.length > 1) lines.push(...formatTable(rows).split("\n").map((l) => `  ${l}`));
  };
  section("Nodes", nodes.nodes.length, [
    ["NODE", "STATE", "FOR"].map((h) => paint(h, "dim")),
    ...nodes.nodes.map((n: Json) => [n.name, paint(n.state, toneOf(n.state)), ago(n.since)]),
  ]);
  section("Services", services.services.length, [
    ["SERVICE", "HEALTH", "NODE", "FOR", "DETAIL"].map((h) => paint(h, "dim")),
    ...services.services.map((s: Json) => [s.name, paint(s.health, toneOf(s.health)), s.node, ago(s.since), s.health === "healthy" ? "" : s.detail]),
  ]);
  section("Alerts", alerts.alerts.length, [
    ["STATE", "ALERT", "SEVERITY", "SUMMARY"].map((h) => paint(h, "dim")),
    ...alerts.alerts.map((a: Json) => [paint(a.state, toneOf(a.state)), a.labels.alertname ?? "?", paint(a.labels.severity ?? "", toneOf(a.labels.severity ?? "")), a.annotations.summary ?? ""]),
  ]);
  section("Open incidents", incidents.incidents.length, [
    ["ID", "STATE", "DETECTED", "TITLE"].map((h) => paint(h, "dim")),
    ...incidents.incidents.map((i: Json) => [`#${i.id}`, paint(i.state, toneOf(i.state)), `${ago(i.detectedAt)} ago`, i.title]),
  ]);
  console.log(lines.join("\n"));
  return 0;
}
