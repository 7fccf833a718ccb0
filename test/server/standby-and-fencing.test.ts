// The mechanics of failover, in process but over real websockets: a real server and two
// real agents, the primary (node-a) and the standby (node-b) of a service. The standby is
// told about the service but keeps it stopped; the hub's updateServices fences the primary
// without a reconnect; actions start and promote the standby and run a declared command;
// snapshot events are journalled. (The decision to fail over is the orchestrator's.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Agent } from "../../src/agent/agent.js";
import { parseConfig } from "../../src/config/load.js";
import { servicesFor, startServer, toAgentService } from "../../src/server/server.js";
import { silentLogger } from "../../src/util/logger.js";
import { tempDir, waitFor } from "../agent/process-helpers.js";

test("a standby waits for a start; updateServices fences the primary; the standby is started, promoted and runs declared commands", async (t) => {
  const dir = tempDir("failover-mechanics");
  const work = join(dir.path, "work");
  mkdirSync(join(work, "data"), { recursive: true });
  writeFileSync(join(work, "data", "rows"), "42");
  const config = parseConfig(
    [
      "services:",
      "  - name: db",
      "    node: node-a",
      `    run: { command: "sleep 300", cwd: ${JSON.stringify(work)} }`,
      "    standby: [node-b]",
      `    promote: "sh -c 'echo primary > role'"`,
      `    snapshot: { path: ${JSON.stringify(join(work, "data"))}, every: 1h }`,
      "    commands: { hello: \"echo hi\" }",
      "    recovery: none",
      "  - name: web",
      "    node: node-a",
      "    run: { command: \"sleep 300\" }",
      "    recovery: none",
    ].join("\n"),
    { env: {} },
  );
  const configured = new Map(config.services.map((s) => [s.name, s.node!]));
  const nodeOf = { nodeOf: (service: string) => configured.get(service) };
  assert.deepEqual(
    servicesFor(config, nodeOf, "node-b").map((s) => [s.name, s.standby]),
    [["db", true]],
  );
  assert.deepEqual(
    servicesFor(config, nodeOf, "node-a").map((s) => [s.name, s.standby]),
    [["db", undefined], ["web", undefined]],
  );
  assert.deepEqual(toAgentService(config.services[0]!).commands, { hello: "echo hi" });
  assert.equal(toAgentService(config.services[0]!).promote, "sh -c 'echo primary > role'");

  const server = await startServer({ config, listen: "127.0.0.1:0", dataDir: join(dir.path, "server"), logger: silentLogger() });
  const agent = (node: string) =>
    new Agent({ server: server.url, node, dataDir: join(dir.path, node), logger: silentLogger(), probeListen: "127.0.0.1:0" });
  const a = agent("node-a");
  const b = agent("node-b");
  t.after(async () => {
    await a.stop();
    await b.stop();
    await server.close();
    dir.remove();
  });
  await a.start();
  await b.start();

  const events = async (kind: string, node: string) => server.storage.listEvents({ kinds: [kind], node, service: "db" });
  await waitFor(async () => (await events("process.started", "node-a")).length === 1, 15_000, "db started on node-a");
  await waitFor(async () => (await events("snapshot.taken", "node-a")).length === 1, 15_000, "node-a's snapshot journalled");
  await waitFor(() => server.hub.connectedNodes().includes("node-b"), 15_000, "node-b connected");
  // Give node-b every chance to (wrongly) start its standby copy.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await events("process.started", "node-b")).length, 0, "the standby is not started");
  assert.equal((await events("snapshot.taken", "node-b")).length, 0, "an idle standby takes no snapshots");

  // Fence the primary while it stays connected.
  // As after a failover of db to node-b: fenced on node-a.
  const afterFailover = { nodeOf: (s: string) => (s === "db" ? "node-b" : configured.get(s)), isFenced: (s: string, n: string) => s === "db" && n === "node-a" };
  const fenced = servicesFor(config, afterFailover, "node-a");
  assert.deepEqual(fenced.map((s) => [s.name, s.fenced]), [["db", true], ["web", undefined]]);
  assert.equal(server.hub.updateServices("node-a", fenced), true);
  assert.equal(server.hub.updateServices("node-z", fenced), false, "not connected");
  await waitFor(async () => (await events("process.exited", "node-a")).length === 1, 15_000, "db stopped on node-a");
  assert.equal((await events("process.exited", "node-a"))[0]!.data.expected, true);
  assert.equal((await server.storage.listEvents({ kinds: ["process.exited"], service: "web" })).length, 0, "web untouched");
  const refused = await server.hub.sendAction("node-a", "db", "start", "test");
  assert.equal(refused.ok, false);
  assert.match(refused.error!, /fenced on this node/);

  // Fail over: start on the standby, promote it, run a declared command there.
  const start = await server.hub.sendAction("node-b", "db", "start", "failover");
  assert.equal(start.ok, true, start.error);
  const promote = await server.hub.sendAction("node-b", "db", "promote", "failover");
  assert.equal(promote.ok, true, promote.error);
  assert.equal(readFileSync(join(work, "role"), "utf8"), "primary\n", "run in run.cwd");
  const hello = await server.hub.sendAction("node-b", "db", "exec", "test", { command: "hello" });
  assert.equal(hello.ok, true, hello.error);
  assert.equal(hello.data?.output, "hi\n");
  const undeclared = await server.hub.sendAction("node-b", "db", "exec", "test", { command: "drop-tables" });
  assert.equal(undeclared.ok, false);
  assert.match(undeclared.error!, /refused: command "drop-tables" is not declared for service "db" \(declared: hello\)/);
  await waitFor(async () => (await events("action.refused", "node-b")).length === 1, 15_000, "the refusal journalled");
  assert.equal((await events("action.refused", "node-b"))[0]!.data.command, "drop-tables");
  // Active now, the standby snapshots the data directory too.
  await waitFor(async () => (await events("snapshot.taken", "node-b")).length === 1, 15_000, "node-b's snapshot journalled");
  assert.ok(existsSync(join(dir.path, "node-b", "snapshots", "db")));
});
