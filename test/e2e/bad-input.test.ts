// Bad input never crashes anything: a broken config gets readable, positioned errors from
// `vigil validate`, and a malformed agent message gets an error reply while the server
// keeps serving.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { CLI, REPO_ROOT, api, freePort, startServer, tempDir, writeConfig, type VigilProcess } from "./harness.js";

let dir: ReturnType<typeof tempDir>;
let server: VigilProcess & { url: string };

before(async () => {
  dir = tempDir();
  const config = writeConfig(dir.path, "services: []\n");
  server = await startServer({ configFile: config, dataDir: join(dir.path, "data"), port: await freePort() });
});

after(async () => {
  await server?.stop();
  dir?.remove();
});

test("vigil validate accepts the DESIGN.md example and lists every problem of a broken config with line and column", () => {
  const ok = spawnSync(process.execPath, [CLI, "validate", join(REPO_ROOT, "test/fixtures/design-example.yaml")], { encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /valid \(2 services, 1 playbooks, 1 rules, 1 receivers\)/);

  const broken = join(dir.path, "broken.yaml");
  writeFileSync(
    broken,
    [
      "services:",
      "  - name: api",
      "    health: { http: \"http://127.0.0.1:8081/\", interval: 5x }",
      "    dependsOn: [db]",
      "    recovery: nope",
      "rules:",
      "  - { name: HighCpu, metric: node_cpu_usage_ratio, abov: 0.9 }",
      "",
    ].join("\n"),
  );
  const bad = spawnSync(process.execPath, [CLI, "validate", broken], { encoding: "utf8" });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /broken\.yaml:3:\d+: services\[0\]\.health\.interval: expected a duration such as "1s"/);
  assert.match(bad.stderr, /broken\.yaml:4:\d+: services\[0\]\.dependsOn\[0\]: .*"db"/);
  assert.match(bad.stderr, /broken\.yaml:5:\d+: services\[0\]\.recovery: .*"nope"/);
  assert.match(bad.stderr, /broken\.yaml:7:\d+: rules\[0\]: unknown key "abov"/);
});

test("a malformed agent message gets an error reply and the server keeps serving", async () => {
  const ws = new WebSocket(`${server.url.replace("http", "ws")}/api/v1/agent/ws`);
  await new Promise((r, j) => ws.once("open", r).once("error", j));
  const replies: Array<{ type: string; error?: string }> = [];
  ws.on("message", (d) => replies.push(JSON.parse(d.toString())));
  const reply = () => new Promise((r) => ws.once("message", r));

  ws.send("this is not json");
  await reply();
  ws.send(JSON.stringify({ type: "samples", v: 1, seq: 1, samples: [{ name: "x", labels: {}, ts: -5, value: "high" }] }));
  await reply();
  ws.send(JSON.stringify({ type: "launch-missiles", v: 1 }));
  await reply();
  assert.equal(replies.length, 3);
  for (const r of replies) assert.equal(r.type, "error");
  assert.match(replies[0]!.error!, /not JSON/);
  assert.match(replies[1]!.error!, /samples\.0\.(ts|value)/);
  assert.match(replies[2]!.error!, /type/);

  // A well-formed agent on the same socket is still welcomed.
  ws.send(JSON.stringify({ type: "hello", v: 1, node: "probe-node", agentVersion: "test", outboxId: "x", pid: 1, ts: Date.now(), services: [] }));
  const welcome = (await reply()) as Buffer;
  assert.equal(JSON.parse(welcome.toString()).type, "welcome");
  ws.close();

  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /vigil_agent_messages_total\{type="invalid"\} 3/);
  const nodes = (await api(server.url, "/api/v1/nodes")).nodes;
  assert.ok(nodes.some((n: { name: string }) => n.name === "probe-node"));
});
