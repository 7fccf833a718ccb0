// Incidents and recovery with real processes on three agents: a dependency chain
// db → api → web where db dies (one incident, only db repaired, one page); a dry-run
// playbook (a plan, no action); a crash-looping service (bounded attempts with growing
// delays, then escalation and silence); a node that dies with a service that has a standby
// (failover, verified; the fenced instance stays stopped when the node returns); and the
// server killed in the middle of a playbook (it resumes without a second restart).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { HTTP_SERVICE, api, freePort, serviceState, startAgent, startCluster, waitFor, type Cluster } from "./harness.js";

let cluster: Cluster;
const port = { db: 0, dry: 0, standby: 0, slow: 0 };

before(async () => {
  for (const name of Object.keys(port) as Array<keyof typeof port>) port[name] = await freePort();
  const fast = "interval: 100ms, timeout: 300ms, failures: 2";
  cluster = await startCluster({
    nodes: ["node-a", "node-b", "node-c", "node-d"],
    healthy: ["db", "api", "web", "dry", "stb", "slow"],
    config: (hookUrl) => `
services:
  - name: db
    node: node-b
    run: { command: "node ${HTTP_SERVICE} ${port.db}" }
    health: { http: "http://127.0.0.1:${port.db}/", ${fast} }
    recovery: quick
  # api and web are healthy only while db answers (they check it), as real dependents would be.
  - name: api
    node: node-a
    run: { command: "node ${HTTP_SERVICE} 0" }
    health: { http: "http://127.0.0.1:${port.db}/", ${fast} }
    dependsOn: [db]
    recovery: quick
  - name: web
    node: node-a
    run: { command: "node ${HTTP_SERVICE} 0" }
    health: { http: "http://127.0.0.1:${port.db}/", ${fast} }
    dependsOn: [api]
    recovery: quick
  - name: dry
    node: node-a
    run: { command: "node ${HTTP_SERVICE} ${port.dry}" }
    health: { http: "http://127.0.0.1:${port.dry}/", ${fast} }
    recovery: rehearsal
  # On a node of its own: its endless crash loop must not be correlated with the others.
  - name: loop
    node: node-d
    run: { command: "node -e \\"setTimeout(() => process.exit(3), 200)\\"" }
    health: { process: true, interval: 100ms, failures: 1 }
    recovery: crashloop
  - name: stb
    node: node-c
    standby: [node-b]
    run: { command: "node ${HTTP_SERVICE} ${port.standby}" }
    health: { http: "http://127.0.0.1:${port.standby}/", ${fast} }
  - name: slow
    node: node-a
    run: { command: "node ${HTTP_SERVICE} ${port.slow}" }
    health: { http: "http://127.0.0.1:${port.slow}/", ${fast} }
    recovery: patient
playbooks:
  quick:
    steps: [restart, { verify: { healthyFor: 500ms, within: 20s } }, escalate]
  rehearsal:
    mode: dry-run
    steps: [{ do: kill, when: { cause: hang } }, restart, escalate]
  crashloop:
    steps: [restart, { verify: { healthyFor: 2s, within: 1s } }, escalate]
    limits: { attempts: 3, within: 10m, backoff: { initial: 2s, max: 1m } }
  patient:
    steps: [restart, { verify: { healthyFor: 6s, within: 60s } }, escalate]
notify:
  groupWait: 0s
  receivers:
    hook: { webhook: { url: "${hookUrl}" } }
  routes:
    - { receiver: hook }
`,
  });
});

after(() => cluster?.stop());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function journal(query: string): Promise<Json[]> {
  return (await api(cluster.server.url, `/api/v1/events?${query}&limit=10000`)).events;
}

async function incidentOf(service: string, state?: string): Promise<Json> {
  return (await api(cluster.server.url, "/api/v1/incidents")).incidents.find(
    (i: Json) => (i.target === service || (i.members ?? []).includes(`service:${service}`)) && (state === undefined || i.state === state),
  );
}

test("db dies under api and web: one incident with all three, only db restarted, one page, resolved with its figures", async () => {
  const { server, hook } = cluster;
  const db = await serviceState(server.url, "db");
  process.kill(db.pid, "SIGKILL");
  const incident = await waitFor(() => incidentOf("db", "resolved"), 60_000, "the db incident resolved").catch(async (err) => {
    const events = (await journal("since=0")).map((e) => `${e.ts} ${e.kind} ${e.service ?? e.node ?? ""} ${JSON.stringify(e.data).slice(0, 160)}`);
    throw new Error(`${(err as Error).message}\n${events.slice(-80).join("\n")}`);
  });
  // Give any late dependent a chance to show up as a repair or a second incident.
  await waitFor(async () => (await serviceState(server.url, "api")).health === "healthy" && (await serviceState(server.url, "web")).health === "healthy", 30_000, "api and web healthy again");
  const detail = await api(server.url, `/api/v1/incidents/${incident.id}`);
  const members = new Set<string>(detail.incident?.members ?? detail.members ?? incident.members);
  assert.ok(members.has("service:db"), `members: ${[...members].join(", ")}`);
  const restarted = (await journal("kind=action.started")).map((e) => e.service);
  assert.deepEqual(restarted.filter((s) => ["db", "api", "web"].includes(s)), ["db"], "only db was acted on");
  const incidents = (await api(server.url, "/api/v1/incidents")).incidents.filter((i: Json) => ["db", "api", "web"].includes(i.target));
  assert.equal(incidents.length, 1, `incidents: ${JSON.stringify(incidents.map((i: Json) => [i.id, i.target, i.members]))}`);
  const pages = hook.payloads.filter((p) => p.status === "firing" && p.alerts.some((a: Json) => ["db", "api", "web"].includes(a.labels.service)));
  assert.deepEqual(pages.flatMap((p) => p.alerts.map((a: Json) => a.labels.service)), ["db"], "one page, for db");
  const figures = detail.figures ?? detail.incident?.figures;
  assert.ok(figures.mttdMs >= 0 && figures.mttrMs >= 0 && figures.mttlMs >= 0, JSON.stringify(figures));
  const localized = detail.incident ?? detail;
  assert.equal(localized.rootKey, "service:db", localized.rootCause);
  assert.match(localized.rootCause, /^root cause: db on node-b/);
});

test("dry-run journals the plan for the cause and takes no action", async () => {
  const { server } = cluster;
  const dry = await serviceState(server.url, "dry");
  process.kill(dry.pid, "SIGKILL");
  const plan = await waitFor(async () => (await journal("kind=recovery.plan&service=dry"))[0], 30_000, "the dry-run plan");
  assert.equal(plan.data.mode, "dry-run");
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await journal("kind=action.started&service=dry")).length, 0, "no action");
  assert.deepEqual((await journal("kind=action.planned&service=dry")).map((e) => e.data.action), ["restart"]);
  assert.equal((await serviceState(server.url, "dry")).health, "unhealthy", "nothing repaired it");
});

test("a crash-looping service gets bounded attempts with growing delays, then escalation and no further action", async () => {
  const { server } = cluster;
  const escalated = await waitFor(async () => (await journal("kind=escalated&service=loop"))[0], 60_000, "loop escalated");
  const starts = (await journal("kind=action.started&service=loop")).map((e) => e.ts);
  assert.equal(starts.length, 3, `attempts at ${starts.join(", ")}`);
  const gaps = [starts[1]! - starts[0]!, starts[2]! - starts[1]!];
  assert.ok(gaps[1]! > gaps[0]!, `delays grow: ${gaps.join(" ms, ")} ms`);
  assert.ok(escalated.ts >= starts[2]!);
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal((await journal("kind=action.started&service=loop")).length, 3, "no action after escalation");
  assert.equal((await incidentOf("loop")).state, "escalated");
  void server;
});

test("node-c dies: its service with a standby fails over to node-b, verified; when node-c returns its fenced instance stays stopped", async () => {
  const { server, agents, dir } = cluster;
  const stb = await serviceState(server.url, "stb");
  // The node's power goes: its agent and the service's process die at once.
  agents["node-c"]!.proc.kill("SIGKILL");
  process.kill(stb.pid, "SIGKILL");
  const verified = await waitFor(async () => (await journal("kind=recovery.verified&service=stb"))[0], 60_000, "stb's failover verified");
  const failover = (await journal("kind=action.succeeded&service=stb")).find((e) => e.data.action === "failover");
  assert.ok(failover, "a failover action succeeded");
  assert.equal(failover.data.to, "node-b");
  assert.ok(verified.ts >= failover.ts);
  const moved = await serviceState(server.url, "stb");
  assert.equal(moved.node, "node-b");
  assert.equal(moved.health, "healthy");

  const startedBefore = (await journal("kind=process.started&service=stb&node=node-c")).length;
  agents["node-c"] = startAgent({ server: server.url, node: "node-c", dataDir: join(dir.path, "node-c") });
  await waitFor(async () => (await api(server.url, "/api/v1/nodes")).nodes.find((n: Json) => n.name === "node-c")?.state === "alive", 30_000, "node-c back");
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await journal("kind=process.started&service=stb&node=node-c")).length, startedBefore, "the fenced instance is not started on node-c");
  assert.equal((await serviceState(server.url, "stb")).node, "node-b");
});

test("the server killed in the middle of a playbook resumes it without restarting the service twice", async () => {
  const slow = await serviceState(cluster.server.url, "slow");
  process.kill(slow.pid, "SIGKILL");
  // The restart is done; verification (healthy for 6 s) is under way when the server dies.
  await waitFor(async () => (await journal("kind=action.succeeded&service=slow")).length === 1, 30_000, "slow restarted");
  await cluster.restartServer("SIGKILL");
  const incident = await waitFor(() => incidentOf("slow", "resolved"), 60_000, "slow's incident resolved after the restart").catch(async (err) => {
    const events = (await journal("service=slow")).map((e) => `${e.ts} ${e.kind} ${e.node ?? ""} ${JSON.stringify(e.data).slice(0, 160)}`);
    throw new Error(`${(err as Error).message}\n${events.slice(-60).join("\n")}\n${cluster.server.output().slice(-3000)}`);
  });
  const kinds = (await journal(`incident=${incident.id}`)).map((e) => e.kind);
  assert.equal(kinds.filter((k) => k === "action.started").length, 1, kinds.join(", "));
  assert.ok(kinds.includes("recovery.resumed"), kinds.join(", "));
  const restarts = (await journal("kind=process.started&service=slow")).filter((e) => e.ts > incident.detectedAt);
  assert.equal(restarts.length, 1, "one new process");
});
