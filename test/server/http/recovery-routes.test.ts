// The operator's recovery API on a real server with a real agent: approving the playbook
// step an incident's run waits for (POST /api/v1/incidents/:id/approve), unfencing a service
// after a failover (POST /api/v1/services/:name/unfence), and what the incident and service
// views show of localization, approval and placement.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { VigilServer } from "../../../src/server/server.js";
import type { IncidentRecord } from "../../../src/storage/storage.js";
import { waitFor } from "../../agent/process-helpers.js";
import { addLocalizedIncident, startApprovalScenario, waitForApprovalRequest, type ApprovalScenario } from "./recovery-fixture.js";

let scenario: ApprovalScenario;
let server: VigilServer;

before(async () => {
  scenario = await startApprovalScenario();
  server = scenario.server;
});
after(() => scenario.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    ...(body !== undefined && { headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

describe("POST /api/v1/incidents/:id/approve", () => {
  it("the incident views say a step waits for approval", async () => {
    const { id } = scenario.incident;
    const one = await call("GET", `/api/v1/incidents/${id}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.incident.waitingForApproval, true);
    assert.deepEqual(one.json.incident.members, ["service:api"]);
    for (const field of ["rootCause", "rootKey", "cause", "confidence", "localizedAt"]) assert.ok(field in one.json.incident, field);
    assert.ok("mttlMs" in one.json.incident.figures);
    const list = await call("GET", "/api/v1/incidents?state=open");
    assert.equal(list.json.incidents.find((i: IncidentRecord) => i.id === id).waitingForApproval, true);
  });

  it("refuses bad ids and bodies with 400 naming what is wrong, unknown incidents with 404", async () => {
    const { id } = scenario.incident;
    const badId = await call("POST", "/api/v1/incidents/abc/approve", {});
    assert.equal(badId.status, 400);
    assert.equal(badId.json.error, 'invalid incident id "abc": expected a positive number');
    assert.equal((await call("POST", "/api/v1/incidents/0/approve", {})).status, 400);
    const badBy = await call("POST", `/api/v1/incidents/${id}/approve`, { by: 42 });
    assert.equal(badBy.status, 400);
    assert.equal(badBy.json.error, "invalid approval: by: expected the approver's name as a string");
    const unknownField = await call("POST", `/api/v1/incidents/${id}/approve`, { who: "alice" });
    assert.equal(unknownField.status, 400);
    assert.match(unknownField.json.error, /^invalid approval: body: .*"who"/);
    const notJson = await call("POST", `/api/v1/incidents/${id}/approve`, "{not json");
    assert.equal(notJson.status, 400);
    const missing = await call("POST", "/api/v1/incidents/9999/approve", { by: "alice" });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error, "no incident 9999");
    assert.equal(server.recovery.waitingForApproval(id), true, "none of these approved anything");
    assert.equal((await server.storage.listEvents({ kinds: ["approval.granted"] })).length, 0);
  });

  it("approves the waiting step: journalled with who approved (default \"api\"), the action is taken; once nothing waits, 409", async () => {
    const { id } = scenario.incident;
    const ok = await call("POST", `/api/v1/incidents/${id}/approve`, { by: "alice" });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { approved: true, incident: id, by: "alice" });
    const [granted] = await server.storage.listEvents({ kinds: ["approval.granted"], incidentId: id });
    assert.deepEqual(granted!.data, { step: 0, by: "alice" });
    assert.equal(granted!.service, "api");
    await waitFor(
      async () => (await server.storage.listEvents({ kinds: ["action.started"], incidentId: id })).some((e) => e.data.action === "restart"),
      30_000,
      "the approved restart to start",
    );

    // The second restart waits too; without `by` the approver is "api".
    await waitForApprovalRequest(server, id, 1);
    const second = await call("POST", `/api/v1/incidents/${id}/approve`, {});
    assert.equal(second.status, 200);
    assert.deepEqual(second.json, { approved: true, incident: id, by: "api" });
    const grants = await server.storage.listEvents({ kinds: ["approval.granted"], incidentId: id });
    assert.deepEqual(grants.map((e) => e.data), [{ step: 0, by: "alice" }, { step: 1, by: "api" }]);
    assert.equal((await call("GET", `/api/v1/incidents/${id}`)).json.incident.waitingForApproval, false);

    const again = await call("POST", `/api/v1/incidents/${id}/approve`, {});
    assert.equal(again.status, 409);
    assert.match(again.json.error, new RegExp(`no step of incident ${id} is waiting for approval$`));

    // The audit log has each approval call (auth is off: "anonymous") and the restart the orchestrator sent ("system").
    await waitFor(async () => (await server.storage.audit.listAudit({ actor: "system" })).length > 0, 30_000, "the restart in the audit log");
    const [restart] = await server.storage.audit.listAudit({ actor: "system" });
    assert.equal(restart!.action, "restart");
    assert.equal(restart!.target, "service api on node-a");
    assert.ok(restart!.result === "ok" || restart!.result === "failed");
    const approvals = (await server.storage.audit.listAudit({ actor: "anonymous" })).filter((e) => e.target === `/api/v1/incidents/${id}/approve`);
    assert.deepEqual(
      approvals.slice(0, 3).map((e) => [e.action, e.result, e.status]),
      [
        ["POST /api/v1/incidents/:id/approve", "failed", 409],
        ["POST /api/v1/incidents/:id/approve", "ok", 200],
        ["POST /api/v1/incidents/:id/approve", "ok", 200],
      ],
    );
  });
});

describe("POST /api/v1/services/:name/unfence", () => {
  it("shows where a service runs after a failover and where it is fenced", async () => {
    await server.placements.moveTo("db", "node-c", "node-b");
    const { json } = await call("GET", "/api/v1/services");
    const db = json.services.find((s: { name: string }) => s.name === "db");
    assert.equal(db.node, "node-c");
    assert.deepEqual(db.fencedOn, ["node-b"]);
    const api = json.services.find((s: { name: string }) => s.name === "api");
    assert.equal(api.node, "node-a");
    assert.deepEqual(api.fencedOn, []);
  });

  it("unfences one node: 200, the placement no longer fenced, journalled as service.unfenced; again is 409", async () => {
    const ok = await call("POST", "/api/v1/services/db/unfence", { node: "node-b" });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { unfenced: true, service: "db", nodes: ["node-b"], fencedOn: [], node: "node-c" });
    assert.equal(server.placements.isFenced("db", "node-b"), false);
    assert.equal(server.placements.nodeOf("db"), "node-c", "it still runs on the standby");
    const [event] = await server.storage.listEvents({ kinds: ["service.unfenced"], service: "db" });
    assert.equal(event!.node, "node-b");
    assert.deepEqual(event!.data, { nodes: ["node-b"] });

    const again = await call("POST", "/api/v1/services/db/unfence", { node: "node-b" });
    assert.equal(again.status, 409);
    assert.equal(again.json.error, 'service "db" is not fenced on node-b');
    const never = await call("POST", "/api/v1/services/api/unfence", {});
    assert.equal(never.status, 409);
    assert.equal(never.json.error, 'service "api" is not fenced on any node');
  });

  it("without a node unfences every node it is fenced on", async () => {
    await server.placements.moveTo("db", "node-b", "node-c"); // fenced on node-c
    await server.placements.moveTo("db", "node-d", "node-b"); // and on node-b
    const wrongNode = await call("POST", "/api/v1/services/db/unfence", { node: "node-z" });
    assert.equal(wrongNode.status, 409);
    assert.equal(wrongNode.json.error, 'service "db" is not fenced on node-z (fenced on: node-c, node-b)');
    const ok = await call("POST", "/api/v1/services/db/unfence", {});
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json.nodes, ["node-c", "node-b"]);
    assert.deepEqual(server.placements.fencedOn("db"), []);
    const events = await server.storage.listEvents({ kinds: ["service.unfenced"], service: "db" });
    assert.deepEqual(events.at(-1)!.data, { nodes: ["node-c", "node-b"] });
  });

  it("404 for an unknown service, 400 for a bad body", async () => {
    const missing = await call("POST", "/api/v1/services/nope/unfence", {});
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error, 'no service "nope" in the config');
    const bad = await call("POST", "/api/v1/services/db/unfence", { node: "" });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error, "invalid unfence request: node: expected a node name, got an empty string");
  });
});

describe("incident views with a localization", () => {
  it("show the root cause, its key, cause, confidence, members and MTTL", async () => {
    const incident = await addLocalizedIncident(server, Date.now() - 60_000);
    const { json } = await call("GET", `/api/v1/incidents/${incident.id}`);
    const view = json.incident;
    assert.equal(view.rootCause, "root cause: db on node-b — process crashed (exit code 137); confidence 0.90");
    assert.equal(view.rootKey, "service:db");
    assert.equal(view.cause, "crash");
    assert.equal(view.confidence, 0.9);
    assert.equal(view.localizedAt, incident.firstSignalAt + 2_500);
    assert.deepEqual(view.members, ["service:web", "service:db"]);
    assert.deepEqual(view.figures, { mttdMs: 1_500, mttlMs: 2_500, mttrMs: 7_500, timeToResolveMs: 9_500 });
    assert.equal(view.waitingForApproval, false);
    const list = await call("GET", "/api/v1/incidents");
    assert.equal(list.json.incidents.find((i: IncidentRecord) => i.id === incident.id).rootCause, view.rootCause);
  });
});
