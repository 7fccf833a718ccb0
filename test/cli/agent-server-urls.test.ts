// `vigil agent` with several server replicas: --server repeated and comma-separated (and
// $VIGIL_SERVER comma-separated), every URL checked before anything starts, and the built
// CLI as a real process skipping dead URLs until a (fake) server welcomes it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";
import { agentServerUrls } from "../../src/cli/options.js";
import { PROTOCOL_VERSION } from "../../src/protocol/messages.js";

const CLI = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "dist/src/cli/main.js");

/** A port that was free a moment ago: nothing listens there. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test("--server is repeatable and each may list several URLs; else $VIGIL_SERVER; else the default", () => {
  assert.deepEqual(agentServerUrls({ server: ["https://a:7070, https://b:7070/", "https://c:7070"] }, "https://env:7070"), [
    "https://a:7070",
    "https://b:7070",
    "https://c:7070",
  ]);
  assert.deepEqual(agentServerUrls({}, "https://a:7070,https://b:7070"), ["https://a:7070", "https://b:7070"]);
  assert.deepEqual(agentServerUrls({ server: [] }, undefined), ["http://127.0.0.1:7070"]);
  assert.deepEqual(agentServerUrls({}, "  "), ["http://127.0.0.1:7070"]);
  assert.throws(() => agentServerUrls({ server: ["https://a:7070,,https://b:7070"] }), /^Error: --server: an empty server URL in "https:\/\/a:7070,,https:\/\/b:7070"/);
  assert.throws(() => agentServerUrls({}, "https://a:7070,"), /^Error: \$VIGIL_SERVER: an empty server URL in "https:\/\/a:7070,"/);
});

test("a plain-text URL beyond loopback anywhere in the list stops the agent before it starts, naming it", () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-agent-urls-"));
  try {
    const data = join(dir, "agent");
    const r = spawnSync(process.execPath, [CLI, "agent", "--server", "http://127.0.0.1:7070,http://192.0.2.10:7070", "--node", "n", "--data", data], {
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^vigil: server URL 2 of 2 \(http:\/\/192\.0\.2\.10:7070\): refusing to connect to http:\/\/192\.0\.2\.10:7070 in plain text.*--insecure/);
    assert.equal(existsSync(data), false, "nothing is created on disk");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the agent process skips dead URLs, repeated and comma-separated, and is welcomed by the live one", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-agent-urls-"));
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  const hellos: string[] = [];
  wss.on("connection", (socket) =>
    socket.on("message", (data) => {
      const m = JSON.parse(data.toString()) as { type: string; node: string };
      if (m.type !== "hello") return;
      hellos.push(m.node);
      socket.send(JSON.stringify({ type: "welcome", v: PROTOCOL_VERSION, node: m.node, ackedSeq: 0, services: [], settings: { heartbeatInterval: 500, collectInterval: 60_000 }, serverTime: Date.now() }));
    }),
  );
  const live = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  const dead = [`http://127.0.0.1:${await deadPort()}`, `http://127.0.0.1:${await deadPort()}`];
  const agent = spawn(process.execPath, [CLI, "agent", "--server", dead[0]!, "--server", `${dead[1]},${live}`, "--node", "node-x", "--data", join(dir, "agent"), "--probe-listen", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  agent.stdout.on("data", (d) => (output += d));
  agent.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((r) => agent.once("exit", (code) => r(code)));
  t.after(async () => {
    if (agent.exitCode === null) agent.kill("SIGKILL");
    await exited;
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const deadline = Date.now() + 30_000;
  while (hellos.length === 0) {
    if (Date.now() > deadline || agent.exitCode !== null) assert.fail(`no hello at the live server; agent output:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(hellos, ["node-x"]);
  assert.match(output, new RegExp(`reporting to ${dead[0]}, ${dead[1]}, ${live} `));
  agent.kill("SIGTERM");
  assert.equal(await exited, 0, output);
});
