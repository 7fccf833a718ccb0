// The chaos proxy on real sockets: it passes traffic, drops connections while `drop` is on,
// delays while `latency` is on, and passes again once the fault is reverted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect, type Server } from "node:net";
import { TcpProxy } from "../../src/chaos/proxy/tcp-proxy.js";

async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

/** Sends "ping" through the proxy; resolves with the echo and how long it took, or the error. */
function ping(port: number): Promise<{ ok: true; text: string; ms: number } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, "127.0.0.1", () => socket.write("ping"));
    socket.setTimeout(10_000, () => socket.destroy(new Error("timeout")));
    socket.once("data", (d) => {
      socket.destroy();
      resolve({ ok: true, text: String(d), ms: Date.now() - started });
    });
    socket.once("error", (err) => resolve({ ok: false, error: err.message }));
    socket.once("close", () => resolve({ ok: false, error: "closed" }));
  });
}

test("pass, drop, delay, pass again", async (t) => {
  const upstream = await echoServer();
  const proxy = new TcpProxy({ listen: { host: "127.0.0.1", port: 0 }, upstream: { host: "127.0.0.1", port: upstream.port } });
  await proxy.listen();
  const port = (proxy as unknown as { server: Server }).server.address() as { port: number };
  t.after(async () => {
    await proxy.close();
    upstream.server.close();
  });
  assert.deepEqual(await ping(port.port).then((r) => r.ok && r.text), "ping");

  proxy.setMode({ kind: "drop", ratio: 1 });
  const dropped = await ping(port.port);
  assert.equal(dropped.ok, false);
  assert.equal(proxy.dropped, 1);

  proxy.setMode({ kind: "delay", delayMs: 400, jitterMs: 0 });
  const slow = await ping(port.port);
  assert.ok(slow.ok && slow.ms >= 700, `two delayed chunks (there and back) take at least 800 ms: ${JSON.stringify(slow)}`);

  proxy.setMode({ kind: "pass" });
  const again = await ping(port.port);
  assert.ok(again.ok && again.text === "ping");
  await proxy.close();
  assert.equal((await ping(port.port)).ok, false, "the proxy is gone once closed");
});
