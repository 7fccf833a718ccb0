// `vigil status`: a readable summary of nodes, services, alerts and open incidents
// from a running server.
import { formatDuration } from "../util/duration.js";
import { authHeaders, authHint, type ApiTarget } from "./api-get.js";
import { apiTarget, type CommonFlags } from "./options.js";

interface Json {
  [key: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function get(target: ApiTarget, path: string): Promise<Json> {
  const res = await fetch(`${target.base}${path}`, { headers: authHeaders(target), signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}${authHint(res.status, target)}`);
  return (await res.json()) as Json;
}

export async function statusCommand(flags: CommonFlags): Promise<number> {
  const target = apiTarget(flags);
  const base = target.base;
  let data: Json[];
  try {
    data = await Promise.all(["/api/v1/nodes", "/api/v1/services", "/api/v1/alerts", "/api/v1/incidents?state=open"].map((p) => get(target, p)));
  } catch (err) {
    console.error(`vigil status: cannot reach the server at ${base}: ${(err as Error).message}`);
    return 1;
  }
  const [nodes, services, alerts, incidents] = data as [Json, Json, Json, Json];
  const now = Date.now();
  const ago = (ts: number) => formatDuration(now - ts);
  const lines: string[] = [`Vigil at ${base}`, ""];
  lines.push(`Nodes (${nodes.nodes.length})`);
  for (const n of nodes.nodes) lines.push(`  ${pad(n.name, 24)} ${pad(n.state, 8)} for ${ago(n.since)}`);
  lines.push("", `Services (${services.services.length})`);
  for (const s of services.services) {
    lines.push(`  ${pad(s.name, 24)} ${pad(s.health, 10)} on ${pad(s.node, 16)} for ${ago(s.since)}${s.health === "healthy" ? "" : `  ${s.detail}`}`);
  }
  lines.push("", `Alerts (${alerts.alerts.length})`);
  for (const a of alerts.alerts) {
    lines.push(`  ${pad(a.state, 8)} ${pad(a.labels.alertname ?? "?", 20)} ${pad(a.labels.severity ?? "", 9)} ${a.annotations.summary ?? ""}`);
  }
  lines.push("", `Open incidents (${incidents.incidents.length})`);
  for (const i of incidents.incidents) {
    lines.push(`  #${pad(String(i.id), 5)} ${pad(i.state, 11)} ${i.title} (detected ${ago(i.detectedAt)} ago)`);
  }
  console.log(lines.join("\n"));
  return 0;
}

function pad(text: string, width: number): string {
  return String(text).padEnd(width);
}
