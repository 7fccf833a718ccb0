// Game-day benchmark: runs gamedays/basic.yaml --runs times (default 3), each on a fresh demo
// cluster (network namespaces when root with iproute2, else loopback), and prints per
// fault type MTTD / MTTL / MTTR p50 and p95 (measured from the injection), localization
// accuracy, pass count and false alerts, over all runs.
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runGameday } from "../src/chaos/gameday/gameday-runner.js";
import { reportMarkdown, summarize } from "../src/chaos/gameday/gameday-report.js";
import type { FaultResult } from "../src/chaos/gameday/fault-result.js";
import { parseScenario } from "../src/chaos/gameday/scenario.js";
import { startDemoCluster } from "../src/demo/demo-cluster.js";
import { formatDuration } from "../src/util/duration.js";
import { Flags, runBench } from "./support/flags.js";

const REPO = join(fileURLToPath(new URL(".", import.meta.url)), "../..");
const USAGE = "usage: npm run bench -- gameday [--runs 3] [--scenario gamedays/basic.yaml] [--loopback] [--reports]";

interface Settings {
  runs: number;
  scenario: string;
  loopback: boolean;
  reports: boolean;
}

runBench(
  "gameday",
  USAGE,
  (argv): Settings => {
    const f = Flags.parse(argv, { runs: "string", scenario: "string", loopback: "boolean", reports: "boolean" });
    return { runs: f.wholeNumber("runs", 3), scenario: f.string("scenario") ?? join(REPO, "gamedays/basic.yaml"), loopback: f.boolean("loopback"), reports: f.boolean("reports") };
  },
  async (s) => {
    const scenario = parseScenario(readFileSync(s.scenario, "utf8"), s.scenario);
    const started = Date.now();
    const results: FaultResult[] = [];
    let network = "";
    // A fresh demo per run: runs are independent samples (db back on its first node for the
    // partition's failover, recovery limits and histories not carried over).
    for (let run = 1; run <= s.runs; run++) {
      const cluster = await startDemoCluster({ namespaces: !s.loopback, listen: `127.0.0.1:${27000 + Math.floor(Math.random() * 2000)}`, log: (l) => console.log(l) });
      network = cluster.network;
      try {
        console.log(`\n--- run ${run} of ${s.runs} (${scenario.faults.length} faults) ---`);
        const report = await runGameday({ server: cluster.url, token: cluster.token, scenario, log: (l) => console.log(l) });
        results.push(...report.results);
        if (s.reports) console.log(reportMarkdown(report));
      } finally {
        await cluster.stop();
      }
    }
    const totals = summarize(results);
    const ms = (v: number | null) => (v === null ? "—" : formatDuration(v));
    const pct = (v: number | null) => (v === null ? "—" : `${Math.round(v * 100)}%`);
    console.log(`\nGame day ${scenario.name} × ${s.runs} on the demo (${network}, a fresh cluster per run); ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)}; ${formatDuration(Date.now() - started)} in all`);
    console.log("| fault | runs | passed | MTTD p50 / p95 | MTTL p50 / p95 | MTTR p50 / p95 | localization | false alerts |");
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const t of totals.byFault) {
      console.log(`| ${t.fault} | ${t.runs} | ${t.passed} | ${ms(t.mttdMs.p50)} / ${ms(t.mttdMs.p95)} | ${ms(t.mttlMs.p50)} / ${ms(t.mttlMs.p95)} | ${ms(t.mttrMs.p50)} / ${ms(t.mttrMs.p95)} | ${pct(t.localizationAccuracy)} | ${t.falseAlerts} |`);
    }
    console.log(`\nAll: ${totals.passed} of ${totals.faults} passed, ${totals.skipped} skipped; localization accuracy ${pct(totals.localizationAccuracy)}; false alerts ${totals.falseAlerts}.`);
    const failures = results.filter((r) => !r.passed && !r.skipped);
    for (const r of failures) console.log(`  ${r.name}: ${r.failures.join("; ")}`);
    return 0;
  },
);
