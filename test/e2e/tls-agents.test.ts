// TLS end to end, with real processes: `vigil certs init`, a server on HTTPS requiring agent
// authentication, an agent that gets in with its client certificate (mTLS) — and those that
// do not: a certificate of another CA, an agent with no CA to verify the server.
// (Enrollment and revocation: agent-enrollment.test.ts.)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "./harness.js";
import { startTlsCluster, type TlsCluster } from "./tls-cluster.js";

let lab: TlsCluster;

before(async () => {
  lab = await startTlsCluster({ prefix: "vigil-e2e-tls-", certsArgs: ["--agents", "node-a"] });
  const other = lab.cli(["certs", "init", "--dir", join(lab.dir.path, "other-ca"), "--agents", "node-a"]);
  assert.equal(other.status, 0, other.stderr);
});

after(() => lab?.stop());

test("certs init writes the CA, server and agent certificates with private keys readable only by their owner", () => {
  for (const key of ["ca.key", "server.key", "agents/node-a.key"]) assert.equal(statSync(join(lab.dir.path, "certs", key)).mode & 0o777, 0o600, key);
  assert.equal(statSync(join(lab.dir.path, "certs", "agents", "node-a.crt")).mode & 0o777, 0o644);
});

test("an agent with a client certificate of the cluster CA gets in as its node (mTLS)", async () => {
  const certs = join(lab.dir.path, "certs");
  const a = lab.agent("node-a", ["--ca", join(certs, "ca.crt"), "--cert", join(certs, "agents/node-a.crt"), "--key", join(certs, "agents/node-a.key")]);
  await waitFor(async () => (await lab.nodeState("node-a"))?.connected, 30_000, `node-a connected; agent output:\n${a.output()}`);
  await a.stop();
});

test("a certificate signed by another CA is refused, and so is a server the agent cannot verify", async () => {
  const other = join(lab.dir.path, "other-ca");
  const wrong = lab.agent("node-a", ["--ca", join(lab.dir.path, "certs", "ca.crt"), "--cert", join(other, "agents/node-a.crt"), "--key", join(other, "agents/node-a.key")]);
  await waitFor(() => /"reason":"client certificate refused: [A-Z_]+".*"msg":"server refused this agent"/.test(wrong.output()), 30_000, "the refusal in the agent's log");
  const unverified = lab.agent("node-x", []);
  await waitFor(() => /self-signed certificate in certificate chain/.test(unverified.output()), 30_000, "the agent refusing the unverified server");
  await wrong.stop();
  await unverified.stop();
  assert.equal(await lab.nodeState("node-x"), undefined, "never got in");
});
