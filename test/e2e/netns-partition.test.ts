// Node failure detection across real network faults: `vigil server` and three `vigil agent`
// processes, each in its own network namespace on a bridged lan, with default failure
// detector settings. (a) One agent's cable pulled → NodeDown for it alone. (b) Only the
// server↔agent path cut while its peers still reach it → NodeUnreachable, not down, and its
// supervised service is not touched. (c) The server's own cable pulled → ControlPlaneIsolated,
// freeze on, nothing declared down or repaired; cable back → nodes alive, freeze off once stable.
// Needs root and iproute2: skipped loudly without them, unless VIGIL_REQUIRE_NETNS=1.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { failureDetectorDefaults } from "../../src/detect/failure/failure-detector-options.js";
import { CLI, HTTP_SERVICE, runCli, startWebhookReceiver, tempDir, waitFor, writeConfig, type VigilProcess, type WebhookReceiver } from "./harness.js";
import { createLab, netnsGate, type Lab } from "./netns.js";

const gate = netnsGate("the network-namespace partition tests (test/e2e/netns-partition.test.ts)");
const NODES = ["node-1", "node-2", "node-3"] as const;
const PORT = 7070;
/** node-3 supervises this service: a recovery attempt on it would show in the journal. */
const SERVICE = "web";
const SERVICE_PORT = 8080;
const defaults = failureDetectorDefaults();

let lab: Lab | undefined;
let dir: ReturnType<typeof tempDir> | undefined;
let hook: WebhookReceiver | undefined;
let server: VigilProcess | undefined;
const agents: Record<string, VigilProcess> = {};
/** The server's API over the management link (still reachable while its lan cable is cut). */
let apiUrl = "";
/** The server listens beyond loopback, so it needs a token (made on its data directory before it starts). */
let apiToken = "";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function get(path: string): Promise<any> {
  const res = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${apiToken}` }, signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}: ${await res.text()}`);
  return res.json();
}

interface JournalEvent {
  id: number;
  ts: number;
  kind: string;
  node: string | null;
  service: string | null;
  data: Record<string, unknown>;
}

async function eventsAfter(afterId: number, kinds: string[]): Promise<JournalEvent[]> {
  return (await get(`/api/v1/events?afterId=${afterId}&kind=${kinds.join(",")}`)).events;
}

async function latestEventId(): Promise<number> {
  return (await get("/api/v1/events?order=desc&limit=1")).events[0]?.id ?? 0;
}

async function nodeStates(): Promise<Record<string, string>> {
  const nodes: { name: string; state: string }[] = (await get("/api/v1/nodes")).nodes;
  return Object.fromEntries(nodes.map((n) => [n.name, n.state]));
}

async function waitAllAlive(what: string): Promise<void> {
  await waitFor(async () => {
    const states = await nodeStates();
    return NODES.every((n) => states[n] === "alive");
  }, 45_000, what);
}

/** Whether a webhook notification from the `from`th on reports `alertname` in `status` (for `node`, if given). */
function webhookSeen(from: number, status: "firing" | "resolved", alertname: string, node?: string): boolean {
  return hook!.payloads.slice(from).some((p) =>
    p.alerts.some(
      (a: { status: string; labels: Record<string, string> }) =>
        a.status === status && a.labels.alertname === alertname && (node === undefined || a.labels.node === node),
    ),
  );
}

const RECOVERY_KINDS = ["incident.opened", "recovery.attempt", "action.started"];

/** A graceful stop, then SIGKILL if the process does not exit within `graceMs`. */
async function stopWithin(p: VigilProcess, graceMs = 10_000): Promise<void> {
  const timer = setTimeout(() => p.proc.kill("SIGKILL"), graceMs);
  await p.stop();
  clearTimeout(timer);
}

before(async () => {
  if (gate.skip) return;
  gate.assertAvailable();
  lab = createLab(["server", ...NODES]);
  dir = tempDir("vigil-e2e-netns-");
  hook = await startWebhookReceiver({ host: lab.management.localIp });
  const configFile = writeConfig(
    dir.path,
    `
services:
  - name: ${SERVICE}
    node: node-3
    run: { command: "node ${HTTP_SERVICE} ${SERVICE_PORT}" }
    health: { http: "http://127.0.0.1:${SERVICE_PORT}/", interval: 250ms, timeout: 200ms, failures: 2 }
    recovery: restart-only
playbooks:
  restart-only:
    steps: [restart, { verify: { healthyFor: 500ms, within: 20s } }]
notify:
  groupWait: 0s
  receivers:
    hook: { webhook: { url: "${hook.url}" } }
  routes:
    - { receiver: hook }
`,
  );
  apiToken = execFileSync(process.execPath, [CLI, "token", "create", "--role", "viewer", "--name", "netns-test", "--data", join(dir.path, "server")], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  // Beyond loopback, agents must enroll (server.agentAuth auto): one token per node, spent
  // across the namespaces on the first connect. Plain text is allowed knowingly (--insecure).
  const tokens: Record<string, string> = {};
  for (const node of NODES) {
    const made: { status: number | null; stdout: string; stderr: string } = spawnSync(process.execPath, [CLI, "token", "create", "--agent", node, "--data", join(dir.path, "server")], { encoding: "utf8" });
    assert.equal(made.status, 0, made.stderr);
    tokens[node] = made.stdout.trim();
  }
  server = runCli(["server", "--config", configFile, "--data", join(dir.path, "server"), "--listen", `0.0.0.0:${PORT}`, "--insecure"], {}, lab.launcher("server"));
  lab.adopt(server.proc);
  apiUrl = `http://${lab.management.remoteIp}:${PORT}`;
  await waitFor(
    async () => {
      if (server!.proc.exitCode !== null) throw new Error(`vigil server exited: ${server!.output()}`);
      return (await fetch(`${apiUrl}/healthz`)).ok;
    },
    20_000,
    "the server in its namespace to listen",
  );
  for (const node of NODES) {
    agents[node] = runCli(
      ["agent", "--server", `http://${lab.hosts.server!.ip}:${PORT}`, "--insecure", "--enroll-token", tokens[node]!, "--node", node, "--data", join(dir.path, node)],
      {},
      lab.launcher(node),
    );
    lab.adopt(agents[node]!.proc);
  }
  await waitAllAlive("three agents alive from their namespaces");
  await waitFor(
    async () => (await get("/api/v1/services")).services.find((s: { name: string }) => s.name === SERVICE)?.health === "healthy",
    30_000,
    `${SERVICE} on node-3 healthy`,
  );
  // Let φ learn the heartbeat rhythm over the bridged links.
  await new Promise((r) => setTimeout(r, 2000));
});

after(async () => {
  if (lab) {
    // Put every cable back so that the agents can say goodbye and stop their service.
    for (const host of ["server", ...NODES]) lab.restoreLink(host);
    lab.restorePath("server", "node-3");
  }
  for (const a of Object.values(agents)) await stopWithin(a);
  if (server) await stopWithin(server);
  await hook?.close();
  lab?.destroy();
  dir?.remove();
});

test("a pulled agent cable: NodeDown for that node, no verdict on the others", { skip: gate.skip }, async (t) => {
  await waitAllAlive("all nodes alive before the cut");
  const mark = await latestEventId();
  const hooksBefore = hook!.payloads.length;
  const cutAt = Date.now();
  lab!.cutLink("node-1");
  t.after(() => lab!.restoreLink("node-1"));

  const [down] = await waitFor(async () => {
    const events = await eventsAfter(mark, ["node.down"]);
    return events.length > 0 ? events : null;
  }, 20_000, "node.down for node-1");
  assert.equal(down!.node, "node-1");
  const detectionMs = down!.ts - cutAt;
  await waitFor(() => webhookSeen(hooksBefore, "firing", "NodeDown", "node-1"), 10_000, "the NodeDown webhook for node-1");
  console.log(`link cut → node.down in ${detectionMs} ms, webhook by ${Date.now() - cutAt} ms (target ≤ 3000 ms): ${down!.data.reason}`);
  assert.equal((await nodeStates())["node-1"], "down");

  lab!.restoreLink("node-1");
  await waitAllAlive("node-1 alive again after its cable is back");
  const others = (await eventsAfter(mark, ["node.down", "node.unreachable"])).filter((e) => e.node !== "node-1");
  assert.deepEqual(others, [], "no down or unreachable verdict on the nodes whose cables stayed in");
  assert.deepEqual(await eventsAfter(mark, ["node.unreachable"]), [], "node-1 was down, never only unreachable");
});

test("server↔agent path cut while peers reach it: NodeUnreachable, not down, and no recovery of its service", { skip: gate.skip }, async (t) => {
  await waitAllAlive("all nodes alive before the cut");
  const mark = await latestEventId();
  const hooksBefore = hook!.payloads.length;
  const cutAt = Date.now();
  lab!.cutPath("server", "node-3");
  t.after(() => lab!.restorePath("server", "node-3"));

  const unreachable = await waitFor(async () => (await eventsAfter(mark, ["node.unreachable"])).find((e) => e.node === "node-3"), 20_000, "node.unreachable for node-3");
  console.log(`server↔node-3 path cut → node.unreachable in ${unreachable.ts - cutAt} ms: ${unreachable.data.reason}`);
  assert.match(String(unreachable.data.reason), /node-[12]/, "the verdict names the peers that still reach it");
  await waitFor(() => webhookSeen(hooksBefore, "firing", "NodeUnreachable", "node-3"), 10_000, "the NodeUnreachable webhook for node-3");

  // Through one recheck round (its peers asked again): still unreachable, never down.
  await new Promise((r) => setTimeout(r, defaults.unreachableRecheckMs + 1500));
  assert.equal((await nodeStates())["node-3"], "unreachable");
  assert.deepEqual(await eventsAfter(mark, ["node.down"]), [], "nobody is declared down");
  assert.deepEqual(await eventsAfter(mark, RECOVERY_KINDS), [], "no incident and no recovery action for node-3's service");
  assert.ok(!webhookSeen(hooksBefore, "firing", "NodeDown"), "no NodeDown notification");

  lab!.restorePath("server", "node-3");
  await waitAllAlive("node-3 alive again after the path is back");
  await waitFor(() => webhookSeen(hooksBefore, "resolved", "NodeUnreachable", "node-3"), 15_000, "NodeUnreachable resolved");
  assert.deepEqual(await eventsAfter(mark, RECOVERY_KINDS), [], "still no recovery action after the path came back");
  const others = (await eventsAfter(mark, ["node.down", "node.unreachable"])).filter((e) => e.node !== "node-3");
  assert.deepEqual(others, [], "no verdict on node-1 or node-2");
});

test("the server's own cable pulled: ControlPlaneIsolated and a freeze, nothing down or repaired; freeze off once the nodes are back", { skip: gate.skip }, async (t) => {
  await waitAllAlive("all nodes alive before the cut");
  const mark = await latestEventId();
  const hooksBefore = hook!.payloads.length;
  const cutAt = Date.now();
  lab!.cutLink("server");
  t.after(() => lab!.restoreLink("server"));

  const [freezeOn] = await waitFor(async () => {
    const events = await eventsAfter(mark, ["freeze.on"]);
    return events.length > 0 ? events : null;
  }, 20_000, "freeze.on");
  console.log(`server cable cut → freeze.on in ${freezeOn!.ts - cutAt} ms: ${freezeOn!.data.reason}`);
  await waitFor(() => webhookSeen(hooksBefore, "firing", "ControlPlaneIsolated"), 10_000, "the ControlPlaneIsolated webhook");
  // Every node's suspicion runs out while frozen: held back as unreachable, not dead.
  await waitFor(async () => {
    const states = await nodeStates();
    return NODES.every((n) => states[n] === "unreachable");
  }, 20_000, "all nodes held back as unreachable");
  const status = await get("/api/v1/status");
  assert.equal(status.freeze.frozen, true);
  assert.deepEqual(await eventsAfter(mark, ["node.down"]), [], "nobody is declared down while the control plane is cut off");
  assert.deepEqual(await eventsAfter(mark, RECOVERY_KINDS), [], "no incident and no recovery action while frozen");

  const restoredAt = Date.now();
  lab!.restoreLink("server");
  await waitAllAlive("all nodes alive after the server's cable is back");
  console.log(`server cable back → all nodes alive after ${Date.now() - restoredAt} ms`);
  const [freezeOff] = await waitFor(async () => {
    const events = await eventsAfter(mark, ["freeze.off"]);
    return events.length > 0 ? events : null;
  }, defaults.isolationStableMs + 30_000, "freeze.off");
  const ups = await eventsAfter(mark, ["node.up"]);
  assert.ok(ups.length > 0, "node.up events after the cable is back");
  const firstUp = Math.min(...ups.map((e) => e.ts));
  console.log(`freeze.off ${freezeOff!.ts - firstUp} ms after the first node was back: ${freezeOff!.data.reason}`);
  assert.ok(freezeOff!.ts - firstUp >= defaults.isolationStableMs, `the freeze lasts until the nodes have been back for ${defaults.isolationStableMs} ms`);
  await waitFor(() => webhookSeen(hooksBefore, "resolved", "ControlPlaneIsolated"), 15_000, "ControlPlaneIsolated resolved");
  assert.deepEqual(await eventsAfter(mark, ["node.down"]), [], "nobody was declared down");
  assert.deepEqual(await eventsAfter(mark, RECOVERY_KINDS), [], "zero recovery actions over the whole cut");
});
