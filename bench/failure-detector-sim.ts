// Failure-detector simulation at full size: 1,000 nodes for one simulated hour of jittered,
// lossy, pausing heartbeats, then silent crashes, agent kills, server link cuts and a
// control-plane cut-off (model: test/detect/failure/cluster-simulation.ts). Prints figures.
import { loadavg } from "node:os";
import {
  defaultSimulationSettings,
  distribution,
  formatReport,
  simulateCluster,
  type SimulationReport,
} from "../test/detect/failure/cluster-simulation.js";
import { Flags, runBench } from "./support/flags.js";

const USAGE = `usage: npm run bench -- failure-detector-sim [--nodes N] [--duration D] [--seed S] [--runs R] [--tick D] [--app-level-probes]
  --nodes N            cluster size (default 1000)
  --duration D         fault-free phase, e.g. 1h, 10m (default 1h)
  --seed S             PRNG seed of the first run (default ${defaultSimulationSettings.seed})
  --runs R             runs with seeds S, S+1, ...; crash figures are pooled (default 1)
  --tick D             detector tick interval (default 100ms)
  --app-level-probes   direct probes answered by the agent process, not the kernel: a paused
                       agent fails them (shows what the TCP-connect probe is worth)`;

interface Settings {
  nodes: number;
  durationMs: number;
  seed: number;
  runs: number;
  tickMs: number;
  appLevelProbes: boolean;
}

function parseSettings(argv: string[]): Settings {
  const flags = Flags.parse(argv, { nodes: "string", duration: "string", seed: "string", runs: "string", tick: "string", "app-level-probes": "boolean" });
  return {
    nodes: flags.wholeNumber("nodes", 1000, 30),
    durationMs: flags.duration("duration", 3_600_000, 1, "10m"),
    seed: flags.wholeNumber("seed", defaultSimulationSettings.seed, 0),
    runs: flags.wholeNumber("runs", 1),
    tickMs: flags.duration("tick", 100, 1, "100ms"),
    appLevelProbes: flags.boolean("app-level-probes"),
  };
}

function main(settings: Settings): number {
  const reports: SimulationReport[] = [];
  for (let run = 0; run < settings.runs; run++) {
    const report = simulateCluster({
      seed: settings.seed + run,
      nodes: settings.nodes,
      steadyMs: settings.durationMs,
      tickMs: settings.tickMs,
      kernelAnswersProbes: !settings.appLevelProbes,
    });
    reports.push(report);
    console.log(formatReport(report));
    const slowest = [...report.silentCrashes].sort((a, b) => (b.detectionMs ?? Infinity) - (a.detectionMs ?? Infinity))[0];
    if (slowest) console.log(`  slowest silent crash: ${slowest.node} after ${Math.round(slowest.detectionMs ?? NaN)} ms: ${slowest.reason}`);
    for (const f of report.falseDead.slice(0, 5)) console.log(`  FALSE DEAD ${f.node} at +${f.at} ms: ${f.reason}`);
    console.log("");
  }
  if (settings.runs > 1) {
    const pooled = (pick: (r: SimulationReport) => { detectionMs: number | null }[]) =>
      distribution(reports.flatMap(pick).filter((o) => o.detectionMs !== null).map((o) => o.detectionMs!));
    const line = (name: string, d: ReturnType<typeof distribution>) =>
      `${name}: n=${d.n} min=${Math.round(d.min)} p50=${Math.round(d.p50)} p95=${Math.round(d.p95)} p99=${Math.round(d.p99)} max=${Math.round(d.max)} ms`;
    console.log(`pooled over ${settings.runs} runs:`);
    console.log(`  ${line("silent crash → dead", pooled((r) => r.silentCrashes))}`);
    console.log(`  ${line("agent kill → dead", pooled((r) => r.agentKills))}`);
    console.log(`  ${line("link cut → unreachable", pooled((r) => r.linkCuts))}`);
    const sum = (f: (r: SimulationReport) => number) => reports.reduce((a, r) => a + f(r), 0);
    console.log(
      `  steady: ${sum((r) => r.steady.suspicions)} suspicions, ${sum((r) => r.steady.dead)} dead, ` +
        `${sum((r) => r.steady.unreachable)} unreachable; false dead in any phase: ${sum((r) => r.falseDead.length)}`,
    );
  }
  console.log(`load average (1/5/15 min): ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log("targets: silent crash → dead ≤ 2000 ms at p99; agent kill → dead ≤ 100 ms; zero false dead verdicts");
  const missed = reports.flatMap((r) => [...r.silentCrashes, ...r.agentKills, ...r.linkCuts]).filter((o) => o.detectionMs === null).length;
  const falseDead = reports.reduce((a, r) => a + r.falseDead.length, 0);
  return missed > 0 || (falseDead > 0 && !settings.appLevelProbes) ? 1 : 0;
}

runBench("failure-detector-sim", USAGE, parseSettings, main);
