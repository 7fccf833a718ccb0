// The dashboard in a real Chromium against a real server, agent and supervised service: the
// overview shows the node and the service; the service is killed and its incident appears,
// then shows resolved with its timeline, all without reloading the page (live updates); a
// silence created in the UI (two clicks from an alert) is listed by the API; a game day run
// against the cluster shows on its pages. Screenshots of
// every page, light and dark, at 1280 px and phone width, go to test-artifacts/dashboard/.
// Skipped loudly without Chromium, unless VIGIL_REQUIRE_BROWSER=1.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { runGameday } from "../../src/chaos/gameday/gameday-runner.js";
import { reportMarkdown } from "../../src/chaos/gameday/gameday-report.js";
import { parseScenario } from "../../src/chaos/gameday/scenario.js";
import { launchBrowser, skipBrowserTests, type Browser } from "./browser.js";
import { HTTP_SERVICE, REPO_ROOT, api, freePort, serviceState, startCluster, waitFor, type Cluster } from "./harness.js";

const skip = skipBrowserTests("the dashboard browser tests");
const SHOTS = join(REPO_ROOT, "test-artifacts/dashboard");
/** Generous: the machine may be busy; nothing here measures speed. */
const UI_TIMEOUT = 45_000;

let cluster: Cluster;
let browser: Browser;
let page: Page;

before(async () => {
  if (skip) return;
  mkdirSync(SHOTS, { recursive: true });
  const port = await freePort();
  cluster = await startCluster({
    healthy: ["web"],
    config: () => `
services:
  - name: web
    node: node-1
    run: { command: "node ${HTTP_SERVICE} ${port}" }
    health: { http: "http://127.0.0.1:${port}/", interval: 100ms, timeout: 500ms, failures: 2 }
    recovery: quick
playbooks:
  quick:
    steps: [restart, { verify: { healthyFor: 500ms, within: 30s } }, escalate]
rules:
  # Always firing, so the alerts page has something to silence.
  - { name: ProcessesRunning, metric: node_processes, above: 0, severity: info }
`,
  });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on("pageerror", (err) => console.error(`dashboard page error: ${err.message}`));
});

after(async () => {
  await browser?.close();
  await cluster?.stop();
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

test("the overview shows the node and the service; a killed service's incident appears and resolves with its timeline without a reload", { skip }, async () => {
  const url = cluster.server.url;
  await page.goto(`${url}/#/`);
  await page.locator('[data-node="node-1"][data-state="alive"]').waitFor({ timeout: UI_TIMEOUT });
  await page.locator('[data-service="web"][data-health="healthy"]').waitFor({ timeout: UI_TIMEOUT });
  await page.getByText("Live", { exact: true }).waitFor({ timeout: UI_TIMEOUT });
  // A flag on the window: a reload would lose it.
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

  await page.click('a[href="#/incidents"]');
  await page.getByText("No incidents yet").waitFor({ timeout: UI_TIMEOUT });
  const { pid } = await serviceState(url, "web");
  process.kill(pid, "SIGKILL");

  // Pushed over the event stream: the list grows without any navigation.
  const row = page.locator("tr[data-incident]").first();
  await row.waitFor({ timeout: UI_TIMEOUT });
  assert.match(await row.innerText(), /web on node-1 is unhealthy/);
  await row.locator("a").click();
  await page.locator('[data-testid="timeline"] li[data-kind="Resolved"]').waitFor({ timeout: 60_000 });
  const steps = await page.locator('[data-testid="timeline"] li .what').allInnerTexts();
  for (const expected of ["First signal", "Detected", "restart started", "restart succeeded", "Verified", "Resolved"]) {
    assert.ok(steps.includes(expected), `timeline has "${expected}": ${steps.join(" → ")}`);
  }
  assert.ok((await page.locator('[data-testid="timeline"] .gap').count()) >= 4, "durations between the steps");
  await page.locator(".badge", { hasText: "resolved" }).first().waitFor({ timeout: UI_TIMEOUT });
  assert.equal(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument), true, "the page was never reloaded");
  const [incident] = (await api(url, "/api/v1/incidents")).incidents;
  assert.equal(incident.state, "resolved");
});

test("a silence created from an alert in two clicks is listed by the API", { skip }, async () => {
  const url = cluster.server.url;
  await waitFor(async () => (await api(url, "/api/v1/alerts")).alerts.some((a: { labels: Record<string, string>; state: string }) => a.labels.alertname === "ProcessesRunning" && a.state === "firing"), 60_000, "ProcessesRunning firing");
  await page.goto(`${url}/#/alerts`);
  const row = page.locator('tr[data-alert="ProcessesRunning"]');
  await row.waitFor({ timeout: UI_TIMEOUT });
  await row.locator('[data-action="silence"]').click(); // click 1
  await shot("alerts-silence-dialog");
  await page.getByRole("button", { name: "Create silence" }).click(); // click 2
  await page.getByText(/Silence \d+ created/).waitFor({ timeout: UI_TIMEOUT });
  const { silences } = await api(url, "/api/v1/silences?state=active");
  assert.equal(silences.length, 1);
  assert.deepEqual(
    silences[0].matchers.map((m: { text: string }) => m.text),
    ['alertname="ProcessesRunning"', 'node="node-1"'],
  );
  assert.equal(silences[0].createdBy, "dashboard");
  // The alert now shows as silenced, and the silence is listed.
  await page.locator('tr[data-alert="ProcessesRunning"] .badge', { hasText: "silenced" }).waitFor({ timeout: UI_TIMEOUT });
  await page.locator(`[data-silence="${silences[0].id}"]`).waitFor({ timeout: UI_TIMEOUT });
});

test("a game day run against the cluster shows on the game-day pages: pass, its figures, and the fault's localization", { skip }, async () => {
  const url = cluster.server.url;
  const scenario = parseScenario(`
name: dashboard
settle: 1s
calmWithin: 30s
faults:
  - { name: web killed, fault: kill, target: web, duration: 5s, expect: { root: web, cause: crash, steps: [restart], recoverWithin: 30s } }
`);
  const report = await runGameday({ server: url, scenario, pollMs: 250, settledMs: 1000 });
  const posted = await fetch(`${url}/api/v1/gamedays`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ report, markdown: reportMarkdown(report) }) });
  assert.equal(posted.status, 201);
  const { id } = (await posted.json()) as { id: number };
  await page.evaluate(() => (location.hash = "#/gamedays"));
  await page.locator(`tr[data-gameday="${id}"] .badge`, { hasText: report.passed ? "passed" : "failed" }).waitFor({ timeout: UI_TIMEOUT });
  await page.click(`tr[data-gameday="${id}"] a.title`);
  const row = page.locator('[data-testid="gameday-results"] tr[data-fault="kill"]');
  await row.waitFor({ timeout: UI_TIMEOUT });
  assert.equal(await row.getAttribute("data-passed"), String(report.results[0]!.passed));
  assert.match(await row.innerText(), /service:web/);
  assert.ok(report.passed, `the game day failed: ${report.results.map((r) => r.failures.join("; ")).join(" | ")}`);
});

test("every page renders, light and dark, at 1280 px and at phone width (screenshots in test-artifacts/dashboard)", { skip }, async () => {
  const url = cluster.server.url;
  const [incident] = (await api(url, "/api/v1/incidents")).incidents;
  const [gameday] = (await api(url, "/api/v1/gamedays")).gamedays;
  await page.goto(`${url}/#/`);
  const pages: [string, string, string][] = [
    ["overview", "#/", '[data-testid="node-grid"]'],
    ["node", "#/nodes/node-1?range=15m", '[data-chart="cpu"]'],
    ["service", "#/services/web?range=15m", ".strip"],
    ["alerts", "#/alerts", '[data-testid="alert-table"]'],
    ["incidents", "#/incidents", '[data-testid="incident-table"]'],
    ["incident", `#/incidents/${incident.id}`, '[data-testid="timeline"]'],
    ["availability", "#/availability", "table.list"],
    ["advice", "#/advice", ".panel"],
    ["gamedays", "#/gamedays", '[data-testid="gameday-table"]'],
    ["gameday", `#/gamedays/${gameday.id}`, '[data-testid="gameday-results"]'],
  ];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 1280 ? 900 : 844 });
    for (const theme of ["light", "dark"]) {
      if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme) await page.click('button[aria-label^="switch to the"]');
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme);
      for (const [name, hash, ready] of pages) {
        await page.evaluate((h) => (location.hash = h), hash);
        await page.locator(ready).first().waitFor({ timeout: UI_TIMEOUT });
        await page.waitForTimeout(300); // charts draw on the next frame
        // Nothing may be wider than the screen at phone width.
        if (width < 500) {
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          assert.ok(overflow <= 1, `${name} at ${width} px scrolls sideways by ${overflow} px`);
        }
        await shot(`${name}-${theme}-${width}`);
      }
    }
  }
});
