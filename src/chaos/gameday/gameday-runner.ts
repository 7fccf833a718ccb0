// Runs a game day against a running cluster through its HTTP API: for each fault of the
// scenario it waits for the cluster to be calm, injects the fault, watches the incidents
// until they are resolved (or the deadline passes), stops the fault if it is still on, and
// measures the outcome from the incidents and the journal (fault-result.ts).
import { formatDuration } from "../../util/duration.js";
import { measureFault, type FaultResult, type IncidentView, type JournalEventView } from "./fault-result.js";
import { buildReport, type GamedayReport } from "./gameday-report.js";
import type { Scenario, ScenarioFault } from "./scenario.js";

export interface GamedayRunOptions {
  server: string;
  /** The API token sent with every call (operator: it injects faults); null without auth. */
  token?: string | null;
  scenario: Scenario;
  log?(line: string): void;
  /** How often the API is polled (default 500 ms). */
  pollMs?: number;
  /** How long every incident since the injection must stay closed before the fault counts as over (default 3 s: a cascade may open another). */
  settledMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where the runner calls: the server's URL and the token it sends. */
interface Api {
  base: string;
  token: string | null;
}

async function call<T>(api: Api, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${api.base}${path}`, {
    method,
    headers: { ...(api.token && { authorization: `Bearer ${api.token}` }), ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, json: json as T };
}

async function get<T>(api: Api, path: string): Promise<T> {
  const { status, json } = await call<T & { error?: string }>(api, "GET", path);
  if (status >= 400) throw new Error(`GET ${path}: HTTP ${status}: ${json.error ?? ""}`);
  return json;
}

export async function runGameday(o: GamedayRunOptions): Promise<GamedayReport> {
  const log = o.log ?? (() => undefined);
  const poll = o.pollMs ?? 500;
  const startedAt = Date.now();
  const results: FaultResult[] = [];
  const api: Api = { base: o.server, token: o.token ?? null };
  for (const [index, fault] of o.scenario.faults.entries()) {
    log(`[${index + 1}/${o.scenario.faults.length}] ${fault.name}: waiting for the cluster to be calm`);
    const calm = await waitCalm(api, o.scenario.calmWithin, poll);
    if (!calm.ok) log(`  not calm after ${formatDuration(o.scenario.calmWithin)} (${calm.why}); going on`);
    await sleep(o.scenario.settle + fault.after);
    const result = await runFault(api, fault, poll, o.settledMs ?? 3000, log);
    results.push(result);
    log(
      `  ${result.passed ? "PASS" : "FAIL"}: MTTD ${fmt(result.mttdMs)}, MTTL ${fmt(result.mttlMs)} (${result.localizedRoot ?? "—"}${result.cause ? `, ${result.cause}` : ""}), ` +
        `MTTR ${fmt(result.mttrMs)}, actions ${result.actions.map((a) => a.action).join(", ") || "none"}, false alerts ${result.falseAlerts.length}` +
        (result.failures.length > 0 ? ` — ${result.failures.join("; ")}` : ""),
    );
  }
  return buildReport({ scenario: o.scenario.name, server: o.server, startedAt, endedAt: Date.now(), results });
}

const fmt = (v: number | null) => (v === null ? "—" : formatDuration(v));

interface ServiceRow {
  name: string;
  node: string;
  health: string;
}

async function waitCalm(server: Api, withinMs: number, poll: number): Promise<{ ok: boolean; why: string }> {
  const deadline = Date.now() + withinMs;
  let why = "";
  for (;;) {
    try {
      const [{ services }, { incidents }] = await Promise.all([
        get<{ services: ServiceRow[] }>(server, "/api/v1/services"),
        get<{ incidents: IncidentView[] }>(server, "/api/v1/incidents?state=open&limit=100"),
      ]);
      const unhealthy = services.filter((s) => s.health !== "healthy").map((s) => `${s.name} ${s.health}`);
      why = [...unhealthy, ...incidents.map((i) => `incident ${i.id} open`)].join(", ");
      if (why === "") return { ok: true, why };
    } catch (err) {
      why = (err as Error).message;
    }
    if (Date.now() > deadline) return { ok: false, why };
    await sleep(poll);
  }
}

async function runFault(server: Api, fault: ScenarioFault, poll: number, settledMs: number, log: (line: string) => void): Promise<FaultResult> {
  const [{ nodes }, { services }] = await Promise.all([
    get<{ nodes: Array<{ name: string }> }>(server, "/api/v1/nodes"),
    get<{ services: ServiceRow[] }>(server, "/api/v1/services"),
  ]);
  const nodeNames = new Set(nodes.map((n) => n.name));
  const isNode = (name: string) => name.startsWith("node:") || (!name.startsWith("service:") && nodeNames.has(name) && !services.some((s) => s.name === name));
  const targetNode = services.find((s) => s.name === fault.target.replace(/^service:/, ""))?.node ?? null;
  const base = { fault, isNode, targetNode };

  const answer = await call<{ injection?: { id: string; state: string; injectedAt: number | null; requestedAt: number }; error?: string }>(server, "POST", "/api/v1/chaos", {
    fault: fault.fault,
    target: fault.target,
    duration: fault.duration,
    options: fault.options,
  });
  if (answer.status >= 400 || !answer.json.injection) {
    const error = answer.json.error ?? `HTTP ${answer.status}`;
    log(`  injection refused: ${error}`);
    return measureFault({ ...base, injection: { error }, incidents: [], events: [] });
  }
  const injection = answer.json.injection;
  const injectedAt = injection.injectedAt ?? injection.requestedAt;
  log(`  injected ${fault.fault} on ${fault.target} (${injection.id}) for ${formatDuration(fault.duration)}`);
  const deadline = injectedAt + fault.expect.recoverWithin;
  const expectNone = fault.expect.root === "none";
  const faultEnd = injectedAt + fault.duration;
  let settledSince: number | null = null;
  for (;;) {
    await sleep(poll);
    const now = Date.now();
    const incidents = await incidentsSince(server, injectedAt);
    const allClosed = incidents.length > 0 && incidents.every((i) => i.state === "resolved" || i.state === "escalated");
    if (expectNone) {
      // Nothing should happen: watch for the fault's whole duration (and a little after).
      if (now > faultEnd + 3000 || incidents.length > 0) break;
      continue;
    }
    // Settled: every incident since the injection closed, and it stayed so (a cascade may open another).
    settledSince = allClosed ? (settledSince ?? now) : null;
    if ((settledSince !== null && now - settledSince >= settledMs) || now > deadline) break;
  }
  const current = await get<{ injection: { state: string } }>(server, `/api/v1/chaos/${injection.id}`);
  if (current.injection.state === "active" || current.injection.state === "pending") {
    await call(server, "DELETE", `/api/v1/chaos/${injection.id}`).catch((err: Error) => log(`  could not stop ${injection.id}: ${err.message}`));
  }
  const end = Date.now();
  const incidents = await incidentsSince(server, injectedAt);
  const kinds = "alert.firing,notify.sent,action.succeeded,action.failed";
  const { events } = await get<{ events: JournalEventView[] }>(server, `/api/v1/events?kind=${kinds}&since=${injectedAt - 500}&until=${end + 1}&limit=10000`);
  return measureFault({ ...base, injection: { id: injection.id, injectedAt }, incidents, events });
}

async function incidentsSince(server: Api, since: number): Promise<IncidentView[]> {
  const { incidents } = await get<{ incidents: IncidentView[] }>(server, "/api/v1/incidents?limit=200");
  // 500 ms of slack: an agent's first failing observation can be stamped a little before
  // the server's injection time on another clock.
  return incidents.filter((i) => i.detectedAt >= since - 500);
}
