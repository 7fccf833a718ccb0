// A receiver that is down for 10 s gets every notification once after it comes back, in
// order: the crash's firing and its resolved, each exactly once.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { HTTP_SERVICE, freePort, serviceState, startCluster, waitFor, type Cluster } from "./harness.js";

let cluster: Cluster;

before(async () => {
  const svc = await freePort();
  cluster = await startCluster({
    healthy: ["web"],
    config: (hookUrl) => `
services:
  - name: web
    node: node-1
    run: { command: "node ${HTTP_SERVICE} ${svc}" }
    health: { http: "http://127.0.0.1:${svc}/", interval: 100ms, timeout: 300ms, failures: 2 }
playbooks:
  default:
    steps: [restart, { verify: { healthyFor: 500ms, within: 20s } }]
notify:
  groupWait: 0s
  groupInterval: 1s
  receivers:
    hook: { webhook: { url: "${hookUrl}" } }
  routes:
    - { receiver: hook }
`,
  });
});

after(() => cluster?.stop());

test("notifications queued while the receiver is down for 10 s arrive once each, in order, after it is back", async () => {
  const { hook, server } = cluster;
  hook.down();
  const web = await serviceState(server.url, "web");
  process.kill(web.pid, "SIGKILL");
  await waitFor(async () => {
    const s = await serviceState(server.url, "web");
    return s.health === "healthy" && s.pid !== web.pid;
  }, 20_000, "web restarted and healthy");
  await new Promise((r) => setTimeout(r, 10_000));
  assert.ok(hook.refused() >= 2, `the receiver refused ${hook.refused()} attempts while down`);
  assert.equal(hook.payloads.length, 0);

  hook.up();
  await waitFor(() => hook.payloads.some((p) => p.status === "resolved"), 90_000, "the resolved notification after the outage");
  await new Promise((r) => setTimeout(r, 3000));
  const statuses = hook.payloads
    .filter((p) => p.alerts.some((a: { labels: Record<string, string> }) => a.labels.alertname === "ServiceDown"))
    .map((p) => p.status);
  assert.deepEqual(statuses, ["firing", "resolved"]);
});
