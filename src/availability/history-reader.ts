// The thin shell that feeds availability: reads each service's and node's condition changes
// and incidents from storage (the journal and the incident table) for a look-back period.
import type { VigilConfig } from "../config/schema.js";
import type { IncidentRecord, JournalEvent, Storage } from "../storage/storage.js";
import { componentKey, incidentConcerns, type ComponentHistory } from "./component-availability.js";
import { NODE_CONDITION_KINDS, NODE_LIFE_KINDS, SERVICE_CONDITION_KINDS, nodeChange, nodeRecordChange, serviceChange } from "./journal-conditions.js";
import type { ConditionChange } from "./timeline.js";

const PAGE = 10_000;
const INCIDENT_LIMIT = 100_000;

export interface HistoryQuery {
  storage: Storage;
  config: VigilConfig;
  /** The node of services whose config names none. */
  localNode: string;
  now: number;
  /** Read changes from now − lookBackMs (and the state in force at that time). */
  lookBackMs: number;
  /** Only this service / node (both: both; neither: all). */
  service?: string;
  node?: string;
}

function groupBy(events: JournalEvent[], keyOf: (e: JournalEvent) => string | undefined): Map<string, JournalEvent[]> {
  const groups = new Map<string, JournalEvent[]>();
  for (const e of events) {
    const key = keyOf(e);
    if (key === undefined) continue;
    const group = groups.get(key);
    if (group) group.push(e);
    else groups.set(key, [e]);
  }
  return groups;
}

/** Every event of these kinds with ts ≥ since, in journal order, read page by page. */
export async function eventsSince(storage: Storage, kinds: readonly string[], since: number): Promise<JournalEvent[]> {
  const out: JournalEvent[] = [];
  let afterId: number | undefined;
  for (;;) {
    const page = await storage.listEvents({ kinds: [...kinds], since, limit: PAGE, ...(afterId !== undefined && { afterId }) });
    out.push(...page);
    if (page.length < PAGE) return out;
    afterId = page[page.length - 1]!.id;
  }
}

/** Incidents that may fall into the look-back: not recovered before it began. */
export async function incidentsSince(storage: Storage, since: number): Promise<IncidentRecord[]> {
  const all = await storage.listIncidents({ limit: INCIDENT_LIMIT });
  return all.filter((i) => i.firstSignalAt >= since || i.recoveredAt === null || i.recoveredAt >= since);
}

export async function readHistories(q: HistoryQuery): Promise<ComponentHistory[]> {
  const since = q.now - q.lookBackMs;
  const wantAll = q.service === undefined && q.node === undefined;
  const services = q.config.services.filter((s) => wantAll || s.name === q.service);
  const storedNodes = await q.storage.listNodes();
  const nodeNames = [...new Set([...storedNodes.map((n) => n.name), ...q.config.services.map((s) => s.node ?? q.localNode)])]
    .filter((n) => wantAll || n === q.node)
    .sort();
  const incidents = await incidentsSince(q.storage, since);
  const histories: ComponentHistory[] = [];

  if (services.length > 0) {
    const events = groupBy(await eventsSince(q.storage, SERVICE_CONDITION_KINDS, since), (e) => e.service);
    for (const s of services) {
      const before = await q.storage.listEvents({ kinds: [...SERVICE_CONDITION_KINDS], service: s.name, until: since, order: "desc", limit: 1 });
      const changes = [...before, ...(events.get(s.name) ?? [])]
        .map(serviceChange)
        .filter((c): c is ConditionChange => c !== null);
      const key = componentKey("service", s.name);
      histories.push({
        kind: "service",
        name: s.name,
        node: s.node ?? q.localNode,
        changes,
        incidents: incidents.filter((i) => incidentConcerns(i, key)),
        ...(s.slo && { slo: { targetPercent: s.slo.target, windowMs: s.slo.window } }),
      });
    }
  }

  if (nodeNames.length > 0) {
    const events = groupBy(await eventsSince(q.storage, NODE_CONDITION_KINDS, since), (e) => e.node);
    for (const name of nodeNames) {
      const changes: ConditionChange[] = [];
      const [firstVerdict] = await q.storage.listEvents({ kinds: [...NODE_CONDITION_KINDS], node: name, limit: 1 });
      const [firstLife] = await q.storage.listEvents({ kinds: [...NODE_LIFE_KINDS], node: name, limit: 1 });
      // The first alive verdict is not journalled; the node's agent reporting before any
      // verdict is the earliest proof that it was up.
      if (firstLife && (!firstVerdict || firstLife.ts < firstVerdict.ts)) changes.push({ at: firstLife.ts, condition: "up" });
      const before = await q.storage.listEvents({ kinds: [...NODE_CONDITION_KINDS], node: name, until: since, order: "desc", limit: 1 });
      for (const e of [...before, ...(events.get(name) ?? [])]) {
        const change = nodeChange(e);
        if (change) changes.push(change);
      }
      const record = storedNodes.find((n) => n.name === name);
      if (record && !changes.some((c) => c.at > record.since)) changes.push(nodeRecordChange(record));
      const key = componentKey("node", name);
      histories.push({ kind: "node", name, changes, incidents: incidents.filter((i) => incidentConcerns(i, key)) });
    }
  }
  return histories;
}
