// TLS end to end, with real processes: `vigil certs init`, a server on HTTPS requiring agent
// authentication, an agent that gets in with its client certificate (mTLS) — and those that
// do not: a certificate of another CA, an agent with no CA to verify the server.
// (Enrollment and revocation: agent-enrollment.test.ts.)
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
  const made = cli(["certs", "init", "--dir", certs, "--agents", "node-a"]);
  assert.equal(made.status, 0, made.stderr);
  const other = cli(["certs", "init", "--dir", join(dir.path, "other-ca"), "--agents", "node-a"]);
  assert.equal(other.status, 0, other.stderr);
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

test("certs init writes the CA, server and agent certificates with private keys readable only by their owner", () => {
  for (const key of ["ca.key", "server.key", "agents/node-a.key"]) assert.equal(statSync(join(dir.path, "certs", key)).mode & 0o777, 0o600, key);
  assert.equal(statSync(join(dir.path, "certs", "agents", "node-a.crt")).mode & 0o777, 0o644);
});

test("an agent with a client certificate of the cluster CA gets in as its node (mTLS)", async () => {
  const certs = join(dir.path, "certs");
  const a = agent("node-a", ["--ca", join(certs, "ca.crt"), "--cert", join(certs, "agents/node-a.crt"), "--key", join(certs, "agents/node-a.key")]);
  await waitFor(async () => (await nodeState("node-a"))?.connected, 30_000, `node-a connected; agent output:\n${a.output()}`);
  await a.stop();
});

test("a certificate signed by another CA is refused, and so is a server the agent cannot verify", async () => {
  const other = join(dir.path, "other-ca");
  const wrong = agent("node-a", ["--ca", join(dir.path, "certs", "ca.crt"), "--cert", join(other, "agents/node-a.crt"), "--key", join(other, "agents/node-a.key")]);
  await waitFor(() => /"reason":"client certificate refused: [A-Z_]+".*"msg":"server refused this agent"/.test(wrong.output()), 30_000, "the refusal in the agent's log");
  const unverified = agent("node-x", []);
  await waitFor(() => /self-signed certificate in certificate chain/.test(unverified.output()), 30_000, "the agent refusing the unverified server");
  await wrong.stop();
  await unverified.stop();
  assert.equal(await nodeState("node-x"), undefined, "never got in");
});
