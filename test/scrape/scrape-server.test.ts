// Scraping through a real Vigil server (in-process, real clock, SQLite) from real HTTP
// targets on 127.0.0.1: a node_exporter-sized page (the captured fixture) in text format
// and an OpenMetrics page arrive in the series store with job/instance labels and the
// report series; /api/v1/targets shows their health; a target file's change adds and
// removes targets; a target that stops answering gives up = 0 and fires TargetDown, which
// a threshold rule on `up` also sees; a page over the sample limit fails the scrape.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.js";
import { startServer, type VigilServer } from "../../src/server/server.js";
import { silentLogger } from "../../src/util/logger.js";
import { REPO_ROOT, tempDir, waitFor } from "../e2e/harness.js";

const PAGE = readFileSync(join(REPO_ROOT, "test/fixtures/node-exporter-1.5.txt"), "utf8");
const OPENMETRICS_PAGE = [
  "# TYPE app_requests counter",
  'app_requests_total{path="/"} 42',
  'app_requests_created{path="/"} 1700000000.5',
  "# TYPE app_temperature_celsius gauge",
  "# UNIT app_temperature_celsius celsius",
  'app_temperature_celsius{room="a \\"big\\" one"} 21.5',
  "# EOF",
  "",
].join("\n");

interface Exporter {
  address: string;
  accepts: string[];
  close(): Promise<void>;
}

async function startExporter(page: string, contentType: string): Promise<Exporter> {
  const accepts: string[] = [];
  const server: Server = createServer((req, res) => {
    accepts.push(String(req.headers.accept));
    res.writeHead(200, { "content-type": contentType });
    res.end(page);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  return {
    address: `127.0.0.1:${typeof address === "object" && address ? address.port : 0}`,
    accepts,
    close: () => new Promise<void>((r) => server.close(() => r())).then(() => undefined),
  };
}

let dir: ReturnType<typeof tempDir>;
let server: VigilServer;
let node: Exporter;
let app: Exporter;
let flaky: Exporter;
let big: Exporter;
const targetsFile = () => join(dir.path, "targets.json");

before(async () => {
  dir = tempDir("vigil-scrape-");
  node = await startExporter(PAGE, "text/plain; version=0.0.4; charset=utf-8");
  app = await startExporter(OPENMETRICS_PAGE, "application/openmetrics-text; version=1.0.0; charset=utf-8");
  flaky = await startExporter("flaky_up 1\n", "text/plain; version=0.0.4");
  big = await startExporter(PAGE, "text/plain; version=0.0.4");
  writeFileSync(targetsFile(), JSON.stringify([{ targets: [app.address], labels: { team: "apps" } }]));
  const config = parseConfig(`
server: { evaluationInterval: 200ms }
notify: { groupWait: 0s }
rules:
  - { name: ScrapeFailing, metric: up, below: 1, labels: { job: flaky }, severity: warning }
scrape:
  - { job: node, interval: 500ms, targets: ["${node.address}"], labels: { env: test } }
  - { job: apps, interval: 500ms, files: ["${join(dir.path, "*.json")}"], refreshInterval: 200ms }
  - { job: flaky, interval: 300ms, timeout: 250ms, targets: ["${flaky.address}"] }
  - { job: limited, interval: 500ms, sampleLimit: 100, targets: ["${big.address}"] }
`);
  server = await startServer({ config, listen: "127.0.0.1:0", dataDir: join(dir.path, "vigil"), logger: silentLogger() });
});

after(async () => {
  await server?.close();
  for (const e of [node, app, flaky, big]) await e?.close().catch(() => undefined);
  dir?.remove();
});

const latest = (name: string, match: Record<string, string> = {}) => server.store.latest(name, match, Date.now() - 60_000);

describe("scraping Prometheus targets", () => {
  it("stores a node_exporter-sized page with job, instance and job labels, and the report series", async () => {
    const cpu = await waitFor(() => latest("node_cpu_seconds_total", { job: "node", mode: "idle" })[0], 30_000, "node_cpu_seconds_total from the scrape");
    assert.deepEqual(Object.keys(cpu.labels).sort(), ["cpu", "env", "instance", "job", "mode"]);
    assert.equal(cpu.labels["instance"], node.address);
    const line = PAGE.split("\n").find((l) => l.startsWith(`node_cpu_seconds_total{cpu="${cpu.labels["cpu"]}",mode="idle"}`))!;
    assert.equal(cpu.value, Number(line.split(" ")[1]));
    const up = latest("up", { job: "node" })[0]!;
    assert.equal(up.value, 1);
    assert.equal(up.ts, cpu.ts, "a page's samples and its report series share the scrape's start time");
    const lines = PAGE.split("\n").filter((l) => l !== "" && !l.startsWith("#")).length;
    assert.equal(latest("scrape_samples_scraped", { job: "node" })[0]!.value, lines);
    assert.ok(latest("scrape_duration_seconds", { job: "node" })[0]!.value > 0);
    assert.match(node.accepts[0]!, /^application\/openmetrics-text;version=1\.0\.0/);
  });

  it("reads an OpenMetrics page from a target file, and shows every target in /api/v1/targets", async () => {
    const total = await waitFor(() => latest("app_requests_total")[0], 30_000, "app_requests_total");
    assert.deepEqual(total.labels, { path: "/", team: "apps", job: "apps", instance: app.address });
    assert.equal(total.value, 42);
    assert.equal(latest("app_requests_created")[0]!.value, 1700000000.5);
    assert.equal(latest("app_temperature_celsius")[0]!.labels["room"], 'a "big" one');
    const body = await waitFor(async () => {
      const r = await (await fetch(`${server.url}/api/v1/targets`)).json();
      return r.data.activeTargets.every((t: { health: string }) => t.health !== "unknown") ? r : undefined;
    }, 30_000, "every target scraped once");
    const byJob = Object.fromEntries(body.data.activeTargets.map((t: { scrapePool: string }) => [t.scrapePool, t]));
    assert.equal(byJob.node.health, "up");
    assert.equal(byJob.node.scrapeUrl, `http://${node.address}/metrics`);
    assert.equal(byJob.limited.health, "down");
    assert.match(byJob.limited.lastError, /sample limit exceeded: the page has \d+ samples, the job's sampleLimit is 100/);
  });

  it("fails a scrape over the sample limit whole: up = 0, none of its samples stored", async () => {
    await waitFor(() => latest("up", { job: "limited" })[0], 30_000, "up of the limited job");
    assert.equal(latest("up", { job: "limited" })[0]!.value, 0);
    assert.equal(latest("scrape_samples_scraped", { job: "limited" })[0]!.value > 100, true);
    assert.deepEqual(latest("node_cpu_seconds_total", { job: "limited" }), []);
  });

  it("follows changes of the target file: a new target is scraped, a removed one no longer", async () => {
    const other = await startExporter("second_target_metric 7\n", "text/plain");
    try {
      const tmp = targetsFile() + ".tmp";
      writeFileSync(tmp, JSON.stringify([{ targets: [other.address], labels: { team: "other" } }]));
      renameSync(tmp, targetsFile());
      const s = await waitFor(() => latest("second_target_metric")[0], 30_000, "the new target's metric");
      assert.deepEqual(s.labels, { team: "other", job: "apps", instance: other.address });
      await waitFor(async () => {
        const r = await (await fetch(`${server.url}/api/v1/targets`)).json();
        return !r.data.activeTargets.some((t: { labels: { instance: string } }) => t.labels.instance === app.address);
      }, 30_000, "the removed target to leave /api/v1/targets");
    } finally {
      await other.close();
    }
  });

  it("a target that stops answering reports up = 0 and fires TargetDown, and a rule on up fires too", async () => {
    await waitFor(() => latest("up", { job: "flaky" })[0]?.value === 1 || undefined, 30_000, "the flaky target up");
    await flaky.close();
    await waitFor(() => latest("up", { job: "flaky" })[0]?.value === 0 || undefined, 30_000, "up = 0 for the stopped target");
    const firing = await waitFor(
      () => server.alerts.active().find((a) => a.labels["alertname"] === "TargetDown" && a.labels["job"] === "flaky" && a.state === "firing"),
      30_000,
      "TargetDown firing",
    );
    assert.equal(firing.labels["instance"], flaky.address);
    assert.match(firing.annotations["summary"]!, /cannot be scraped: cannot connect: ECONNREFUSED/);
    await waitFor(() => server.alerts.active().find((a) => a.labels["alertname"] === "ScrapeFailing" && a.state === "firing"), 30_000, "the rule on up firing");
  });
});
