// A real Vigil server in this process (real HTTP socket, real SQLite in a temp directory,
// the wall clock) with one real agent (node-a) whose service `api` always fails its health
// check and whose playbook has two restarts that each need approval; so an incident opens,
// its run reaches the first `restart` and waits there for an operator. Also `db` on node-b with a
// standby on node-c (no agents there) for fencing. Shared by the API and CLI tests.
import { join } from "node:path";
import { Agent } from "../../../src/agent/agent.js";
import { parseConfig } from "../../../src/config/load.js";
import { startServer, type VigilServer } from "../../../src/server/server.js";
import type { IncidentRecord } from "../../../src/storage/storage.js";
import { silentLogger } from "../../../src/util/logger.js";
import { tempDir, waitFor } from "../../agent/process-helpers.js";

export const APPROVAL_YAML = [
  "services:",
  "  - name: api",
  "    node: node-a",
  '    run: { command: "sleep 300" }',
  '    health: { exec: "false", interval: 200ms, timeout: 2s, failures: 1, startPeriod: 200ms }',
  "    recovery: approve-first",
  "  - { name: db, node: node-b, standby: [node-c], recovery: none }",
  "playbooks:",
  "  approve-first:",
  "    steps: [{ do: restart, approve: true }, { do: restart, approve: true }, { verify: { healthyFor: 1s, within: 5s } }, escalate]",
  "    limits: { attempts: 1, within: 10m }",
  "",
].join("\n");

export interface ApprovalScenario {
  server: VigilServer;
  /** The incident of `api`, once its run waits for approval of its first step. */
  incident: IncidentRecord;
  close(): Promise<void>;
}

export async function startApprovalScenario(): Promise<ApprovalScenario> {
  const dir = tempDir("recovery-api");
  const server = await startServer({
    config: parseConfig(APPROVAL_YAML),
    listen: "127.0.0.1:0",
    dataDir: join(dir.path, "server"),
    logger: silentLogger(),
  });
  const agent = new Agent({ server: server.url, node: "node-a", dataDir: join(dir.path, "node-a"), logger: silentLogger(), probeListen: "127.0.0.1:0" });
  const close = async () => {
    await agent.stop();
    await server.close();
    dir.remove();
  };
  try {
    await agent.start();
    const requested = () => server.storage.listEvents({ kinds: ["approval.requested"], service: "api" });
    await waitFor(async () => (await requested()).length > 0, 30_000, "api's restart step to wait for approval");
    const incident = await server.storage.getIncident((await requested())[0]!.incidentId!);
    return { server, incident: incident!, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A resolved, localized incident written into storage the way the server records one. */
export async function addLocalizedIncident(server: VigilServer, firstSignalAt: number): Promise<IncidentRecord> {
  return server.storage.createIncident({
    key: "service:web",
    kind: "service",
    target: "web",
    node: "node-b",
    state: "resolved",
    title: "web on node-b is unhealthy",
    firstSignalAt,
    detectedAt: firstSignalAt + 1_500,
    recoveredAt: firstSignalAt + 9_000,
    resolvedAt: firstSignalAt + 11_000,
    escalatedAt: null,
    rootCause: "root cause: db on node-b — process crashed (exit code 137); confidence 0.90",
    rootKey: "service:db",
    cause: "crash",
    confidence: 0.9,
    localizedAt: firstSignalAt + 2_500,
    members: ["service:web", "service:db"],
    updatedAt: firstSignalAt + 11_000,
  });
}

/** Waits until the run of `api` asks for approval of step `step`. */
export async function waitForApprovalRequest(server: VigilServer, incidentId: number, step: number): Promise<void> {
  await waitFor(
    async () => (await server.storage.listEvents({ kinds: ["approval.requested"], incidentId })).some((e) => e.data.step === step),
    30_000,
    `step ${step} of api's playbook to wait for approval`,
  );
  await waitFor(() => server.recovery.waitingForApproval(incidentId), 30_000, `incident ${incidentId} to wait for approval`);
}
