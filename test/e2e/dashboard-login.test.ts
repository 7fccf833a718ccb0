// The dashboard behind API tokens, in a real Chromium against a real server and agent: once
// a token exists the app shows its sign-in page; an operator token signs in (session cookie);
// a silence made in the UI is a mutating call with the cookie, which the server accepts only
// with the session's CSRF token; after a reload the app asks the server for that token again,
// so expiring the silence works too; the same call without the token is refused (403).
// Skipped loudly without Chromium, unless VIGIL_REQUIRE_BROWSER=1.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { launchBrowser, skipBrowserTests, type Browser } from "./browser.js";
import { CLI, HTTP_SERVICE, freePort, startCluster, waitFor, type Cluster } from "./harness.js";

const skip = skipBrowserTests("the dashboard sign-in browser test");
const UI_TIMEOUT = 45_000;

let cluster: Cluster;
let browser: Browser;
let page: Page;
let token: string;

async function get(path: string): Promise<any> {
  const res = await fetch(`${cluster.server.url}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(20_000) });
  assert.equal(res.status, 200, `GET ${path}`);
  return res.json();
}

before(async () => {
  if (skip) return;
  const port = await freePort();
  cluster = await startCluster({
    healthy: ["web"],
    config: () => `
services:
  - name: web
    node: node-1
    run: { command: "node ${HTTP_SERVICE} ${port}" }
    health: { http: "http://127.0.0.1:${port}/", interval: 200ms, timeout: 500ms, failures: 2 }
rules:
  - { name: ProcessesRunning, metric: node_processes, above: 0, severity: info }
`,
  });
  // The first token, made on the data directory beside the running server: from now on the API wants one.
  const made = spawnSync(process.execPath, [CLI, "token", "create", "--role", "operator", "--name", "browser", "--data", join(cluster.dir.path, "server")], { encoding: "utf8" });
  assert.equal(made.status, 0, made.stderr);
  token = made.stdout.trim();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on("pageerror", (err) => console.error(`dashboard page error: ${err.message}`));
});

after(async () => {
  await browser?.close();
  await cluster?.stop();
});

test("sign in with a token, silence an alert and expire it after a reload; a cookie call without the CSRF token is refused", { skip }, async () => {
  const url = cluster.server.url;
  assert.equal((await fetch(`${url}/api/v1/status`)).status, 401, "the API wants a token now");
  await page.goto(`${url}/#/alerts`);
  await page.getByRole("heading", { name: "Sign in to Vigil" }).waitFor({ timeout: UI_TIMEOUT });
  await page.fill('input[name="token"]', "vgt_not-a-real-token");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("That token was not accepted.").waitFor({ timeout: UI_TIMEOUT });
  await page.fill('input[name="token"]', token);
  await page.getByRole("button", { name: "Sign in" }).click();

  await waitFor(async () => (await get("/api/v1/alerts")).alerts.some((a: { labels: Record<string, string>; state: string }) => a.labels.alertname === "ProcessesRunning" && a.state === "firing"), 60_000, "ProcessesRunning firing");
  const row = page.locator('tr[data-alert="ProcessesRunning"]');
  await row.waitFor({ timeout: UI_TIMEOUT });
  await row.locator('[data-action="silence"]').click();
  await page.getByRole("button", { name: "Create silence" }).click();
  await page.getByText(/Silence \d+ created/).waitFor({ timeout: UI_TIMEOUT });
  const [silence] = (await get("/api/v1/silences?state=active")).silences;
  assert.ok(silence, "the silence made in the UI is active");

  // A reload keeps the session cookie but not the CSRF token: the app asks for it again.
  await page.reload();
  const listed = page.locator(`[data-silence="${silence.id}"]`);
  await listed.waitFor({ timeout: UI_TIMEOUT });
  await listed.getByRole("button", { name: "Expire" }).click();
  await waitFor(async () => (await get("/api/v1/silences?state=active")).silences.length === 0, 30_000, "the silence expired from the UI");

  // The same kind of call with the cookie but without the CSRF token.
  const status = await page.evaluate(async () => (await fetch("/api/v1/silences", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ matchers: ['alertname="X"'], duration: "1h", createdBy: "forged" }) })).status);
  assert.equal(status, 403);
});
