import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type net from "node:net";
import { HttpProbe } from "../../../src/agent/probes/http.js";
import { freePort, killQuietly, spawnHttpServer, waitFor, waitForExit } from "../process-helpers.js";

/** An in-process server; `handler` decides each response. */
async function withServer(
  handler: http.RequestListener,
  body: (base: string, server: http.Server) => Promise<void>,
): Promise<void> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    await body(`http://127.0.0.1:${port}`, server);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const connections = (server: http.Server): Promise<number> =>
  new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));

test("2xx is healthy and 500 is not; the detail names the status", async () => {
  await withServer(
    (req, res) => {
      res.statusCode = req.url === "/broken" ? 500 : 200;
      res.end("hello");
    },
    async (base) => {
      const ok = await new HttpProbe(`${base}/healthz`).check(1000);
      assert.equal(ok.ok, true);
      assert.equal(ok.detail, "HTTP 200");
      assert.ok(ok.latencyMs >= 0 && ok.latencyMs < 1000);
      const broken = await new HttpProbe(`${base}/broken`).check(1000);
      assert.equal(broken.ok, false);
      assert.equal(broken.detail, "HTTP 500");
    },
  );
});

test("a redirect counts as healthy and is not followed", async () => {
  await withServer(
    (req, res) => {
      if (req.url === "/moved") {
        res.writeHead(302, { location: "/broken" });
        res.end();
      } else {
        res.statusCode = 500;
        res.end();
      }
    },
    async (base) => {
      const result = await new HttpProbe(`${base}/moved`).check(1000);
      assert.deepEqual([result.ok, result.detail], [true, "HTTP 302"]);
    },
  );
});

test("expectBody requires the substring within the first 64 KiB", async () => {
  await withServer(
    (req, res) => {
      if (req.url === "/status") res.end('{"db":"up","cache":"up"}');
      else if (req.url === "/late") res.end("x".repeat(70 * 1024) + "READY");
      else {
        // A body that never ends: the probe must decide as soon as the substring shows up.
        res.write("booting... READY\n");
      }
    },
    async (base, server) => {
      const found = await new HttpProbe(`${base}/status`, '"db":"up"').check(1000);
      assert.deepEqual([found.ok, found.detail], [true, 'HTTP 200, body contains "\\"db\\":\\"up\\""']);
      const missing = await new HttpProbe(`${base}/status`, '"db":"down"').check(1000);
      assert.equal(missing.ok, false);
      assert.match(missing.detail, /^HTTP 200, body does not contain/);
      const beyondLimit = await new HttpProbe(`${base}/late`, "READY").check(1000);
      assert.equal(beyondLimit.ok, false);
      const streaming = await new HttpProbe(`${base}/stream`, "READY").check(2000);
      assert.equal(streaming.ok, true);
      assert.ok(streaming.latencyMs < 1500, `decided after ${streaming.latencyMs}ms`);
      await waitFor(async () => (await connections(server)) === 0, 2000, "the probe to close its connection");
    },
  );
});

test("a server that accepts but never answers times out on time and leaks no socket", async () => {
  await withServer(
    () => {
      // never respond
    },
    async (base, server) => {
      const started = Date.now();
      const result = await new HttpProbe(`${base}/healthz`).check(300);
      const took = Date.now() - started;
      assert.equal(result.ok, false);
      assert.equal(result.detail, "timed out after 300ms");
      assert.ok(took >= 290 && took < 1000, `took ${took}ms`);
      await waitFor(async () => (await connections(server)) === 0, 2000, "the timed-out connection to be closed");
    },
  );
});

test("a SIGSTOPped server process times out, and answers again after SIGCONT", async () => {
  const port = await freePort();
  const server = await spawnHttpServer(port);
  try {
    const probe = new HttpProbe(`http://127.0.0.1:${port}/`);
    assert.equal((await probe.check(1000)).ok, true);
    process.kill(server.pid!, "SIGSTOP");
    const stopped = await probe.check(300);
    assert.deepEqual([stopped.ok, stopped.detail], [false, "timed out after 300ms"]);
    process.kill(server.pid!, "SIGCONT");
    assert.equal((await probe.check(2000)).ok, true);
  } finally {
    killQuietly(server.pid, "SIGCONT");
    killQuietly(server.pid);
    await waitForExit(server);
  }
});

test("after the server is killed and a new one listens on the same port, the next probe passes", async () => {
  const port = await freePort();
  const probe = new HttpProbe(`http://127.0.0.1:${port}/`);
  const first = await spawnHttpServer(port);
  let second: Awaited<ReturnType<typeof spawnHttpServer>> | undefined;
  try {
    for (let i = 0; i < 3; i++) assert.equal((await probe.check(1000)).ok, true);
    first.kill("SIGKILL");
    await waitForExit(first);
    const down = await probe.check(1000);
    assert.equal(down.ok, false);
    assert.match(down.detail, /ECONNREFUSED/);
    second = await spawnHttpServer(port);
    const next = await probe.check(1000);
    assert.deepEqual([next.ok, next.detail], [true, "HTTP 200"]);
  } finally {
    killQuietly(first.pid);
    killQuietly(second?.pid);
    await waitForExit(first);
    if (second) await waitForExit(second);
  }
});

test("refused connections and bad URLs are failures, never exceptions", async () => {
  const port = await freePort();
  const refused = await new HttpProbe(`http://127.0.0.1:${port}/`).check(1000);
  assert.equal(refused.ok, false);
  assert.equal(refused.detail, `connect ECONNREFUSED 127.0.0.1:${port}`);
  const invalid = await new HttpProbe("not a url").check(1000);
  assert.deepEqual([invalid.ok, invalid.detail], [false, 'invalid URL "not a url"']);
  const ftp = await new HttpProbe("ftp://127.0.0.1/").check(1000);
  assert.equal(ftp.ok, false);
  assert.match(ftp.detail, /unsupported protocol "ftp:"/);
});
