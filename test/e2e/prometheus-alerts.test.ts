// A real Prometheus names Vigil as its Alertmanager (API v2): its always-firing rule reaches
// Vigil's alerts and a webhook receiver; once Prometheus stops re-sending, the alert resolves.
// Skipped with a loud notice when `prometheus` is not installed, unless VIGIL_REQUIRE_PROMETHEUS=1.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { api, freePort, startServer, startWebhookReceiver, tempDir, waitFor, writeConfig, type VigilProcess, type WebhookReceiver } from "./harness.js";

const PROMETHEUS = process.env.VIGIL_PROMETHEUS_BIN ?? "prometheus";
const installed = spawnSync(PROMETHEUS, ["--version"], { stdio: "ignore" }).error === undefined;
const required = process.env.VIGIL_REQUIRE_PROMETHEUS === "1";
const skip = !installed && !required;
if (skip) {
  console.warn(
    [
      "",
      "************************************************************************",
      `* SKIPPED: the Prometheus e2e test: no \`${PROMETHEUS}\` binary on PATH.`,
      "* Install it (Debian: apt-get install prometheus) to test Vigil as a",
      "* Prometheus Alertmanager; VIGIL_REQUIRE_PROMETHEUS=1 makes this a failure.",
      "************************************************************************",
      "",
    ].join("\n"),
  );
}

let dir: ReturnType<typeof tempDir>;
let hook: WebhookReceiver;
let vigil: VigilProcess & { url: string };
let prometheus: { proc: ChildProcess; output(): string; stop(): Promise<void> } | undefined;

before(async () => {
  if (skip) return;
  if (!installed) throw new Error(`VIGIL_REQUIRE_PROMETHEUS=1 but no \`${PROMETHEUS}\` binary was found on PATH (Debian: apt-get install prometheus)`);
  dir = tempDir("vigil-e2e-prometheus-");
  hook = await startWebhookReceiver();
  const config = writeConfig(
    dir.path,
    `
notify:
  groupWait: 0s
  groupInterval: 1s
  receivers:
    hook: { webhook: { url: "${hook.url}" } }
  routes:
    - { receiver: hook }
`,
  );
  vigil = await startServer({ configFile: config, dataDir: join(dir.path, "vigil"), port: await freePort() });
});

after(async () => {
  await prometheus?.stop();
  await vigil?.stop();
  await hook?.close();
  dir?.remove();
});

async function startPrometheus(vigilURL: string): Promise<NonNullable<typeof prometheus>> {
  const rules = join(dir.path, "rules.yml");
  writeFileSync(
    rules,
    `
groups:
  - name: vigil-e2e
    rules:
      - alert: PrometheusSaysHello
        expr: vector(1)
        for: 0s
        labels: { severity: critical, team: e2e }
        annotations: { summary: "fired by a real Prometheus" }
`,
  );
  const configFile = join(dir.path, "prometheus.yml");
  writeFileSync(
    configFile,
    `
global:
  evaluation_interval: 1s
rule_files: ["${rules}"]
alerting:
  alertmanagers:
    - api_version: v2
      static_configs:
        - targets: ["${new URL(vigilURL).host}"]
`,
  );
  const port = await freePort();
  const proc = spawn(
    PROMETHEUS,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir.path, "prometheus-data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--rules.alert.resend-delay=1s",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  return {
    proc,
    output: () => out,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      await exited;
    },
  };
}

test("a firing Prometheus rule becomes a firing Vigil alert that reaches the webhook, and resolves once Prometheus stops", { skip }, async () => {
  prometheus = await startPrometheus(vigil.url);
  const isOurs = (a: { labels: Record<string, string> }) => a.labels.alertname === "PrometheusSaysHello";
  try {
    const alert = await waitFor(async () => (await api(vigil.url, "/api/v1/alerts")).alerts.find(isOurs), 60_000, "Prometheus' alert in Vigil");
    assert.equal(alert.state, "firing");
    assert.deepEqual(alert.labels, { alertname: "PrometheusSaysHello", severity: "critical", team: "e2e" });
    assert.equal(alert.annotations.summary, "fired by a real Prometheus");

    const [gettable] = (await api(vigil.url, "/api/v2/alerts")).filter(isOurs);
    assert.equal(gettable.status.state, "active");
    assert.match(gettable.generatorURL, /\/graph\?g0\.expr=vector%281%29/);
    assert.ok(Date.parse(gettable.endsAt) > Date.now() - 5_000, `endsAt ${gettable.endsAt} is Prometheus' re-send deadline`);

    const firing = await waitFor(() => hook.payloads.find((p) => p.status === "firing" && p.alerts.some(isOurs)), 30_000, "the firing webhook");
    assert.equal(firing.receiver, "hook");
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- prometheus output ---\n${prometheus.output()}\n--- vigil output ---\n${vigil.output()}`);
  }

  // No more re-sends: Prometheus' last endsAt (about 4 s ahead) passes and Vigil resolves the alert.
  await prometheus.stop();
  await waitFor(async () => !(await api(vigil.url, "/api/v1/alerts")).alerts.some(isOurs), 30_000, "the alert to resolve after its endsAt");
  const resolved = await waitFor(() => hook.payloads.find((p) => p.status === "resolved" && p.alerts.some(isOurs)), 30_000, "the resolved webhook");
  assert.equal(resolved.alerts.find(isOurs).status, "resolved");
});
