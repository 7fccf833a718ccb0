// When credentials are needed and when the server refuses to start (pure).
import { test } from "node:test";
import assert from "node:assert/strict";
import { authEnabled, isLoopbackHost, listenRefusal } from "../../../src/server/auth/auth-policy.js";

test("loopback addresses are told from those others can reach", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"]) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ["0.0.0.0", "::", "10.0.0.5", "192.168.1.1", "example.com", "128.0.0.1"]) assert.equal(isLoopbackHost(h), false, h);
});

test("auto turns auth on once a token exists; required always; off never", () => {
  assert.equal(authEnabled("auto", false), false);
  assert.equal(authEnabled("auto", true), true);
  assert.equal(authEnabled("required", false), true);
  assert.equal(authEnabled("off", true), false);
});

test("a non-loopback listen address without auth is refused with how to fix it", () => {
  const base = { listen: "0.0.0.0:7070", host: "0.0.0.0", dataDir: "/var/lib/vigil" };
  const refusal = listenRefusal({ ...base, mode: "auto", hasTokens: false });
  assert.match(refusal!, /refusing to listen on 0\.0\.0\.0:7070 without authentication/);
  assert.match(refusal!, /vigil token create --role admin --data \/var\/lib\/vigil/);
  assert.equal(listenRefusal({ ...base, mode: "auto", hasTokens: true }), null);
  assert.equal(listenRefusal({ ...base, mode: "required", hasTokens: false }), null);
  assert.match(listenRefusal({ ...base, mode: "off", hasTokens: true })!, /server\.auth\.mode: off/);
  assert.equal(listenRefusal({ ...base, listen: "127.0.0.1:7070", host: "127.0.0.1", mode: "off", hasTokens: false }), null);
});
