// Threshold rules decide when samples arrive, not at the next evaluation tick: with the periodic
// evaluation an hour apart, a real agent's probe metric crossing a rule's line still reaches a
// real webhook receiver (firing, then resolved), and the journal tells when the sample arrived.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { api, startCluster, waitFor, type Cluster } from "./harness.js";

let cluster: Cluster;
let target: Server;
/** What the probed target answers: 200 while true, else 503. */
let healthy = true;

before(async () => {
  target = createServer((_req, res) => {
    res.statusCode = healthy ? 200 : 503;
    res.end(healthy ? "ok" : "down");
  });
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  const port = (target.address() as AddressInfo).port;
  cluster = await startCluster({
    healthy: ["target"],
    config: (hookUrl) => `
server:
  evaluationInterval: 1h
agent:
  collectInterval: 200ms
services:
  - name: target
    node: node-1
    health: { http: "http://127.0.0.1:${port}/", interval: 100ms, timeout: 300ms, failures: 2 }
    recovery: none
rules:
  - { name: TargetFailing, metric: service_up, labels: { service: target }, below: 1, for: 0s, severity: critical }
notify:
  receivers:
    hook: { webhook: { url: "${hookUrl}" } }
  routes:
    - { match: { alertname: TargetFailing }, receiver: hook, groupWait: 0s, groupInterval: 1s }
`,
  });
});

after(async () => {
  await cluster?.stop();
  target?.closeAllConnections();
  await new Promise<void>((resolve) => target?.close(() => resolve()));
});

const ofRule = (payload: { alerts: Array<{ labels: Record<string, string> }> }) =>
  payload.alerts.some((a) => a.labels.alertname === "TargetFailing");

test("a crossing is notified, firing and resolved, long before the periodic evaluation could have seen it", async () => {
  const { hook, server } = cluster;
  const crossedAt = Date.now();
  healthy = false;
  await waitFor(() => hook.payloads.some((p) => ofRule(p) && p.status === "firing"), 30_000, "the firing notification");

  const [fired] = (await api(server.url, "/api/v1/events?kind=alert.firing")).events.filter(
    (e: { data: { labels: Record<string, string> } }) => e.data.labels.alertname === "TargetFailing",
  );
  assert.ok(fired, "alert.firing journalled");
  const receivedAt = fired.data.sampleReceivedAt;
  assert.equal(typeof receivedAt, "number", "decided on the sample's arrival, which the event records");
  assert.ok(receivedAt >= crossedAt && receivedAt <= fired.ts, `the sample arrived (${receivedAt}) after the crossing (${crossedAt}) and before the decision (${fired.ts})`);

  healthy = true;
  await waitFor(() => hook.payloads.some((p) => ofRule(p) && p.status === "resolved"), 30_000, "the resolved notification");
  assert.deepEqual(hook.payloads.filter(ofRule).map((p) => p.status), ["firing", "resolved"]);
});
