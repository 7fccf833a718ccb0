// A standby replica's address, over real sockets: an agent's hello is answered with a
// redirect to the leader; API requests (with their credentials and bodies) are passed on to
// the leader and its answer streamed back; /healthz and /api/v1/cluster are answered by the
// standby itself; with no leader, agents are told to come back later and the API says 503.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket } from "ws";
import { AGENT_WS_PATH, PROTOCOL_VERSION } from "../../src/protocol/messages.js";
import { startStandbyServer, type LeaderAddress } from "../../src/server/replicas/standby-server.js";
import { openSqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { systemClock } from "../../src/util/clock.js";
import { silentLogger } from "../../src/util/logger.js";

test("a standby redirects agents to the leader and passes the API on to it", async (t) => {
  // The leader: records what reaches it and answers with a status, a cookie and a body.
  const seen: Array<{ method: string; url: string; authorization: string | undefined; body: string }> = [];
  const leaderHttp = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
      res.statusCode = req.method === "POST" ? 201 : 200;
      res.setHeader("content-type", "application/json");
      res.setHeader("set-cookie", ["a=1; Path=/", "b=2; Path=/"]);
      res.end(JSON.stringify({ answeredBy: "leader", url: req.url }));
    });
  });
  await new Promise<void>((resolve) => leaderHttp.listen(0, "127.0.0.1", () => resolve()));
  const leaderUrl = `http://127.0.0.1:${(leaderHttp.address() as AddressInfo).port}`;
  let leader: LeaderAddress | null = { name: "r1", url: leaderUrl, term: 4 };

  const storage = openSqliteStorage(":memory:");
  const standby = await startStandbyServer({
    host: "127.0.0.1",
    port: 0,
    tls: null,
    storage,
    clock: systemClock,
    logger: silentLogger(),
    authMode: "off",
    sessionTtlMs: 60_000,
    leader: () => leader,
    cluster: () => ({ mode: "replicas", self: "r2", leader: leader && { name: leader.name, term: leader.term }, replicas: [] }),
  });
  t.after(async () => {
    await standby.close();
    await storage.close();
    await new Promise<void>((resolve) => leaderHttp.close(() => resolve()));
  });
  const base = `http://127.0.0.1:${standby.port}`;

  // An agent's hello: a redirect to the leader, then the connection closes.
  const hello = JSON.stringify({ type: "hello", v: PROTOCOL_VERSION, node: "node-a", agentVersion: "t", outboxId: "o", pid: 1, ts: 1, services: [] });
  const agentSays = async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${standby.port}${AGENT_WS_PATH}`);
    const messages: unknown[] = [];
    socket.on("message", (raw) => messages.push(JSON.parse(raw.toString())));
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send(hello);
    const [code, reason] = await new Promise<[number, string]>((resolve) => socket.once("close", (c, r) => resolve([c, r.toString()])));
    return { messages, code, reason };
  };
  const redirected = await agentSays();
  assert.deepEqual(redirected.messages, [{ type: "redirect", v: PROTOCOL_VERSION, url: leaderUrl, owner: "r1", reason: "this replica stands by; r1 leads (term 4)" }]);
  assert.equal(redirected.code, 1000);

  // The API: passed on with the credentials and the body; the leader's status, cookies and body come back.
  const got = await fetch(`${base}/api/v1/services?x=1`, { headers: { authorization: "Bearer t0ken" } });
  assert.equal(got.status, 200);
  assert.deepEqual(await got.json(), { answeredBy: "leader", url: "/api/v1/services?x=1" });
  assert.deepEqual(got.headers.getSetCookie(), ["a=1; Path=/", "b=2; Path=/"]);
  const posted = await fetch(`${base}/api/v1/silences`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer t0ken" }, body: '{"matchers":[]}' });
  assert.equal(posted.status, 201);
  assert.deepEqual(seen.map((s) => [s.method, s.url, s.authorization, s.body]), [
    ["GET", "/api/v1/services?x=1", "Bearer t0ken", ""],
    ["POST", "/api/v1/silences", "Bearer t0ken", '{"matchers":[]}'],
  ]);

  // Its own routes.
  assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: "ok", role: "standby", leader: "r1" });
  assert.deepEqual(await (await fetch(`${base}/api/v1/cluster`)).json(), { mode: "replicas", self: "r2", leader: { name: "r1", term: 4 }, replicas: [] });
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /^vigil_replica_leader 0$/m);
  assert.match(metrics, /^vigil_replica_leader_term 4$/m, "the term it last read");
  assert.equal(seen.length, 2, "answered by the standby, not passed on");

  // No leader: agents come back later, the API says why.
  leader = null;
  const refused = await agentSays();
  assert.deepEqual(refused.messages, []);
  assert.equal(refused.code, 1013);
  const unavailable = await fetch(`${base}/api/v1/services`);
  assert.equal(unavailable.status, 503);
  assert.match((await unavailable.json()).error, /no replica holds the leader lease right now/);

  // A leader that cannot be reached: 502 naming it.
  leader = { name: "r9", url: "http://127.0.0.1:1", term: 5 };
  const unreachable = await fetch(`${base}/api/v1/services`);
  assert.equal(unreachable.status, 502);
  assert.match((await unreachable.json()).error, /^the leader r9 \(http:\/\/127\.0\.0\.1:1\) could not be reached/);
});
