// One page per fault, with real processes: web depends on api, api on db. When db dies,
// api's and web's health checks fail too (they check db), but dependency inhibition keeps
// their alerts from being notified: the receiver gets exactly one notification, for db.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { HTTP_SERVICE, api, freePort, serviceState, startCluster, waitFor, type Cluster } from "./harness.js";

let cluster: Cluster;

before(async () => {
  const db = await freePort();
  const port = { api: await freePort(), web: await freePort() };
  // api and web run their own processes but are healthy only while db answers.
  const dependent = (name: "api" | "web", dependsOn: string) => `
  - name: ${name}
    node: node-1
    run: { command: "node ${HTTP_SERVICE} ${port[name]}" }
    health: { http: "http://127.0.0.1:${db}/", interval: 100ms, timeout: 300ms, failures: 2 }
    dependsOn: [${dependsOn}]
    recovery: none`;
  cluster = await startCluster({
    healthy: ["db", "api", "web"],
    config: (hookUrl) => `
services:
  - name: db
    node: node-1
    run: { command: "node ${HTTP_SERVICE} ${db}" }
    health: { http: "http://127.0.0.1:${db}/", interval: 100ms, timeout: 300ms, failures: 2 }
    recovery: none${dependent("api", "db")}${dependent("web", "api")}
notify:
  groupWait: 1s
  receivers:
    hook: { webhook: { url: "${hookUrl}" } }
  routes:
    - { receiver: hook }
`,
  });
});

after(() => cluster?.stop());

test("db fails, api and web fail with it: exactly one notification, for db", async () => {
  const { hook, server } = cluster;
  const db = await serviceState(server.url, "db");
  process.kill(db.pid, "SIGKILL");
  for (const name of ["api", "web"]) {
    await waitFor(async () => (await serviceState(server.url, name))?.health === "unhealthy", 20_000, `${name} unhealthy`);
  }
  // All three alerts fire...
  await waitFor(async () => {
    const firing = (await api(server.url, "/api/v1/alerts")).alerts.filter((a: { state: string; labels: Record<string, string> }) => a.state === "firing" && a.labels.alertname === "ServiceDown");
    return firing.length === 3;
  }, 20_000, "three ServiceDown alerts firing");
  // ... and after every group has flushed (groupWait 1 s), one page went out.
  await new Promise((r) => setTimeout(r, 3000));
  const pages = hook.payloads.filter((p) => p.status === "firing");
  assert.equal(pages.length, 1, `notifications: ${JSON.stringify(pages.map((p) => p.alerts.map((a: { labels: Record<string, string> }) => a.labels.service)))}`);
  assert.deepEqual(pages[0].alerts.map((a: { labels: Record<string, string> }) => a.labels.service), ["db"]);
});
