// The pure parts of scraping: target labels and URLs, clashes between scraped and target
// labels (exported_ vs honorLabels), report series, the phase of each target in its
// interval, target files, and the TargetDown alert's observations.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ParsedSample } from "../../src/scrape/exposition/parse-exposition.js";
import { firstScrapeDelay } from "../../src/scrape/scrape-offset.js";
import { reportSamples, scrapedSamples } from "../../src/scrape/scraped-samples.js";
import { parseTargetFile } from "../../src/scrape/target-file.js";
import { TargetDownAlerts } from "../../src/scrape/target-down-alerts.js";
import { targetsOf, type ScrapeJobSettings } from "../../src/scrape/target.js";

const job: ScrapeJobSettings = { job: "node", scheme: "http", metricsPath: "/metrics", intervalMs: 15_000, timeoutMs: 10_000, honorLabels: false, sampleLimit: 0 };

describe("targets", () => {
  it("get job and instance labels, the job's and group's labels, and __scheme__/__metrics_path__ from the group", () => {
    const [a, b] = targetsOf(job, { env: "prod", team: "x" }, { targets: ["10.0.0.1:9100", "h:80"], labels: { team: "db", __scheme__: "https", __metrics_path__: "/probe", __hidden: "y" }, source: "f.json" });
    assert.equal(a!.url, "https://10.0.0.1:9100/probe");
    assert.deepEqual(a!.labels, { env: "prod", team: "db", job: "node", instance: "10.0.0.1:9100" });
    assert.equal(b!.labels["instance"], "h:80");
    assert.notEqual(a!.key, b!.key);
    const [own] = targetsOf(job, {}, { targets: ["h:1"], labels: { instance: "my-name" }, source: "static" });
    assert.equal(own!.labels["instance"], "my-name");
  });

  it("are spread over the interval by hash, each at a stable phase", () => {
    const now = 1_700_000_000_123;
    const delays = Array.from({ length: 200 }, (_, i) => firstScrapeDelay(`http://h${i}:9100/metrics`, 15_000, now));
    for (const d of delays) assert.ok(d >= 0 && d < 15_000);
    assert.ok(new Set(delays.map((d) => Math.floor(d / 1500))).size >= 9, "200 targets cover nearly every tenth of the interval");
    // The same target scrapes at the same phase whenever it starts.
    const phase = (start: number) => (start + firstScrapeDelay("t", 15_000, start)) % 15_000;
    assert.equal(phase(now), phase(now + 4321));
  });
});

describe("scraped samples", () => {
  const parsed: ParsedSample[] = [{ name: "m", labels: { job: "exporter", instance: "", path: "/" }, value: 1, timestampMs: null }, { name: "t", labels: {}, value: 2, timestampMs: 1000 }];
  const target = { job: "node", instance: "h:1" };

  it("keep a clashing scraped label as exported_<name>, drop empty ones, and take the scrape time unless they have their own", () => {
    const [m, t] = scrapedSamples(parsed, target, false, 5000);
    assert.deepEqual(m, { name: "m", labels: { job: "node", exported_job: "exporter", instance: "h:1", path: "/" }, ts: 5000, value: 1 });
    assert.deepEqual(t, { name: "t", labels: { job: "node", instance: "h:1" }, ts: 1000, value: 2 });
  });

  it("with honorLabels keep the scraped value", () => {
    assert.deepEqual(scrapedSamples(parsed, target, true, 5000)[0]!.labels, { job: "exporter", instance: "h:1", path: "/" });
  });

  it("report up, scrape_duration_seconds and scrape_samples_scraped with the target's labels", () => {
    assert.deepEqual(
      reportSamples({ up: false, durationMs: 12.5, samplesScraped: 0 }, target, 7000).map((s) => [s.name, s.value, s.ts, s.labels]),
      [["up", 0, 7000, target], ["scrape_duration_seconds", 0.0125, 7000, target], ["scrape_samples_scraped", 0, 7000, target]],
    );
  });
});

describe("target files", () => {
  it("read JSON and YAML lists of groups", () => {
    assert.deepEqual(parseTargetFile('[{"targets": ["a:1", "b:2"], "labels": {"env": "x"}}]', "t.json"), [{ targets: ["a:1", "b:2"], labels: { env: "x" }, source: "t.json" }]);
    assert.deepEqual(parseTargetFile("- targets: [a:1]\n", "t.yml"), [{ targets: ["a:1"], labels: {}, source: "t.yml" }]);
    assert.deepEqual(parseTargetFile("", "empty.json"), []);
  });

  it("name the file and the entry that is wrong", () => {
    assert.throws(() => parseTargetFile('[{"targets": ["a:1", "not a target"]}]', "t.json"), /^Error: t\.json: \[0\]\.targets\[1\]: expected a target "host:port"/);
    assert.throws(() => parseTargetFile('[{"targets": [], "labels": {"9bad": "x"}}]', "t.json"), /t\.json: \[0\]\.labels\.9bad: expected a label name/);
    assert.throws(() => parseTargetFile("{ targets: [", "t.yml"), /t\.yml: not JSON or YAML/);
    assert.throws(() => parseTargetFile('{"targets": ["a:1"]}', "t.json"), /t\.json: expected a list of target groups/);
  });
});

describe("the TargetDown alert", () => {
  const [target] = targetsOf(job, {}, { targets: ["h:1"], labels: {}, source: "static" });
  const outcome = (error: string | null) => ({ target: target!, startedAt: 0, durationMs: 1, error, samplesScraped: 0 });

  it("is observed active at every failed scrape (firing after three), inactive once at the next good one, and when a down target is removed", () => {
    const alerts = new TargetDownAlerts();
    assert.equal(alerts.scraped(outcome(null), 15_000), null, "an up target says nothing");
    const down = alerts.scraped(outcome("cannot connect: ECONNREFUSED"), 15_000)!;
    assert.deepEqual(down.labels, { job: "node", instance: "h:1", alertname: "TargetDown", severity: "warning" });
    assert.equal(down.active, true);
    assert.equal(down.forMs, 30_000);
    assert.match(down.annotations["summary"]!, /http:\/\/h:1\/metrics \(job node\) cannot be scraped: cannot connect: ECONNREFUSED/);
    assert.equal(alerts.scraped(outcome(null), 15_000)!.active, false);
    assert.equal(alerts.scraped(outcome(null), 15_000), null);
    alerts.scraped(outcome("timeout"), 15_000);
    assert.deepEqual(alerts.removed([target!], 15_000).map((o) => o.active), [false]);
    assert.deepEqual(alerts.removed([target!], 15_000), []);
  });
});
