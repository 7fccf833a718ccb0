// Agent authentication decisions over a real identity store (SQLite in a temp dir):
// enrollment tokens work once and not after they expire, unknown and revoked credentials are
// refused, a credential or certificate binds the node its hello may name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { authenticateAgent, bearerToken, helloRefusal, type AgentAuthPolicy, type PeerCertificate } from "../../src/security/agent-authenticator.js";
import { AgentIdentityStore } from "../../src/security/agent-identity-store.js";

const required: AgentAuthPolicy = { required: true, clientCerts: "optional" };
const noCert = { bearer: null, certificate: null };

function withStore(fn: (store: AgentIdentityStore) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "vigil-identity-"));
  const store = AgentIdentityStore.open(dir);
  try {
    fn(store);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const cert = (names: string[], authorized = true): PeerCertificate => ({ presented: true, authorized, error: authorized ? null : "unable to verify the first certificate", names });

test("an enrollment token is exchanged once for a credential bound to its node", () =>
  withStore((store) => {
    const { token } = store.createEnrollmentToken("node-a", 1000);
    const first = authenticateAgent(required, { bearer: token, certificate: null }, store, 2000);
    assert.ok(first.ok);
    assert.equal(first.identity.node, "node-a");
    assert.match(first.identity.issuedCredential!, /^vigil-agent-/);
    const again = authenticateAgent(required, { bearer: token, certificate: null }, store, 3000);
    assert.deepEqual(again.ok, false);
    assert.match((again as { error: string }).error, /used already/);
    const withCredential = authenticateAgent(required, { bearer: first.identity.issuedCredential!, certificate: null }, store, 4000);
    assert.ok(withCredential.ok);
    assert.equal(withCredential.identity.node, "node-a");
    assert.equal(withCredential.identity.issuedCredential, undefined);
  }));

test("an expired enrollment token is refused", () =>
  withStore((store) => {
    const { token } = store.createEnrollmentToken("node-a", 1000, 60_000);
    const late = authenticateAgent(required, { bearer: token, certificate: null }, store, 61_000);
    assert.equal(late.ok, false);
    assert.match((late as { error: string }).error, /expired/);
  }));

test("unknown credentials get 401, revoked ones 403 naming the node; re-enrolling lifts the revocation", () =>
  withStore((store) => {
    const unknown = authenticateAgent(required, { bearer: "vigil-agent-nonsense", certificate: null }, store, 0);
    assert.deepEqual([unknown.ok, (unknown as { status: number }).status], [false, 401]);
    const credential = store.issueCredential("node-a", 0);
    assert.equal(store.revoke("node-a", 10), 1);
    const revoked = authenticateAgent(required, { bearer: credential, certificate: null }, store, 20);
    assert.deepEqual([revoked.ok, (revoked as { status: number }).status], [false, 403]);
    assert.match((revoked as { error: string }).error, /node-a was revoked/);
    // A certificate for a revoked node gets in at the upgrade but not past hello.
    const byCert = authenticateAgent(required, { bearer: null, certificate: cert(["node-a"]) }, store, 20);
    assert.ok(byCert.ok);
    assert.match(helloRefusal(byCert.identity, "node-a", store)!, /revoked/);
    const { token } = store.createEnrollmentToken("node-a", 30);
    assert.ok(authenticateAgent(required, { bearer: token, certificate: null }, store, 40).ok);
    assert.equal(store.revokedAt("node-a"), null);
    assert.equal(helloRefusal(byCert.identity, "node-a", store), null);
  }));

test("when authentication is required, a connection with neither credential nor certificate is refused with how to enroll", () =>
  withStore((store) => {
    const d = authenticateAgent(required, noCert, store, 0);
    assert.equal(d.ok, false);
    assert.match((d as { error: string }).error, /vigil token create --agent NODE/);
    assert.ok(authenticateAgent({ required: false, clientCerts: "off" }, noCert, store, 0).ok);
  }));

test("client certificates: require wants one, a bad one is refused, and it must agree with the credential", () =>
  withStore((store) => {
    const requireCerts: AgentAuthPolicy = { required: true, clientCerts: "require" };
    assert.match((authenticateAgent(requireCerts, { bearer: store.issueCredential("node-a", 0), certificate: null }, store, 0) as { error: string }).error, /client certificate .* is required/);
    assert.match((authenticateAgent(required, { bearer: null, certificate: cert(["node-a"], false) }, store, 0) as { error: string }).error, /client certificate refused/);
    const credential = store.issueCredential("node-a", 0);
    const mixed = authenticateAgent(required, { bearer: credential, certificate: cert(["node-b"]) }, store, 0);
    assert.equal((mixed as { status: number }).status, 403);
    // clientCerts off: a certificate is not looked at.
    assert.equal(authenticateAgent({ required: true, clientCerts: "off" }, { bearer: null, certificate: cert(["node-a"]) }, store, 0).ok, false);
  }));

test("a hello may name only the node of the credential or certificate", () =>
  withStore((store) => {
    assert.match(helloRefusal({ node: "node-a", certificateNames: null }, "node-b", store)!, /credential is for node node-a, not node-b/);
    assert.match(helloRefusal({ node: null, certificateNames: ["node-b"] }, "node-a", store)!, /certificate is for node-b, not node-a/);
    assert.equal(helloRefusal({ node: "node-a", certificateNames: ["node-a"] }, "node-a", store), null);
  }));

test("bearer tokens are read from the Authorization header", () => {
  assert.equal(bearerToken("Bearer abc"), "abc");
  assert.equal(bearerToken("bearer  abc "), "abc");
  assert.equal(bearerToken("Basic abc"), null);
  assert.equal(bearerToken(undefined), null);
});
