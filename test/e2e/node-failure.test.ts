// Node failure detection with real processes: a server and two agents. An agent paused
// for longer than a heartbeat interval (SIGSTOP, like a long GC) is suspected but answers
// its probe listener, so it is never declared down; an agent killed with SIGKILL is
// declared down at once (closed connection + failed direct probe), its peer untouched.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { CLI, api, freePort, startAgent, startServer, startWebhookReceiver, tempDir, waitFor, writeConfig, type VigilProcess, type WebhookReceiver } from "./harness.js";

let dir: ReturnType<typeof tempDir>;
let hook: WebhookReceiver;
let server: VigilProcess & { url: string };
const agents: Record<string, VigilProcess> = {};

before(async () => {
  dir = tempDir();
  hook = await startWebhookReceiver();
  const config = writeConfig(
    dir.path,
    `
notify:
  groupWait: 0s
  receivers:
    hook: { webhook: { url: "${hook.url}" } }
  routes:
    - { receiver: hook }
`,
  );
  server = await startServer({ configFile: config, dataDir: `${dir.path}/server`, port: await freePort() });
  for (const node of ["node-1", "node-2"]) {
    agents[node] = startAgent({ server: server.url, node, dataDir: `${dir.path}/${node}` });
  }
  await waitFor(async () => {
    const nodes = (await api(server.url, "/api/v1/nodes")).nodes;
    return nodes.length === 2 && nodes.every((n: { state: string }) => n.state === "alive");
  }, 30_000, "both nodes alive");
});

after(async () => {
  for (const a of Object.values(agents)) {
    try {
      a.proc.kill("SIGCONT");
    } catch {
      /* gone */
    }
    await a.stop();
  }
  await server?.stop();
  await hook?.close();
  dir?.remove();
});

const nodeState = async (name: string) =>
  (await api(server.url, "/api/v1/nodes")).nodes.find((n: { name: string }) => n.name === name);

test("an agent paused for 1.5 s is suspected at most, never declared down", async () => {
  // Let the detector learn the heartbeat rhythm first.
  await new Promise((r) => setTimeout(r, 3000));
  agents["node-2"]!.proc.kill("SIGSTOP");
  await new Promise((r) => setTimeout(r, 1500));
  agents["node-2"]!.proc.kill("SIGCONT");
  await waitFor(async () => (await nodeState("node-2")).state === "alive", 10_000, "node-2 alive after the pause");
  const events = (await api(server.url, "/api/v1/events?kind=node.down,node.unreachable&node=node-2")).events;
  assert.deepEqual(events, [], "no down or unreachable verdict for a paused agent");
});

test("an agent killed with SIGKILL is declared down within moments, with NodeDown notified; its peer stays alive", async () => {
  const killedAt = Date.now();
  agents["node-1"]!.proc.kill("SIGKILL");
  const down = await waitFor(
    async () => (await api(server.url, "/api/v1/events?kind=node.down&node=node-1")).events[0],
    10_000,
    "node.down for node-1",
  );
  const detectionMs = down.ts - killedAt;
  console.log(`agent SIGKILL → node.down in ${detectionMs} ms (${down.data.reason})`);
  assert.ok(detectionMs < 3000, `declared down ${detectionMs} ms after the kill`);
  assert.equal((await nodeState("node-1")).state, "down");
  assert.equal((await nodeState("node-2")).state, "alive");
  const incident = (await api(server.url, "/api/v1/incidents?state=open")).incidents.find((i: { key: string }) => i.key === "node:node-1");
  assert.ok(incident, "a node incident is open");
  await waitFor(
    () => hook.payloads.find((p) => p.status === "firing" && p.alerts.some((a: { labels: Record<string, string> }) => a.labels.alertname === "NodeDown" && a.labels.node === "node-1")),
    10_000,
    "the NodeDown webhook",
  );
});

test("vigil nodes shows each node's state, φ and risk; the API carries the same", async () => {
  const out = spawnSync(process.execPath, [CLI, "nodes", "--server", server.url], { encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /^NODE\s+STATE\s+FOR\s+PHI\s+SUSPECT AFTER\s+LAST SEEN\s+RISK/);
  assert.match(out.stdout, /node-1\s+down/);
  assert.match(out.stdout, /node-2\s+alive\s+\S+\s+\d+\.\d\d/);
  const nodes = (await api(server.url, "/api/v1/nodes")).nodes;
  const down = nodes.find((n: { name: string }) => n.name === "node-1");
  const alive = nodes.find((n: { name: string }) => n.name === "node-2");
  assert.ok(down.risk.score > alive.risk.score, `a down node is riskier (${down.risk.score} vs ${alive.risk.score})`);
  assert.ok(down.risk.factors.some((f: { factor: string }) => f.factor === "unhealthy"));
  assert.ok(typeof alive.liveness.phi === "number" && alive.liveness.suspectAfterMs > 0);
});
