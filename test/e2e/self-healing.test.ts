// The whole loop with real processes: a server, an agent on node-1 supervising real HTTP
// services, a real webhook receiver. A crash (SIGKILL) and a hang (SIGSTOP) are each
// detected, repaired by a restart, verified, and the incident resolved with its timeline.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { HTTP_SERVICE, api, freePort, inOrder, serviceState, startCluster, waitFor, type Cluster, type VigilProcess, type WebhookReceiver } from "./harness.js";

let cluster: Cluster;
let hook: WebhookReceiver;
let server: VigilProcess & { url: string };
const ports = { web: 0, api: 0 };

before(async () => {
  ports.web = await freePort();
  ports.api = await freePort();
  cluster = await startCluster({
    healthy: ["web", "api"],
    config: (hookUrl) => `
services:
  - name: web
    node: node-1
    run: { command: "node ${HTTP_SERVICE} ${ports.web}" }
    health: { http: "http://127.0.0.1:${ports.web}/healthz", interval: 100ms, timeout: 300ms, failures: 2 }
  - name: api
    node: node-1
    run: { command: "node ${HTTP_SERVICE} ${ports.api}", stopTimeout: 10s }
    health: { http: "http://127.0.0.1:${ports.api}/", interval: 100ms, timeout: 300ms, failures: 2 }
    dependsOn: [web]
    recovery: quick
playbooks:
  quick:
    steps: [restart, { verify: { healthyFor: 500ms, within: 20s } }, escalate]
notify:
  # The outage lasts less than the default groupWait (1s); with it, Alertmanager's grouping
  # would send nothing at all (fired and resolved before the group's first flush).
  groupWait: 0s
  receivers:
    hook: { webhook: { url: "${hookUrl}" } }
  routes:
    - { receiver: hook }
`,
  });
  ({ hook, server } = cluster);
});

after(() => cluster?.stop());

async function resolvedIncidentOf(service: string, afterId = 0) {
  return waitFor(
    async () =>
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      (await api(server.url, "/api/v1/incidents")).incidents.find((i: any) => i.target === service && i.id > afterId && i.state === "resolved"),
    60_000,
    `a resolved incident for ${service}`,
  );
}

async function servedBy(port: number): Promise<number> {
  const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
  return Number(body.split(" ")[1]);
}

test("a crashed service (SIGKILL) is restarted, verified, its incident resolved with a timeline, and the webhook is told", async () => {
  const before = await serviceState(server.url, "web");
  assert.ok(before.pid > 0, "web has a pid");
  process.kill(before.pid, "SIGKILL");

  const incident = await resolvedIncidentOf("web");
  const detail = await api(server.url, `/api/v1/incidents/${incident.id}`);
  const kinds: string[] = detail.timeline.map((e: { kind: string }) => e.kind);
  assert.ok(
    inOrder(kinds, ["signal", "incident.opened", "action.started", "action.succeeded", "recovery.verified", "incident.resolved"]),
    `timeline in order: ${kinds.join(", ")}`,
  );
  assert.equal(detail.incident.node, "node-1");
  assert.ok(detail.incident.figures.mttdMs >= 0 && detail.incident.figures.mttdMs < 5000, `MTTD ${detail.incident.figures.mttdMs}ms`);
  assert.ok(detail.incident.figures.mttrMs >= 0 && detail.incident.figures.mttrMs < 30_000, `MTTR ${detail.incident.figures.mttrMs}ms`);
  const restarted = detail.timeline.find((e: { kind: string }) => e.kind === "action.succeeded");
  assert.equal(restarted.data.action, "restart");

  const now = await serviceState(server.url, "web");
  assert.equal(now.health, "healthy");
  assert.notEqual(now.pid, before.pid, "a new process runs the service");
  assert.equal(await servedBy(ports.web), now.pid, "the new process serves");

  // Alertmanager's webhook format: a firing and then a resolved notification for the outage.
  const hooks = await waitFor(() => {
    const mine = hook.payloads.filter((p) => p.alerts.some((a: { labels: Record<string, string> }) => a.labels.alertname === "ServiceDown" && a.labels.service === "web"));
    return mine.some((p) => p.status === "resolved") ? mine : null;
  }, 20_000, "firing and resolved webhooks for web");
  assert.deepEqual(hooks.map((p) => p.status), ["firing", "resolved"]);
  for (const p of hooks) {
    assert.equal(p.version, "4");
    assert.equal(p.receiver, "hook");
    assert.ok(p.groupKey && p.externalURL.startsWith("http://127.0.0.1:"));
    const alert = p.alerts[0];
    assert.match(alert.fingerprint, /^[0-9a-f]{16}$/);
    assert.equal(alert.labels.node, "node-1");
    assert.ok(!Number.isNaN(Date.parse(alert.startsAt)));
  }
  assert.equal(hooks[0].alerts[0].endsAt, "0001-01-01T00:00:00Z");
  assert.ok(Date.parse(hooks[1].alerts[0].endsAt) >= Date.parse(hooks[1].alerts[0].startsAt));
});

test("a hung service (SIGSTOP) is detected by its probe, the hung process killed and replaced, and the repair verified", async () => {
  const before = await serviceState(server.url, "api");
  process.kill(before.pid, "SIGSTOP");
  try {
    const incident = await resolvedIncidentOf("api");
    const detail = await api(server.url, `/api/v1/incidents/${incident.id}`);
    const kinds: string[] = detail.timeline.map((e: { kind: string }) => e.kind);
    assert.ok(inOrder(kinds, ["signal", "incident.opened", "action.started", "action.succeeded", "recovery.verified", "incident.resolved"]), kinds.join(", "));
    const signal = detail.timeline.find((e: { kind: string }) => e.kind === "signal");
    assert.equal(signal.data.source, "probe", "the hang was seen by the health probe");
    // stopTimeout is 10s, so a fast repair shows the stopped process was killed at once.
    assert.ok(detail.incident.figures.mttrMs < 8000, `MTTR ${detail.incident.figures.mttrMs}ms`);
    const now = await serviceState(server.url, "api");
    assert.notEqual(now.pid, before.pid);
    assert.equal(await servedBy(ports.api), now.pid);
    assert.throws(() => process.kill(before.pid, 0), /ESRCH/, "the hung process is gone");
  } finally {
    try {
      process.kill(before.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
});

test("the journal and the API agree on what happened", async () => {
  const events = (await api(server.url, "/api/v1/events?kind=action.started")).events;
  assert.ok(events.length >= 2);
  const status = await api(server.url, "/api/v1/status");
  assert.equal(status.nodes.alive, 1);
  assert.equal(status.incidents.open, 0);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /vigil_actions_total\{action="restart",result="ok"\} [1-9]/);
  assert.match(metrics, /vigil_services\{health="healthy"\} 2/);
});
