import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { parseHostPort, TcpProbe } from "../../../src/agent/probes/tcp.js";
import { freePort } from "../process-helpers.js";

async function listen(host: string): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((socket) => socket.on("error", () => {}));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  return { server, port: (server.address() as net.AddressInfo).port };
}

test("a listening port is healthy", async () => {
  const { server, port } = await listen("127.0.0.1");
  try {
    const result = await new TcpProbe(`127.0.0.1:${port}`).check(1000);
    assert.deepEqual([result.ok, result.detail], [true, `connected to 127.0.0.1:${port}`]);
  } finally {
    server.close();
  }
});

test("an IPv6 address in brackets works", async (t) => {
  let listening: { server: net.Server; port: number };
  try {
    listening = await listen("::1");
  } catch {
    t.skip("no IPv6 loopback on this machine");
    return;
  }
  try {
    const result = await new TcpProbe(`[::1]:${listening.port}`).check(1000);
    assert.equal(result.ok, true);
  } finally {
    listening.server.close();
  }
});

test("a closed port is refused, with the error as detail", async () => {
  const port = await freePort();
  const result = await new TcpProbe(`127.0.0.1:${port}`).check(1000);
  assert.deepEqual([result.ok, result.detail], [false, `connect ECONNREFUSED 127.0.0.1:${port}`]);
});

test("addresses are parsed as HOST:PORT or [V6]:PORT; anything else fails the check", async () => {
  assert.deepEqual(parseHostPort("127.0.0.1:8082"), { host: "127.0.0.1", port: 8082 });
  assert.deepEqual(parseHostPort("[::1]:80"), { host: "::1", port: 80 });
  assert.deepEqual(parseHostPort("db.internal:5432"), { host: "db.internal", port: 5432 });
  for (const bad of ["8082", "::1:80", "host:0", "host:70000", "host:"]) assert.equal(parseHostPort(bad), null, bad);
  const result = await new TcpProbe("localhost").check(1000);
  assert.deepEqual([result.ok, result.detail], [false, 'invalid address "localhost": expected HOST:PORT']);
});
