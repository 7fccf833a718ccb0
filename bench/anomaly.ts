// Anomaly detector benchmark: points per second through one detector on one core, and,
// when the NAB public subset is beside the repository (../shared), the NAB score of
// `vigil anomaly score` measured by the shared scorer, and its look-ahead check.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createAnomalyDetector } from "../src/detect/anomaly/anomaly-detector.js";
import { parseSeriesCsv } from "../src/detect/anomaly/series-csv.js";

const TARGET_POINTS_PER_SECOND = 500_000;
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const shared = join(root, "..", "shared");
const nabDir = join(shared, "datasets", "nab-public");
const scorer = join(shared, "tools", "nab_score.py");

const USAGE = `usage: npm run bench -- anomaly [--points N] [--no-nab]
  --points N   points in the synthetic series (default 2000000)
  --no-nab     skip the NAB scorer run even when ${nabDir} exists`;

function settings(): { points: number; nab: boolean } {
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { points: { type: "string" }, "no-nab": { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    const points = values.points === undefined ? 2_000_000 : Number(values.points);
    if (!Number.isInteger(points) || points < 1000) throw new Error(`--points must be an integer ≥ 1000, got ${values.points}`);
    return { points, nab: !values["no-nab"] };
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

/** A 5-minute series with a daily cycle, noise and a rare spike, from a fixed seed. */
function syntheticSeries(n: number): { ts: Float64Array; values: Float64Array } {
  const ts = new Float64Array(n);
  const values = new Float64Array(n);
  let seed = 12345;
  const uniform = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const start = Date.UTC(2024, 0, 1);
  for (let i = 0; i < n; i++) {
    ts[i] = start + i * 300_000;
    values[i] = 50 + 20 * Math.sin((2 * Math.PI * i) / 288) + 4 * (uniform() - 0.5) + (uniform() < 0.0005 ? 60 : 0);
  }
  return { ts, values };
}

/** Best of three timed passes (each with a fresh detector), in points per second. */
function throughput(ts: Float64Array, values: Float64Array): { pointsPerSecond: number; checksum: number } {
  let best = 0;
  let checksum = 0;
  for (let pass = 0; pass < 3; pass++) {
    const detector = createAnomalyDetector();
    let sum = 0;
    const started = performance.now();
    for (let i = 0; i < values.length; i++) sum += detector.update(ts[i]!, values[i]!).probability;
    const seconds = (performance.now() - started) / 1000;
    best = Math.max(best, values.length / seconds);
    checksum = sum;
  }
  return { pointsPerSecond: best, checksum };
}

function nabFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? nabFiles(join(dir, entry.name)) : entry.name.endsWith(".csv") ? [join(dir, entry.name)] : [],
  );
}

function runScorer(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("python3", [scorer, "--data-dir", join(nabDir, "data"), "--labels", join(nabDir, "labels.json"), ...args], {
    cwd: root,
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? String(result.error ?? "") };
}

const { points, nab } = settings();
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} on ${cpus().length} cores`);
const series = syntheticSeries(points);
const synthetic = throughput(series.ts, series.values);
console.log(
  `synthetic: ${points} points, ${Math.round(synthetic.pointsPerSecond).toLocaleString("en")} points/s ` +
    `(one detector, one core; target ≥ ${TARGET_POINTS_PER_SECOND.toLocaleString("en")}) [checksum ${synthetic.checksum.toFixed(6)}]`,
);

if (!existsSync(nabDir)) {
  console.log(`NAB: ${nabDir} not found, skipped`);
} else {
  let total = 0;
  let seconds = 0;
  for (const file of nabFiles(join(nabDir, "data"))) {
    const rows = parseSeriesCsv(readFileSync(file, "utf8"));
    const detector = createAnomalyDetector();
    const started = performance.now();
    for (const row of rows) detector.update(row.ts, row.value);
    seconds += (performance.now() - started) / 1000;
    total += rows.length;
  }
  console.log(`NAB data in process: ${total} points, ${Math.round(total / seconds).toLocaleString("en")} points/s`);
  if (nab) {
    const cmd = "./bin/vigil anomaly score {in} --out {out}";
    const run = runScorer(["run", "--cmd", cmd, "--jobs", "2"]);
    const lines = run.stdout.trim().split("\n");
    if (run.status !== 0) {
      console.error(`NAB scorer failed (status ${run.status}):\n${run.stderr.slice(-2000)}`);
      process.exitCode = 1;
    } else {
      for (const line of lines.slice(0, -1)) console.log(`  ${line}`);
      console.log(lines[lines.length - 1]);
    }
    const lookahead = runScorer(["lookahead", "--cmd", cmd, "--file", "realTraffic/occupancy_6005.csv", "--cut", "500,1500"]);
    console.log(lookahead.stdout.trim() || lookahead.stderr.trim());
    if (lookahead.status !== 0) process.exitCode = 1;
  }
}
