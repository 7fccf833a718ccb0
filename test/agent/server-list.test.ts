// ServerList, the agent's choice of server replica: round-robin over the list with a backoff
// only after a full round without a welcome, redirects followed at once as a temporary
// preference, the redirect-loop guard, replicas learned from welcomes, and the plain-text
// rule applied to configured, learned and redirect URLs alike. Pure: no sockets, no clock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AGENT_WS_PATH } from "../../src/protocol/messages.js";
import { agentWebSocketUrl } from "../../src/agent/server-address.js";
import { MAX_REDIRECTS_IN_A_ROW, ServerList, reconnectDelay } from "../../src/agent/server-list.js";

const A = "https://a.example:7070";
const B = "https://b.example:7070";
const C = "https://c.example:7070";
const ws = (base: string) => agentWebSocketUrl(base);
/** random() = 0: every backoff is the lower end of its range, ceiling / 2. */
const list = (urls: string[], insecure = false) => new ServerList(urls, { insecure, random: () => 0 });

/** The next `n` decisions after failures, as "url+waitMs". */
function failures(servers: ServerList, n: number): string[] {
  return Array.from({ length: n }, () => {
    const next = servers.disconnected();
    return `${next.server.base}+${next.waitMs}`;
  });
}

test("failures move round-robin through the list at once, and back off only after a full round", () => {
  const servers = list([A, B, C]);
  assert.equal(servers.current().base, A);
  assert.deepEqual(failures(servers, 7), [`${B}+0`, `${C}+0`, `${A}+50`, `${B}+0`, `${C}+0`, `${A}+100`, `${B}+0`]);
  // A welcome resets the round and the backoff: the next full round waits the shortest again.
  servers.welcomed();
  assert.deepEqual(failures(servers, 3), [`${C}+0`, `${A}+0`, `${B}+50`]);
});

test("one URL: every failure backs off, doubling until a welcome (as a single server always did)", () => {
  const servers = list([A]);
  assert.deepEqual(failures(servers, 4), [`${A}+50`, `${A}+100`, `${A}+200`, `${A}+400`]);
  servers.welcomed();
  assert.deepEqual(failures(servers, 1), [`${A}+50`]);
});

test("backoff doubles from 100 ms to at most 5 s, jittered within the upper half", () => {
  assert.equal(reconnectDelay(0, () => 0), 50);
  assert.equal(reconnectDelay(0, () => 1), 100);
  assert.equal(reconnectDelay(1, () => 1), 200);
  assert.equal(reconnectDelay(3, () => 0.5), 600);
  assert.equal(reconnectDelay(6, () => 1), 5000);
  assert.equal(reconnectDelay(60, () => 0), 2500);
  assert.equal(reconnectDelay(2000, () => 0.999), 4998);
});

test("server URLs: http(s) bases become the agent websocket path; bad ones are named", () => {
  assert.equal(agentWebSocketUrl("http://127.0.0.1:7070"), `ws://127.0.0.1:7070${AGENT_WS_PATH}`);
  assert.equal(agentWebSocketUrl("https://vigil.example.com/prefix/"), `wss://vigil.example.com/prefix${AGENT_WS_PATH}`);
  assert.equal(agentWebSocketUrl(`ws://10.0.0.5:7070${AGENT_WS_PATH}`), `ws://10.0.0.5:7070${AGENT_WS_PATH}`);
  assert.throws(() => agentWebSocketUrl("ftp://host"), /"ftp:\/\/host" must start with http:\/\/, https:\/\/, ws:\/\/ or wss:\/\//);
  assert.throws(() => agentWebSocketUrl("127.0.0.1:7070"), /"127\.0\.0\.1:7070"/);
  assert.throws(() => agentWebSocketUrl("not a url"), /"not a url" is not a valid URL/);
});

test("every configured URL is checked at start; the error names the bad one and its place", () => {
  assert.throws(() => list([]), /no server URL given/);
  assert.throws(
    () => list([A, "http://192.0.2.10:7070", C]),
    /^Error: server URL 2 of 3 \(http:\/\/192\.0\.2\.10:7070\): refusing to connect to http:\/\/192\.0\.2\.10:7070 in plain text.*--insecure/,
  );
  assert.throws(() => list([A, B, "nope"]), /^Error: server URL 3 of 3 \(nope\): server URL "nope" is not a valid URL/);
  // One URL: the message as it always was.
  assert.throws(() => list(["http://192.0.2.10:7070"]), /^Error: refusing to connect to http:\/\/192\.0\.2\.10:7070 in plain text/);
  // Loopback in plain text is fine; beyond it with --insecure too.
  assert.equal(list(["http://127.0.0.1:7070", "http://192.0.2.10:7070"], true).all().length, 2);
  assert.equal(list(["http://127.0.0.1:7070", "ws://[::1]:7070/api/v1/agent/ws"]).all().length, 2);
});

test("the same server written twice is listed once", () => {
  const servers = list(["http://127.0.0.1:7070", `ws://127.0.0.1:7070${AGENT_WS_PATH}`, "http://127.0.0.1:7070/", "http://127.0.0.1:7071"]);
  assert.deepEqual(
    servers.all().map((s) => s.base),
    ["http://127.0.0.1:7070", "http://127.0.0.1:7071"],
  );
});

test("a redirect is followed at once; when its target fails, the list goes on after the URL that redirected", () => {
  const servers = list([A, B]);
  const verdict = servers.redirected(C);
  assert.deepEqual(verdict, { follow: true, target: { base: C, ws: ws(C) }, chain: [ws(A), ws(C)] });
  assert.deepEqual(failures(servers, 1), [`${C}+0`]);
  assert.equal(servers.current().base, C);
  // Welcomed by the owner; its link dies later: back to the list, not to C again.
  servers.welcomed();
  assert.deepEqual(failures(servers, 3), [`${B}+0`, `${A}+50`, `${B}+0`]);
});

test("a redirect target that cannot be reached counts towards the round", () => {
  const servers = list([A, B]);
  servers.redirected(C);
  assert.deepEqual(failures(servers, 1), [`${C}+0`]);
  // C is down: on to B at once; B redirects to C too, which is still down: the round is over.
  assert.deepEqual(failures(servers, 1), [`${B}+0`]);
  servers.redirected(C);
  assert.deepEqual(failures(servers, 3), [`${C}+0`, `${A}+50`, `${B}+0`]);
});

test("redirect loop: at most 3 in a row without a welcome, then back to the list after a backoff, naming the chain", () => {
  assert.equal(MAX_REDIRECTS_IN_A_ROW, 3);
  const servers = list([A, C]);
  for (const to of [B, A, B]) {
    const verdict = servers.redirected(to);
    assert.equal(verdict.follow, true, `redirect to ${to} followed`);
    assert.deepEqual(failures(servers, 1), [`${to}+0`]);
  }
  const fourth = servers.redirected(A);
  assert.equal(fourth.follow, false);
  assert.equal(
    !fourth.follow && fourth.warning,
    `more than 3 redirects in a row without a welcome (${[A, B, A, B, A].map(ws).join(" → ")}): back to the server list after a backoff`,
  );
  // The socket closes: on to the list entry after A, after a backoff.
  assert.deepEqual(failures(servers, 1), [`${C}+50`]);
  // A fresh chain is followed again; the backoff keeps growing until a welcome.
  for (const to of [B, A, B]) assert.equal(servers.redirected(to).follow, true);
  assert.equal(servers.redirected(A).follow, false);
  assert.deepEqual(failures(servers, 1), [`${A}+100`]);
});

test("a welcome or a failure ends a redirect chain", () => {
  const servers = list([A, C]);
  servers.redirected(B);
  servers.disconnected();
  servers.redirected(A);
  servers.disconnected();
  servers.welcomed();
  for (const to of [B, A, B]) {
    assert.equal(servers.redirected(to).follow, true);
    servers.disconnected();
  }
  // B is unreachable: the chain is over, and three more redirects are followed.
  assert.deepEqual(failures(servers, 1), [`${C}+0`]);
  for (const to of [B, A, B]) {
    assert.equal(servers.redirected(to).follow, true);
    servers.disconnected();
  }
});

test("a redirect to plain text beyond loopback, or to no URL at all, is refused and counts as a failure", () => {
  const servers = list([A, B]);
  const plain = servers.redirected("http://192.0.2.10:7070");
  assert.equal(plain.follow, false);
  assert.match(!plain.follow ? plain.warning : "", /^refusing the redirect from wss:\/\/a\.example:7070\/api\/v1\/agent\/ws to http:\/\/192\.0\.2\.10:7070: refusing to connect to http:\/\/192\.0\.2\.10:7070 in plain text/);
  assert.deepEqual(failures(servers, 1), [`${B}+0`]);
  const bogus = servers.redirected("ftp://b.example");
  assert.match(!bogus.follow ? bogus.warning : "", /must start with http:\/\/, https:\/\/, ws:\/\/ or wss:\/\//);
  assert.deepEqual(failures(servers, 1), [`${A}+50`]);
  // With --insecure the agent chose plain text knowingly: a redirect may lead there too.
  assert.equal(list([A], true).redirected("http://192.0.2.10:7070").follow, true);
});

test("replicas learned from a welcome follow the configured URLs, deduplicated, and replace the ones learned before", () => {
  const servers = list([A]);
  const { refused } = servers.welcomed([`${A}/`, B, "http://192.0.2.10:7070", C, B]);
  assert.deepEqual(
    servers.all().map((s) => s.base),
    [A, B, C],
  );
  assert.equal(refused.length, 1);
  assert.match(refused[0]!, /refusing to connect to http:\/\/192\.0\.2\.10:7070 in plain text/);
  // A dies: the agent finds the others.
  assert.deepEqual(failures(servers, 3), [`${B}+0`, `${C}+0`, `${A}+50`]);
  // A welcome without replicas leaves the list alone; one with replicas replaces the learned ones.
  servers.welcomed();
  assert.equal(servers.all().length, 3);
  servers.welcomed([C]);
  assert.deepEqual(
    servers.all().map((s) => s.base),
    [A, C],
  );
  // Configured URLs stay even when no welcome names them.
  servers.welcomed([]);
  assert.deepEqual(
    servers.all().map((s) => s.base),
    [A],
  );
});

test("the list changing under the agent: rotation goes on after the entry it is at", () => {
  const servers = list([A]);
  servers.welcomed([A, B, C]);
  assert.deepEqual(failures(servers, 1), [`${B}+0`]);
  // B welcomes with a list that leaves B itself out: the agent stays at B until it fails,
  // then starts over at the top (B's failure counts towards that round, like a redirect target's).
  servers.welcomed([A, C]);
  assert.equal(servers.current().base, B);
  assert.deepEqual(failures(servers, 3), [`${A}+0`, `${C}+50`, `${A}+0`]);
  // At C, a list with C at another place: on to the entry after C.
  servers.welcomed();
  servers.disconnected();
  assert.equal(servers.current().base, C);
  servers.welcomed([C, B]);
  assert.deepEqual(
    servers.all().map((s) => s.base),
    [A, C, B],
  );
  assert.deepEqual(failures(servers, 1), [`${B}+0`]);
});
