// A receiver that is down for 10 s gets every notification once after it comes back, in
// order: the crash's firing and its resolved, each exactly once.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  HTTP_SERVICE,
  freePort,
  serviceState,
  startAgent,
  startServer,
  startWebhookReceiver,
  tempDir,
  waitFor,
  writeConfig,
  type VigilProcess,
  type WebhookReceiver,
} from "./harness.js";

let dir: ReturnType<typeof tempDir>;
let hook: WebhookReceiver;
let server: VigilProcess & { url: string };
let agent: VigilProcess;

before(async () => {
  dir = tempDir();
  hook = await startWebhookReceiver();
  const svc = await freePort();
  const config = writeConfig(
    dir.path,
    `
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
    hook: { webhook: { url: "${hook.url}" } }
  routes:
    - { receiver: hook }
`,
  );
  server = await startServer({ configFile: config, dataDir: `${dir.path}/server`, port: await freePort() });
  agent = startAgent({ server: server.url, node: "node-1", dataDir: `${dir.path}/agent` });
  await waitFor(async () => (await serviceState(server.url, "web"))?.health === "healthy", 30_000, "web healthy");
});

after(async () => {
  await agent?.stop();
  await server?.stop();
  await hook?.close();
  dir?.remove();
});

test("notifications queued while the receiver is down for 10 s arrive once each, in order, after it is back", async () => {
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
