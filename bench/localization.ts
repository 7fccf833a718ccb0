// Root-cause localization benchmark: top-1 accuracy of the root component and of the cause
// over the scripted fault scenarios (test/incident/localization/fault-scenarios.ts), and
// the time one localization takes. Variant 0 is the set the tests assert; further variants
// re-draw every random choice of the scenarios (base levels, noise, probe intervals, delays).
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { localize } from "../src/incident/localization/localize.js";
import { buildFaultScenarios, type FaultScenario } from "../test/incident/localization/fault-scenarios.js";

const USAGE = `usage: npm run bench -- localization [--variants N] [--repeat N] [--verbose]
  --variants N   scenario sets: the tested one plus N-1 re-drawn with other seeds (default 5)
  --repeat N     timed localizations per scenario (default 20; the first run is a warm-up)
  --verbose      print the candidates and evidence of every miss`;

function settings(): { variants: number; repeat: number; verbose: boolean } {
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { variants: { type: "string" }, repeat: { type: "string" }, verbose: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    const variants = values.variants === undefined ? 5 : Number(values.variants);
    const repeat = values.repeat === undefined ? 20 : Number(values.repeat);
    if (!Number.isInteger(variants) || variants < 1) throw new Error(`--variants must be an integer ≥ 1, got ${values.variants}`);
    if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat must be an integer ≥ 1, got ${values.repeat}`);
    return { variants, repeat, verbose: values.verbose === true };
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

interface Outcome {
  scenario: FaultScenario;
  variant: number;
  rootOk: boolean;
  causeOk: boolean;
  summary: string;
  /** Median ms of the timed runs. */
  medianMs: number;
  times: number[];
}

function run(scenario: FaultScenario, variant: number, repeat: number, verbose: boolean): Outcome {
  const result = localize(scenario.input, scenario.now); // warm-up, and the answer
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const started = performance.now();
    localize(scenario.input, scenario.now);
    times.push(performance.now() - started);
  }
  const rootOk = result?.root === scenario.expected.root;
  const causeOk = result?.cause === scenario.expected.cause;
  if (verbose && !(rootOk && causeOk) && result) {
    for (const c of result.candidates) console.log(`      ${c.component} score ${c.score.toFixed(3)} confidence ${c.confidence.toFixed(2)}: ${c.reasons.join("; ")}`);
    for (const e of result.evidence) console.log(`      evidence: ${e}`);
  }
  return { scenario, variant, rootOk, causeOk, summary: result?.summary ?? "(no localization)", medianMs: percentile(times, 0.5), times };
}

/** Nearest rank. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

function accuracy(outcomes: Outcome[]): string {
  const n = outcomes.length;
  const pct = (k: number) => `${k}/${n} (${((100 * k) / n).toFixed(1)}%)`;
  return (
    `root ${pct(outcomes.filter((o) => o.rootOk).length)}, cause ${pct(outcomes.filter((o) => o.causeOk).length)}, ` +
    `both ${pct(outcomes.filter((o) => o.rootOk && o.causeOk).length)}`
  );
}

const { variants, repeat, verbose } = settings();
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} on ${cpus().length} cores`);
const outcomes: Outcome[] = [];
for (let variant = 0; variant < variants; variant++) {
  const built = performance.now();
  const scenarios = buildFaultScenarios(variant);
  const buildMs = performance.now() - built;
  console.log(`\nvariant ${variant}${variant === 0 ? " (the tested set)" : ""}: ${scenarios.length} scenarios, built in ${Math.round(buildMs)} ms`);
  const mine: Outcome[] = [];
  for (const scenario of scenarios) {
    const o = run(scenario, variant, repeat, verbose);
    mine.push(o);
    const mark = o.rootOk && o.causeOk ? "ok  " : "MISS";
    const expected = `${scenario.expected.root} ${scenario.expected.cause}`;
    if (variant === 0 || mark === "MISS") {
      console.log(`  ${mark} ${scenario.name.padEnd(34)} ${o.medianMs.toFixed(1).padStart(6)} ms  expected ${expected}${scenario.knownMiss ? " (known miss)" : ""}`);
      console.log(`       ${o.summary}`);
    }
  }
  console.log(`  top-1: ${accuracy(mine)}`);
  outcomes.push(...mine);
}

const all = outcomes.flatMap((o) => o.times);
console.log(`\nall ${outcomes.length} localizations (${variants} variant${variants === 1 ? "" : "s"}): top-1 ${accuracy(outcomes)}`);
const byCause = new Map<string, Outcome[]>();
for (const o of outcomes) byCause.set(o.scenario.expected.cause, [...(byCause.get(o.scenario.expected.cause) ?? []), o]);
for (const [cause, list] of [...byCause.entries()].sort()) {
  console.log(`  ${cause.padEnd(10)} ${list.filter((o) => o.rootOk && o.causeOk).length}/${list.length} right`);
}
console.log(
  `time per localization: p50 ${percentile(all, 0.5).toFixed(2)} ms, p95 ${percentile(all, 0.95).toFixed(2)} ms, max ${Math.max(...all).toFixed(2)} ms ` +
    `(${all.length} timed runs; includes reading ~50 min of 5 s samples per series from the in-memory store)`,
);
console.log(`load average at the end ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
