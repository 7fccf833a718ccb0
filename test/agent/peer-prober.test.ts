import { test } from "node:test";
import assert from "node:assert/strict";
import { probePeer } from "../../src/agent/peer-prober.js";
import { ProbeListener } from "../../src/agent/probe-listener.js";
import { probeAddressOf } from "../../src/server/agent-hub.js";

const request = (address: string, timeoutMs = 500) => ({ type: "indirect-probe" as const, v: 1 as const, requestId: "r1", target: "node-b", address, timeoutMs });

test("a peer's probe listener answers an indirect probe; a closed port does not", async () => {
  const listener = new ProbeListener();
  const address = await listener.listen("127.0.0.1:0");
  assert.match(address, /^127\.0\.0\.1:\d+$/);
  const ok = await probePeer(request(address));
  assert.equal(ok.ok, true);
  assert.equal(ok.requestId, "r1");
  assert.equal(ok.target, "node-b");
  await listener.close();

  const refused = await probePeer(request(address));
  assert.equal(refused.ok, false);
  assert.match(refused.error!, /ECONNREFUSED/);
  const bad = await probePeer(request("nowhere"));
  assert.equal(bad.ok, false);
  assert.match(bad.error!, /invalid address/);
});

test("a listener on every interface is reached at the address its agent connected from", () => {
  assert.equal(probeAddressOf("10.0.0.5:7171", "10.0.0.9"), "10.0.0.5:7171");
  assert.equal(probeAddressOf("0.0.0.0:7171", "::ffff:10.0.0.9"), "10.0.0.9:7171");
  assert.equal(probeAddressOf("[::]:7171", "fd00::9"), "[fd00::9]:7171");
  assert.equal(probeAddressOf("0.0.0.0:7171", null), null);
  assert.equal(probeAddressOf(undefined, "10.0.0.9"), null);
});

test("a bad probe listen address is refused with a clear error", async () => {
  await assert.rejects(new ProbeListener().listen("localhost"), /invalid probe listen address "localhost"/);
});
