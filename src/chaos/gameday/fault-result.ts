// What a game day measures for one fault, from the API's incidents and journal events
// (pure): first signal, detection, localization (and whether correct), the actions taken,
// recovery, notifications, false alerts raised elsewhere, and pass/fail against the
// expectation. All times are measured from the injection, the moment the fault began.
import type { ScenarioFault } from "./scenario.js";

export interface IncidentView {
  id: number;
  key: string;
  target: string;
  state: string;
  firstSignalAt: number;
  detectedAt: number;
  resolvedAt: number | null;
  localizedAt: number | null;
  rootKey: string | null;
  cause: string | null;
  rootCause: string | null;
  members: string[];
}

export interface JournalEventView {
  id: number;
  ts: number;
  kind: string;
  incidentId?: number | null;
  node?: string | null;
  service?: string | null;
  data: Record<string, unknown>;
}

export interface FaultResult {
  name: string;
  fault: string;
  target: string;
  injectionId: string | null;
  injectedAt: number | null;
  /** The injection could not be made (the API's reason). */
  error: string | null;
  /** Not run: this cluster cannot carry the fault (a partition without network namespaces). */
  skipped: boolean;
  incidentId: number | null;
  firstSignalAt: number | null;
  detectedAt: number | null;
  mttdMs: number | null;
  localizedAt: number | null;
  mttlMs: number | null;
  localizedRoot: string | null;
  expectedRoot: string | null;
  localizedCorrectly: boolean | null;
  cause: string | null;
  rootCause: string | null;
  actions: Array<{ action: string; service: string | null; ok: boolean; at: number }>;
  recoveredAt: number | null;
  mttrMs: number | null;
  notifications: number;
  /** Alert names that fired from the injection on. */
  alertsFired: string[];
  falseAlerts: Array<{ alertname: string; service: string | null; node: string | null; at: number }>;
  otherIncidents: number[];
  passed: boolean;
  failures: string[];
}

/** "db" / "service:db" / "node:node-a" → a component key, with the service/node decided by the names known. */
export function componentKey(name: string, isNode: (n: string) => boolean): string {
  if (/^(service|node):/.test(name)) return name;
  return isNode(name) ? `node:${name}` : `service:${name}`;
}

export function measureFault(input: {
  fault: ScenarioFault;
  injection: { id: string; injectedAt: number } | { error: string };
  /** Incidents detected from the injection on. */
  incidents: readonly IncidentView[];
  /** Journal events from the injection to the end of the fault's observation. */
  events: readonly JournalEventView[];
  isNode(name: string): boolean;
  /** The node the target runs on (for a service) — its alerts are not false alerts. */
  targetNode: string | null;
}): FaultResult {
  const { fault } = input;
  const targetKey = componentKey(fault.target, input.isNode);
  const expectNone = fault.expect.root === "none";
  const expectedRoot = fault.expect.root === undefined ? targetKey : expectNone ? null : componentKey(fault.expect.root, input.isNode);
  const base: FaultResult = {
    name: fault.name,
    fault: fault.fault,
    target: fault.target,
    injectionId: null,
    injectedAt: null,
    error: null,
    skipped: false,
    incidentId: null,
    firstSignalAt: null,
    detectedAt: null,
    mttdMs: null,
    localizedAt: null,
    mttlMs: null,
    localizedRoot: null,
    expectedRoot,
    localizedCorrectly: null,
    cause: null,
    rootCause: null,
    actions: [],
    recoveredAt: null,
    mttrMs: null,
    notifications: 0,
    alertsFired: [],
    falseAlerts: [],
    otherIncidents: [],
    passed: false,
    failures: [],
  };
  if ("error" in input.injection) {
    const skipped = /not possible here/.test(input.injection.error);
    return { ...base, error: input.injection.error, skipped, failures: [`not injected: ${input.injection.error}`] };
  }
  const { id, injectedAt } = input.injection;
  const incidents = [...input.incidents].sort((a, b) => a.detectedAt - b.detectedAt);
  const primary =
    incidents.find((i) => expectedRoot !== null && i.rootKey === expectedRoot) ??
    incidents.find((i) => i.key === targetKey || i.rootKey === targetKey) ??
    incidents.find((i) => i.members.includes(targetKey) || (expectedRoot !== null && i.members.includes(expectedRoot))) ??
    incidents[0] ??
    null;
  const related = new Set<string>([targetKey, ...(expectedRoot ? [expectedRoot] : []), ...(primary?.members ?? [])]);
  if (input.targetNode) related.add(`node:${input.targetNode}`);
  const otherIncidents = incidents.filter((i) => i !== primary && !i.members.some((m) => related.has(m))).map((i) => i.id);
  const ours = new Set(incidents.filter((i) => !otherIncidents.includes(i.id)).map((i) => i.id));
  const actions = input.events
    .filter((e) => (e.kind === "action.succeeded" || e.kind === "action.failed") && e.incidentId != null && ours.has(e.incidentId))
    .map((e) => ({ action: String(e.data.action ?? "?"), service: e.service ?? null, ok: e.kind === "action.succeeded", at: e.ts }));
  const falseAlerts = input.events
    .filter((e) => e.kind === "alert.firing")
    .map((e) => {
      const labels = (e.data.labels ?? {}) as Record<string, string>;
      return { alertname: labels.alertname ?? "?", service: labels.service ?? null, node: labels.node ?? null, at: e.ts };
    })
    .filter((a) => {
      if (a.service !== null) return !related.has(`service:${a.service}`);
      if (a.node !== null) return !related.has(`node:${a.node}`);
      return false; // cluster-wide alerts (RecoveryFailed without labels, ControlPlaneIsolated) are not "elsewhere"
    });
  const since = (t: number | null): number | null => (t === null ? null : Math.max(0, t - injectedAt));
  const result: FaultResult = {
    ...base,
    injectionId: id,
    injectedAt,
    incidentId: primary?.id ?? null,
    firstSignalAt: primary?.firstSignalAt ?? null,
    detectedAt: primary?.detectedAt ?? null,
    mttdMs: since(primary?.detectedAt ?? null),
    localizedAt: primary?.localizedAt ?? null,
    mttlMs: since(primary?.localizedAt ?? null),
    localizedRoot: primary?.rootKey ?? null,
    localizedCorrectly: primary && expectedRoot !== null ? primary.rootKey === expectedRoot : expectNone ? primary === null : null,
    cause: primary?.cause ?? null,
    rootCause: primary?.rootCause ?? null,
    actions,
    recoveredAt: primary?.resolvedAt ?? null,
    mttrMs: since(primary?.resolvedAt ?? null),
    notifications: input.events.filter((e) => e.kind === "notify.sent").length,
    alertsFired: [...new Set(input.events.filter((e) => e.kind === "alert.firing").map((e) => String(((e.data.labels ?? {}) as Record<string, string>).alertname ?? "?")))],
    falseAlerts,
    otherIncidents,
  };
  result.failures = judge(fault, result, expectNone);
  result.passed = result.failures.length === 0;
  return result;
}

function judge(fault: ScenarioFault, r: FaultResult, expectNone: boolean): string[] {
  const failures: string[] = [];
  if (fault.expect.alert !== undefined && !r.alertsFired.includes(fault.expect.alert)) {
    failures.push(`expected alert ${fault.expect.alert}, fired: ${r.alertsFired.join(", ") || "none"}`);
  }
  if (expectNone) {
    if (r.incidentId !== null) failures.push(`expected no incident, got incident ${r.incidentId} (${r.localizedRoot ?? "not localized"})`);
    return failures;
  }
  if (r.incidentId === null) return [...failures, `no incident was opened`];
  if (!r.localizedCorrectly) failures.push(`localized to ${r.localizedRoot ?? "nothing"}, expected ${r.expectedRoot}`);
  if (fault.expect.cause !== undefined && r.cause !== fault.expect.cause) failures.push(`cause ${r.cause ?? "none"}, expected ${fault.expect.cause} (${r.rootCause ?? "not localized"})`);
  const taken = r.actions.filter((a) => a.ok).map((a) => a.action);
  let i = 0;
  for (const a of taken) if (a === fault.expect.steps[i]) i++;
  if (i < fault.expect.steps.length) failures.push(`expected steps ${fault.expect.steps.join(" → ")}, took ${taken.join(" → ") || "none"}`);
  if (r.mttrMs === null) failures.push(`not recovered within ${fault.expect.recoverWithin} ms`);
  else if (r.mttrMs > fault.expect.recoverWithin) failures.push(`recovered after ${r.mttrMs} ms, expected within ${fault.expect.recoverWithin} ms`);
  return failures;
}
