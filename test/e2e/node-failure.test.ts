// Node failure detection with real processes: a server and two agents. An agent paused
// for longer than a heartbeat interval (SIGSTOP, like a long GC) is suspected but answers
// its probe listener, so it is never declared down; an agent killed with SIGKILL is
// declared down at once (closed connection + failed direct probe), its peer untouched.
// Heartbeats arrive as UDP datagrams; junk sent to that port is counted and changes nothing.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdirSync } from "node:fs";
import { encodeHeartbeatDatagram } from "../../src/protocol/heartbeat-datagram.js";
import { sipKey } from "../../src/protocol/siphash.js";
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

/** A counter of the server's /metrics, by its full name with labels. */
async function metric(series: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

test("heartbeats arrive as UDP datagrams; junk, unknown sessions and forged tags sent to that port count for nothing", async () => {
  const counted = 'vigil_heartbeat_datagrams_total{result="counted"}';
  const before = await metric(counted);
  await waitFor(async () => (await metric(counted)) >= before + 8, 10_000, "two agents' datagrams counted");
  const udp = createSocket("udp4");
  const port = Number(new URL(server.url).port);
  const send = (datagram: Buffer) => new Promise<void>((resolve, reject) => udp.send(datagram, port, "127.0.0.1", (err) => (err ? reject(err) : resolve())));
  try {
    await send(Buffer.from("not a heartbeat"));
    await send(encodeHeartbeatDatagram(4_000_000, sipKey(Buffer.alloc(16)), 1));
    // Session 0 is one of the two agents' connections; without its key the tag is wrong.
    await send(encodeHeartbeatDatagram(0, sipKey(Buffer.alloc(16)), 2 ** 50));
  } finally {
    udp.close();
  }
  await waitFor(
    async () =>
      (await metric('vigil_heartbeat_datagrams_total{result="malformed"}')) === 1 &&
      (await metric('vigil_heartbeat_datagrams_total{result="unknown-session"}')) === 1 &&
      (await metric('vigil_heartbeat_datagrams_total{result="bad-mac"}')) === 1,
    10_000,
    "the three refusals counted by reason",
  );
  const nodes = (await api(server.url, "/api/v1/nodes")).nodes;
  assert.deepEqual(nodes.map((n: { state: string }) => n.state), ["alive", "alive"]);
});

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

test("a server whose heartbeat UDP port is taken refuses to start and says how to fix it", async () => {
  const port = await freePort();
  const squatter = createSocket("udp4");
  await new Promise<void>((resolve) => squatter.bind(port, "127.0.0.1", () => resolve()));
  try {
    mkdirSync(`${dir.path}/taken`);
    const config = writeConfig(`${dir.path}/taken`, "{}\n");
    const out = spawnSync(process.execPath, [CLI, "server", "--config", config, "--data", `${dir.path}/taken/data`, "--listen", `127.0.0.1:${port}`], {
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.notEqual(out.status, 0);
    assert.match(out.stderr, new RegExp(`cannot receive UDP heartbeats on 127\\.0\\.0\\.1:${port}: EADDRINUSE; set failureDetector\\.udpHeartbeats\\.port`));
  } finally {
    squatter.close();
  }
});
