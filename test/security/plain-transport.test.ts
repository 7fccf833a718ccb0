// Plain text only on loopback, never by accident: the server's listen address and the
// agent's server URL.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isLoopbackHost, plainListenRefusal, plainServerUrlRefusal } from "../../src/security/plain-transport.js";

test("loopback addresses", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"]) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ["0.0.0.0", "::", "10.0.0.1", "example.com", "128.0.0.1", "localhost.example.com"]) assert.equal(isLoopbackHost(h), false, h);
});

test("the server serves plain HTTP beyond loopback only with --insecure; TLS is always fine", () => {
  const refusal = plainListenRefusal("0.0.0.0:7070", "0.0.0.0", { tls: false, insecure: false });
  assert.match(refusal!, /refusing to serve plain HTTP on 0\.0\.0\.0:7070/);
  assert.match(refusal!, /server\.tls.*vigil certs init.*--insecure/);
  assert.equal(plainListenRefusal("0.0.0.0:7070", "0.0.0.0", { tls: true, insecure: false }), null);
  assert.equal(plainListenRefusal("0.0.0.0:7070", "0.0.0.0", { tls: false, insecure: true }), null);
  assert.equal(plainListenRefusal("127.0.0.1:7070", "127.0.0.1", { tls: false, insecure: false }), null);
});

test("an agent connects in plain text beyond loopback only with --insecure", () => {
  assert.match(plainServerUrlRefusal("http://10.0.0.5:7070", false)!, /refusing to connect to http:\/\/10\.0\.0\.5:7070 in plain text/);
  assert.match(plainServerUrlRefusal("ws://vigil.example:7070/api/v1/agent/ws", false)!, /--insecure/);
  assert.equal(plainServerUrlRefusal("http://10.0.0.5:7070", true), null);
  assert.equal(plainServerUrlRefusal("https://10.0.0.5:7070", false), null);
  assert.equal(plainServerUrlRefusal("http://127.0.0.1:7070", false), null);
});
