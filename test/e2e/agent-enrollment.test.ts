// Agent enrollment end to end, with real processes, over TLS: a one-time token bought a
// credential kept 0600, a spent token refused, a revoked agent cut off and shut out; and
// plain text beyond loopback refused by server and agent. (Certificates: tls-agents.test.ts.)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { freePort, waitFor, writeConfig } from "./harness.js";
import { startTlsCluster, type TlsCluster } from "./tls-cluster.js";

let lab: TlsCluster;

before(async () => {
  lab = await startTlsCluster({ prefix: "vigil-e2e-tls-" });
});

after(() => lab?.stop());

test("an enrollment token works once; the credential it bought is kept 0600; revoking the agent shuts it out", async () => {
  const made = lab.cli(["token", "create", "--agent", "node-b", "--data", join(lab.dir.path, "server")]);
  assert.equal(made.status, 0, made.stderr);
  const token = made.stdout.trim();
  assert.match(token, /^vigil-enroll-/);
  const ca = join(lab.dir.path, "certs", "ca.crt");
  const b = lab.agent("node-b", ["--ca", ca, "--enroll-token", token]);
  await waitFor(async () => (await lab.nodeState("node-b"))?.connected, 30_000, `node-b enrolled and connected; agent output:\n${b.output()}`);
  const credentialFile = join(b.dataDir, "credential");
  await waitFor(() => statSync(credentialFile, { throwIfNoEntry: false }), 10_000, "the credential file");
  assert.equal(statSync(credentialFile).mode & 0o777, 0o600);
  assert.match(readFileSync(credentialFile, "utf8"), /^vigil-agent-/);

  const replay = lab.agent("node-b", ["--ca", ca, "--enroll-token", token]);
  await waitFor(() => /used already/.test(replay.output()), 30_000, "the spent token refused");
  await replay.stop();

  const revoked = lab.cli(["agents", "revoke", "node-b", "--data", join(lab.dir.path, "server")]);
  assert.equal(revoked.status, 0, revoked.stderr);
  // Cut off by the server (close 4403), then refused at every reconnect (403).
  await waitFor(() => /"code":4403,"reason":"agent node-b was revoked"/.test(b.output()), 30_000, "node-b's connection closed as revoked");
  await waitFor(() => /"status":403,"reason":"the credential of agent node-b was revoked/.test(b.output()), 30_000, "node-b refused as revoked when it reconnects");
  await waitFor(async () => (await lab.nodeState("node-b"))?.connected === false, 30_000, "node-b disconnected");
  const list = JSON.parse(lab.cli(["agents", "list", "--json", "--data", join(lab.dir.path, "server")]).stdout);
  assert.ok(list.agents.find((x: { node: string; revokedAt: number | null }) => x.node === "node-b" && x.revokedAt !== null));
  await b.stop();
});

test("plain text beyond loopback is refused by the server and by the agent unless --insecure", async () => {
  const plainDir = join(lab.dir.path, "plain");
  mkdirSync(plainDir);
  const plainConfig = writeConfig(plainDir, "{}\n");
  const s = lab.cli(["server", "--config", plainConfig, "--data", join(plainDir, "data"), "--listen", `0.0.0.0:${await freePort()}`]);
  assert.notEqual(s.status, 0);
  assert.match(s.stderr, /refusing to serve plain HTTP on 0\.0\.0\.0:\d+.*--insecure/s);
  const a = lab.cli(["agent", "--server", "http://192.0.2.10:7070", "--node", "n", "--data", join(lab.dir.path, "plain-agent")]);
  assert.notEqual(a.status, 0);
  assert.match(a.stderr, /refusing to connect to http:\/\/192\.0\.2\.10:7070 in plain text.*--insecure/s);
});

test("token create --agent makes an enrollment token and refuses an API token's --role", () => {
  const r = lab.cli(["token", "create", "--agent", "node-x", "--role", "admin", "--data", join(lab.dir.path, "server")]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--agent makes an enrollment token, which has no --role or --name/);
  assert.equal(r.stdout, "");
});
