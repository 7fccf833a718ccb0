// Node failure detection with real processes: a server and two agents. An agent paused
// for longer than a heartbeat interval (SIGSTOP, like a long GC) is suspected but answers
// its probe listener, so it is never declared down; an agent killed with SIGKILL is
// declared down at once (closed connection + failed direct probe), its peer untouched.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, freePort, startAgent, startServer, startWebhookReceiver, tempDir, waitFor, writeConfig, type VigilProcess, type WebhookReceiver } from "./harness.js";

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
