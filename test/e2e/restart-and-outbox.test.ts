// Durability with real processes: the server is stopped and started again on the same
// data dir; incidents, alerts and the journal are still there, and the agent's outbox
// delivers everything it collected while the server was away (as binary samples frames).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  HTTP_SERVICE,
  api,
  freePort,
  serviceState,
  startAgent,
  startServer,
  tempDir,
  waitFor,
  writeConfig,
  type VigilProcess,
} from "./harness.js";

let dir: ReturnType<typeof tempDir>;
let config: string;
let port: number;
let server: VigilProcess & { url: string };
let agent: VigilProcess;

before(async () => {
  dir = tempDir();
  port = await freePort();
  const svcPort = await freePort();
  config = writeConfig(
    dir.path,
    `
agent:
  collectInterval: 200ms
services:
  - name: web
    node: node-1
    run: { command: "node ${HTTP_SERVICE} ${svcPort}" }
    health: { http: "http://127.0.0.1:${svcPort}/", interval: 100ms, timeout: 300ms, failures: 2 }
    recovery: none
rules:
  - { name: AlwaysOn, metric: node_memory_total_bytes, above: 0, severity: info }
`,
  );
  server = await startServer({ configFile: config, dataDir: `${dir.path}/server`, port });
  agent = startAgent({ server: server.url, node: "node-1", dataDir: `${dir.path}/agent` });
  await waitFor(async () => (await serviceState(server.url, "web"))?.health === "healthy", 30_000, "web healthy");
});

after(async () => {
  await agent?.stop();
  await server?.stop();
  dir?.remove();
});

test("after a server restart, incidents, alerts and journal are kept and the outbox delivers what was collected meanwhile", async () => {
  // An incident that stays open (recovery: none) and a firing rule alert.
  const web = await serviceState(server.url, "web");
  process.kill(web.pid, "SIGKILL");
  const incident = await waitFor(
    async () => (await api(server.url, "/api/v1/incidents?state=open")).incidents.find((i: { target: string }) => i.target === "web"),
    20_000,
    "an open incident for web",
  );
  await waitFor(
    async () => (await api(server.url, "/api/v1/alerts")).alerts.find((a: { labels: Record<string, string>; state: string }) => a.labels.alertname === "AlwaysOn" && a.state === "firing"),
    20_000,
    "the AlwaysOn alert firing",
  );
  const eventsBefore = (await api(server.url, "/api/v1/events?limit=10000")).events;

  // The server goes away for a while; the agent keeps collecting every 200 ms.
  await server.stop("SIGKILL");
  const downFrom = Date.now();
  await new Promise((r) => setTimeout(r, 3000));
  const downTo = Date.now();
  server = await startServer({ configFile: config, dataDir: `${dir.path}/server`, port });

  const kept = await api(server.url, `/api/v1/incidents/${incident.id}`);
  assert.equal(kept.incident.target, "web");
  assert.notEqual(kept.incident.state, "resolved");
  assert.ok(kept.timeline.some((e: { kind: string }) => e.kind === "incident.opened"));
  const alerts = (await api(server.url, "/api/v1/alerts")).alerts;
  assert.ok(alerts.some((a: { labels: Record<string, string> }) => a.labels.alertname === "AlwaysOn"), "the firing alert is still there");
  const eventsAfter = (await api(server.url, "/api/v1/events?limit=10000")).events;
  for (const e of eventsBefore) {
    assert.deepEqual(eventsAfter.find((x: { id: number }) => x.id === e.id), e, `journal event ${e.id} kept`);
  }

  // Every collection made while the server was down arrives from the outbox.
  const points = await waitFor(async () => {
    const q = await api(server.url, `/api/v1/tsdb/query_range?metric=node_memory_total_bytes&match=node%3Dnode-1&from=${downFrom}&to=${downTo}`);
    const pts: Array<[number, number]> = q.series[0]?.points ?? [];
    return pts.length >= 10 ? pts : null;
  }, 20_000, "samples collected during the outage");
  // 3 s at one collection per 200 ms: about 15 (allow for a loaded machine).
  assert.ok(points.length >= 10 && points.length <= 16, `${points.length} samples from the outage`);
  const gaps = points.slice(1).map((p, i) => p[0] - points[i]![0]);
  assert.ok(Math.max(...gaps) < 1500, `no hole in the outage data (largest gap ${Math.max(...gaps)}ms)`);

  // Nothing was stored twice: the store rejected no duplicate from the resent backlog.
  const status = await api(server.url, "/api/v1/status");
  assert.equal(status.series.rejected, 0);
  assert.equal(status.nodes.alive, 1);

  // The agent sent its samples, the re-sent backlog included, as binary samples frames (the
  // restarted server's welcome offered them), none as JSON.
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const form = (name: string) => Number(new RegExp(`^vigil_agent_samples_messages_total\\{form="${name}"\\} (\\d+)$`, "m").exec(metrics)?.[1] ?? 0);
  assert.ok(form("binary") >= 15, `${form("binary")} binary samples frames since the restart`);
  assert.equal(form("json"), 0);
});
