// A server restart between an alert's firing and its resolution: the receiver that was told
// it fired is still told it resolved, once each, after the restart.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { HTTP_SERVICE, api, freePort, serviceState, startCluster, waitFor, type Cluster } from "./harness.js";

let cluster: Cluster;
let svc: number;
let byHand: ChildProcess | undefined;

before(async () => {
  svc = await freePort();
  cluster = await startCluster({
    healthy: ["web"],
    config: (hookUrl) => `
services:
  - name: web
    node: node-1
    run: { command: "node ${HTTP_SERVICE} ${svc}" }
    health: { http: "http://127.0.0.1:${svc}/", interval: 100ms, timeout: 300ms, failures: 2 }
    recovery: none
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

after(async () => {
  byHand?.kill("SIGKILL");
  await cluster?.stop();
});

const serviceDown = (status: string) =>
  cluster.hook.payloads.filter((p) => p.status === status && p.alerts.some((a: { labels: Record<string, string> }) => a.labels.alertname === "ServiceDown"));

test("the resolved notification is sent after a restart that came between firing and resolved", async () => {
  const web = await serviceState(cluster.server.url, "web");
  process.kill(web.pid, "SIGKILL");
  await waitFor(() => serviceDown("firing").length > 0, 20_000, "the firing notification");
  // Delivery is at-least-once: a crash between the receiver's answer and storing "sent"
  // would resend. This test is about a restart after delivery, so wait for "sent".
  await waitFor(async () => (await api(cluster.server.url, "/api/v1/events?kind=notify.sent")).events.length > 0, 20_000, "notify.sent stored");

  // The server dies while the alert fires. With `recovery: none` nobody restarts web, so
  // an operator brings it back by hand on its port; the alert resolves under the new server.
  await cluster.restartServer("SIGKILL");
  byHand = spawn(process.execPath, [HTTP_SERVICE, String(svc)], { stdio: "ignore" });
  await waitFor(async () => (await serviceState(cluster.server.url, "web"))?.health === "healthy", 30_000, "web healthy again");
  await waitFor(() => serviceDown("resolved").length > 0, 20_000, "the resolved notification");
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(serviceDown("firing").length, 1, "the firing was not sent again after the restart");
  assert.equal(serviceDown("resolved").length, 1);
  const [firing, resolved] = [serviceDown("firing")[0], serviceDown("resolved")[0]];
  assert.equal(resolved.alerts[0].fingerprint, firing.alerts[0].fingerprint);
});
