// Secrets stay secret, end to end: a real `vigil server` (auth required) and `vigil agent`,
// an API token made with `vigil token create` on the data directory, a webhook receiver
// that answers 401 echoing the Authorization header it got, and an SMTP server that is not
// there. An alert is routed to both receivers, which fail and retry; the test logs in,
// calls every read route and the CLI. Then neither the API token, the session, the webhook's
// bearer token nor the SMTP password may appear in any log line, API response, CLI output,
// journal event, audit entry — or anywhere in the database files.
// Also: `vigil server --listen 0.0.0.0:PORT --insecure` without a token refuses to start.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { CLI, freePort, runCli, tempDir, waitFor, writeConfig, type VigilProcess } from "./harness.js";

const HOOK_TOKEN = "hook-bearer-Zq81xWv";
const SMTP_PASSWORD = "smtp-pass-Yt55pQr";

let dir: { path: string; remove(): void };
let hook: Server;
let hookCalls = 0;
let server: VigilProcess & { url: string };
let agent: VigilProcess;
let apiToken = "";
const seen: string[] = [];

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolveRun({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function get(path: string, headers: Record<string, string> = { authorization: `Bearer ${apiToken}` }): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${server.url}${path}`, { headers, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  seen.push(`${path}: ${[...res.headers].map(([k, v]) => `${k}: ${v}`).join("; ")}\n${text}`);
  return { status: res.status, text, headers: res.headers };
}

before(async () => {
  dir = tempDir("vigil-secrets-");
  hook = createServer((req, res) => {
    hookCalls++;
    req.resume();
    res.statusCode = 401;
    res.end(`unauthorized: you sent ${req.headers.authorization}`);
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
  const hookPort = (hook.address() as { port: number }).port;
  const closedPort = await freePort();
  const config = writeConfig(
    dir.path,
    [
      "server: { auth: { mode: required } }",
      "notify:",
      "  groupWait: 100ms",
      "  receivers:",
      `    hook: { webhook: { url: "http://127.0.0.1:${hookPort}/hook", headers: { authorization: "Bearer \${HOOK_TOKEN}" }, maxAttempts: 2 } }`,
      `    mail: { email: { to: [ops@example.com], from: vigil@example.com, smtp: { host: 127.0.0.1, port: ${closedPort}, user: vigil, password: "\${SMTP_PASSWORD}" }, maxAttempts: 2 } }`,
      "  routes:",
      "    - { receiver: hook, continue: true }",
      "    - { receiver: mail }",
      "",
    ].join("\n"),
  );
  const data = join(dir.path, "data");
  const created = await cli(["token", "create", "--role", "admin", "--name", "e2e", "--data", data]);
  assert.equal(created.code, 0, created.stderr);
  apiToken = created.stdout.trim();
  assert.match(apiToken, /^vgt_/);
  seen.push(created.stderr);

  const port = await freePort();
  const env = { HOOK_TOKEN, SMTP_PASSWORD, VIGIL_LOG_LEVEL: "debug" };
  const p = runCli(["server", "--config", config, "--data", data, "--listen", `127.0.0.1:${port}`], env);
  server = { ...p, url: `http://127.0.0.1:${port}` };
  await waitFor(async () => (await fetch(`${server.url}/healthz`).then((r) => r.ok).catch(() => false)) || p.proc.exitCode !== null, 30_000, "server to listen");
  assert.equal(p.proc.exitCode, null, p.output());
  agent = runCli(["agent", "--server", server.url, "--node", "node-a", "--data", join(dir.path, "agent")], { VIGIL_LOG_LEVEL: "debug" });
});

after(async () => {
  await agent?.stop();
  await server?.stop();
  await new Promise((r) => hook?.close(r));
  dir?.remove();
});

describe("secrets stay secret", () => {
  it("no token, session or config secret in any log line, API response, CLI output, journal event or database file", async () => {
    // An alert routed to both receivers: the webhook answers 401 with its Authorization header, the SMTP server is not there.
    const post = await fetch(`${server.url}/api/v2/alerts`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/json" },
      body: JSON.stringify([{ labels: { alertname: "SecretTest", severity: "critical" }, annotations: { summary: "test" } }]),
    });
    assert.equal(post.status, 200, await post.text());
    await waitFor(async () => {
      const events = JSON.parse((await get("/api/v1/events?kind=notify.failed,notify.attempt&limit=100")).text).events as Array<{ data: { receiver?: string } }>;
      const receivers = new Set(events.map((e) => e.data.receiver));
      return receivers.has("hook") && receivers.has("mail") && hookCalls > 0;
    }, 60_000, "both receivers to fail");
    await waitFor(async () => JSON.parse((await get("/api/v1/nodes")).text).nodes.some((n: { connected: boolean }) => n.connected), 60_000, "the agent to connect");

    // A dashboard login, a mutating call with its cookie and CSRF token, and a logout.
    const login = await fetch(`${server.url}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: apiToken }) });
    const loginText = await login.text();
    seen.push(loginText);
    assert.equal(login.status, 201, loginText);
    const sessionCookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const sessionId = sessionCookie.split("=")[1]!;
    const csrf = JSON.parse(loginText).csrfToken as string;
    const silence = await fetch(`${server.url}/api/v1/silences`, {
      method: "POST",
      headers: { cookie: sessionCookie, "x-csrf-token": csrf, "content-type": "application/json" },
      body: JSON.stringify({ matchers: ['alertname="Other"'], duration: "1h", createdBy: "e2e" }),
    });
    seen.push(await silence.text());
    assert.equal(silence.status, 201);
    await get("/api/v1/session", { cookie: sessionCookie });

    // Every read route, and a wrong token.
    for (const path of [
      "/api/v1/status", "/api/v1/nodes", "/api/v1/services", "/api/v1/alerts?resolvedWithin=3600000", "/api/v1/incidents",
      "/api/v1/events?limit=10000", "/api/v1/silences", "/api/v1/maintenance", "/api/v1/availability", "/api/v1/advice",
      "/api/v1/tsdb/series?match=node_load1", "/api/v2/alerts", "/metrics", "/api/v1/tokens", "/api/v1/audit?limit=10000", "/healthz",
    ]) {
      const r = await get(path);
      assert.ok(r.status < 400, `${path}: ${r.status} ${r.text}`);
    }
    assert.equal((await get("/api/v1/status", { authorization: "Bearer vgt_wrongwrongwrongwrongwrong" })).status, 401);
    // The CLI too (at once: each start of node is slow on a loaded machine).
    const commands = [["status"], ["token", "list"], ["silence", "list"]];
    const runs = await Promise.all(commands.map((args) => cli([...args, "--server", server.url], { VIGIL_TOKEN: apiToken })));
    runs.forEach((r, i) => {
      assert.equal(r.code, 0, `${commands[i]!.join(" ")}: ${r.stderr}`);
      seen.push(r.stdout, r.stderr);
    });
    const logout = await fetch(`${server.url}/api/v1/session`, { method: "DELETE", headers: { cookie: sessionCookie, "x-csrf-token": csrf } });
    assert.equal(logout.status, 200);

    // The journal says the webhook was refused (so the secret had its chance to leak there).
    const failures = (await get("/api/v1/events?kind=notify.failed,notify.attempt&limit=100")).text;
    assert.match(failures, /401/);

    await agent.stop();
    await server.stop();
    const files = readdirSync(join(dir.path, "data"))
      .filter((f) => f.startsWith("vigil.db"))
      .map((f) => `${f}:\n${readFileSync(join(dir.path, "data", f)).toString("latin1")}`);
    const everything = [server.output(), agent.output(), ...seen, ...files].join("\n");
    assert.ok(server.output().includes("authentication failed"), "the server logged (at debug) what happened");
    for (const [what, secret] of [
      ["the API token", apiToken],
      ["the API token's random part", apiToken.slice(4)],
      ["the session id", sessionId],
      ["the webhook's bearer token", HOOK_TOKEN],
      ["the SMTP password", SMTP_PASSWORD],
    ] as const) {
      const at = everything.indexOf(secret);
      assert.equal(at, -1, `${what} leaked: …${everything.slice(Math.max(0, at - 300), at + 100)}…`);
    }
  });

  it("a server on a non-loopback address without a token refuses to start, saying how to fix it", async () => {
    const port = await freePort();
    // --insecure passes the transport's rule (plain HTTP beyond loopback, tested in tls-agents): this is about the API's.
    const r = await cli(["server", "--listen", `0.0.0.0:${port}`, "--data", join(dir.path, "open"), "--insecure"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refusing to listen on 0\.0\.0\.0:\d+ without authentication/);
    assert.match(r.stderr, /vigil token create --role admin --data /);
  });
});
