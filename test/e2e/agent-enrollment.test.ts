// Agent enrollment end to end, with real processes, over TLS: a one-time token bought a
// credential kept 0600, a spent token refused, a revoked agent cut off and shut out; and
// plain text beyond loopback refused by server and agent. (Certificates: tls-agents.test.ts.)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { CLI, freePort, runCli, tempDir, waitFor, writeConfig, type VigilProcess } from "./harness.js";

let dir: ReturnType<typeof tempDir>;
let server: VigilProcess;
let base: string;
let ca: Buffer;
const agents: VigilProcess[] = [];

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, VIGIL_LOG_LEVEL: "warn" }, timeout: 60_000 });
}

/** GET over HTTPS, verifying the server with the cluster CA. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function get(path: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { ca }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`GET ${path}: ${res.statusCode} ${body}`))));
    });
    req.on("error", reject);
    req.end();
  });
}

async function nodeState(node: string): Promise<{ state: string; connected: boolean } | undefined> {
  return (await get("/api/v1/nodes")).nodes.find((n: { name: string }) => n.name === node);
}

function agent(node: string, extra: string[]): VigilProcess {
  const p = runCli(["agent", "--server", base, "--node", node, "--data", join(dir.path, `agent-${node}-${agents.length}`), "--probe-listen", "127.0.0.1:0", ...extra]);
  agents.push(p);
  return p;
}

before(async () => {
  dir = tempDir("vigil-e2e-tls-");
  const certs = join(dir.path, "certs");
  const made = cli(["certs", "init", "--dir", certs]);
  assert.equal(made.status, 0, made.stderr);
  ca = readFileSync(join(certs, "ca.crt"));
  const port = await freePort();
  base = `https://127.0.0.1:${port}`;
  const configFile = writeConfig(
    dir.path,
    `server:
  agentAuth: required
  tls: { cert: certs/server.crt, key: certs/server.key, ca: certs/ca.crt, clientCerts: optional }
`,
  );
  server = runCli(["server", "--config", configFile, "--data", join(dir.path, "server"), "--listen", `127.0.0.1:${port}`]);
  await waitFor(async () => {
    if (server.proc.exitCode !== null) throw new Error(`vigil server exited: ${server.output()}`);
    return (await get("/healthz")).status === "ok";
  }, 30_000, "the HTTPS server to listen");
});

after(async () => {
  for (const a of agents) await a.stop();
  await server?.stop();
  dir?.remove();
});

test("an enrollment token works once; the credential it bought is kept 0600; revoking the agent shuts it out", async () => {
  const made = cli(["token", "create", "--agent", "node-b", "--data", join(dir.path, "server")]);
  assert.equal(made.status, 0, made.stderr);
  const token = made.stdout.trim();
  assert.match(token, /^vigil-enroll-/);
  const ca = join(dir.path, "certs", "ca.crt");
  const b = agent("node-b", ["--ca", ca, "--enroll-token", token]);
  await waitFor(async () => (await nodeState("node-b"))?.connected, 30_000, `node-b enrolled and connected; agent output:\n${b.output()}`);
  const credentialFile = join(dir.path, `agent-node-b-${agents.length - 1}`, "credential");
  await waitFor(() => statSync(credentialFile, { throwIfNoEntry: false }), 10_000, "the credential file");
  assert.equal(statSync(credentialFile).mode & 0o777, 0o600);
  assert.match(readFileSync(credentialFile, "utf8"), /^vigil-agent-/);

  const replay = agent("node-b", ["--ca", ca, "--enroll-token", token]);
  await waitFor(() => /used already/.test(replay.output()), 30_000, "the spent token refused");
  await replay.stop();

  const revoked = cli(["agents", "revoke", "node-b", "--data", join(dir.path, "server")]);
  assert.equal(revoked.status, 0, revoked.stderr);
  // Cut off by the server (close 4403), then refused at every reconnect (403).
  await waitFor(() => /"code":4403,"reason":"agent node-b was revoked"/.test(b.output()), 30_000, "node-b's connection closed as revoked");
  await waitFor(() => /"status":403,"reason":"the credential of agent node-b was revoked/.test(b.output()), 30_000, "node-b refused as revoked when it reconnects");
  await waitFor(async () => (await nodeState("node-b"))?.connected === false, 30_000, "node-b disconnected");
  const list = JSON.parse(cli(["agents", "list", "--json", "--data", join(dir.path, "server")]).stdout);
  assert.ok(list.agents.find((x: { node: string; revokedAt: number | null }) => x.node === "node-b" && x.revokedAt !== null));
  await b.stop();
});

test("plain text beyond loopback is refused by the server and by the agent unless --insecure", async () => {
  const plainDir = join(dir.path, "plain");
  mkdirSync(plainDir);
  const plainConfig = writeConfig(plainDir, "{}\n");
  const s = cli(["server", "--config", plainConfig, "--data", join(plainDir, "data"), "--listen", `0.0.0.0:${await freePort()}`]);
  assert.notEqual(s.status, 0);
  assert.match(s.stderr, /refusing to serve plain HTTP on 0\.0\.0\.0:\d+.*--insecure/s);
  const a = cli(["agent", "--server", "http://192.0.2.10:7070", "--node", "n", "--data", join(dir.path, "plain-agent")]);
  assert.notEqual(a.status, 0);
  assert.match(a.stderr, /refusing to connect to http:\/\/192\.0\.2\.10:7070 in plain text.*--insecure/s);
});
