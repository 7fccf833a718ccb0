// A real Vigil server started in this process (real HTTP socket, real SQLite in a temp
// directory, a manual clock), and a hand-made history of db → api → web on node-a / node-b
// written into its storage the way the server journals it: health transitions, node
// verdicts, incidents. Shared by the availability and advice API tests and the CLI tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../../src/config/load.js";
import { startServer, type VigilServer } from "../../../src/server/server.js";
import type { IncidentRecord, NewIncident } from "../../../src/storage/storage.js";
import { ManualClock } from "../../../src/util/clock.js";
import { silentLogger } from "../../../src/util/logger.js";

export const S = 1000;
export const M = 60 * S;
export const H = 60 * M;
export const D = 24 * H;
/** The servers' "now": a round time so that figures are easy to check. */
export const T = 1_750_000_000_000;

export const TOPOLOGY_YAML = [
  "services:",
  "  - { name: db, node: node-a }",
  "  - { name: api, node: node-a, dependsOn: [db], slo: { target: 99.9, window: 30d } }",
  "  - { name: web, node: node-b, dependsOn: [api] }",
  "",
].join("\n");

export interface InProcessServer {
  server: VigilServer;
  clock: ManualClock;
  close(): Promise<void>;
}

export async function startInProcessServer(yaml = TOPOLOGY_YAML): Promise<InProcessServer> {
  const dir = mkdtempSync(join(tmpdir(), "vigil-availability-"));
  const clock = new ManualClock(T);
  const server = await startServer({
    config: parseConfig(yaml),
    listen: "127.0.0.1:0",
    dataDir: join(dir, "data"),
    localNode: "node-a",
    clock,
    logger: silentLogger(),
  });
  return {
    server,
    clock,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function health(server: VigilServer, service: string, node: string, ts: number, from: string, to: string, source = "probe"): Promise<void> {
  await server.storage.appendEvent({ ts, kind: "service.health", node, service, data: { from, to, detail: "", source } });
}

export async function addIncident(server: VigilServer, over: Partial<NewIncident> & Pick<NewIncident, "key" | "firstSignalAt">): Promise<IncidentRecord> {
  const [kind, target] = over.key.split(":") as ["service" | "node", string];
  return server.storage.createIncident({
    kind,
    target,
    node: "node-a",
    state: "resolved",
    title: `${target} failed`,
    detectedAt: over.firstSignalAt + 5 * S,
    recoveredAt: null,
    resolvedAt: null,
    escalatedAt: null,
    rootCause: null,
    rootKey: null,
    cause: null,
    confidence: null,
    localizedAt: null,
    members: [over.key],
    updatedAt: over.firstSignalAt,
    ...over,
  });
}

/**
 * Everything observed from T − 40d. db had one 6-minute memory outage 3 h ago (detected in
 * 5 s), which took api down with it (correlated member, 6m20s down). node-b died 2 h ago
 * (last heartbeat 10 s before the verdict) for 30m10s; web, on it, was down (unknown because
 * its node died) until 5 s after node-b returned.
 */
export async function writeTopologyHistory(server: VigilServer): Promise<void> {
  const start = T - 40 * D;
  await server.storage.upsertNode({ name: "node-a", state: "alive", since: start, lastHeartbeat: T, agentVersion: "0.1.0", outboxId: "a", ackedSeq: 0, processedSeq: 0 });
  await server.storage.upsertNode({ name: "node-b", state: "alive", since: T - 90 * M, lastHeartbeat: T, agentVersion: "0.1.0", outboxId: "b", ackedSeq: 0, processedSeq: 0 });
  await health(server, "db", "node-a", start, "unknown", "healthy");
  await health(server, "api", "node-a", start, "unknown", "healthy");
  await health(server, "web", "node-b", start, "unknown", "healthy");

  const outage = T - 3 * H;
  await health(server, "db", "node-a", outage, "healthy", "unhealthy", "process");
  await health(server, "api", "node-a", outage + 10 * S, "healthy", "unhealthy");
  await health(server, "db", "node-a", outage + 6 * M, "unhealthy", "healthy");
  await health(server, "api", "node-a", outage + 6 * M + 30 * S, "unhealthy", "healthy");
  await addIncident(server, {
    key: "service:db",
    firstSignalAt: outage,
    detectedAt: outage + 5 * S,
    recoveredAt: outage + 6 * M,
    resolvedAt: outage + 6 * M + 2 * S,
    rootKey: "service:db",
    cause: "memory",
    members: ["service:db", "service:api"],
  });

  const verdict = T - 2 * H;
  await server.storage.appendEvent({ ts: verdict, kind: "node.down", node: "node-b", data: { reason: "no heartbeat", phi: null, lastSeen: verdict - 10 * S } });
  await health(server, "web", "node-b", verdict, "healthy", "unknown", "node");
  await server.storage.appendEvent({ ts: T - 90 * M, kind: "node.up", node: "node-b", data: { reason: "heartbeat" } });
  await health(server, "web", "node-b", T - 90 * M + 5 * S, "unknown", "healthy", "snapshot");
  await addIncident(server, {
    key: "node:node-b",
    node: "node-b",
    firstSignalAt: verdict - 10 * S,
    detectedAt: verdict,
    recoveredAt: T - 90 * M,
    resolvedAt: T - 90 * M,
    rootKey: "node:node-b",
    cause: "node-down",
    members: ["node:node-b", "service:web"],
  });
}
