// `vigil anomaly score` as a user runs it: a real process on real files in a temp dir.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createAnomalyDetector } from "../../../src/detect/anomaly/anomaly-detector.js";
import { START_TS, STEP_MS, series } from "./synthetic-series.js";

const run = promisify(execFile);
// dist/test/detect/anomaly → the repository root.
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
const vigil = join(root, "bin", "vigil");
const dir = mkdtempSync(join(tmpdir(), "vigil-anomaly-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function score(input: string, out: string): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, [vigil, "anomaly", "score", input, "--out", out]);
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

function nabTimestamp(ts: number): string {
  return new Date(ts).toISOString().slice(0, 19).replace("T", " ");
}

test("a good CSV gives one timestamp,anomaly_score row per input row, scores as the detector computes them", async () => {
  const { ts, values } = series(1200, 11, (i, noise) => 10 + noise() + (i === 900 ? 12 : 0));
  // NAB's layout with Windows line endings, one ISO timestamp and a repeated timestamp.
  const stamps = ts.map(nabTimestamp);
  stamps[500] = new Date(ts[500]!).toISOString();
  stamps[701] = stamps[700]!;
  const input = join(dir, "good.csv");
  writeFileSync(input, "timestamp,value\r\n" + stamps.map((t, i) => `${t},${values[i]}\r\n`).join(""));
  const out = join(dir, "good-scores.csv");
  const { code, stderr } = await score(input, out);
  assert.equal(code, 0, stderr);

  const lines = readFileSync(out, "utf8").split("\n");
  assert.equal(lines.pop(), "", "the file ends with a newline");
  assert.equal(lines[0], "timestamp,anomaly_score");
  assert.equal(lines.length, 1 + values.length);
  const detector = createAnomalyDetector();
  for (let i = 0; i < values.length; i++) {
    const [stamp, text] = lines[i + 1]!.split(",");
    assert.equal(stamp, stamps[i], `row ${i + 1} echoes the input timestamp`);
    const expectedTs = i === 701 ? START_TS + 700 * STEP_MS : ts[i]!;
    assert.equal(Number(text), detector.update(expectedTs, values[i]!).probability, `row ${i + 1}: same probability, full precision`);
  }
  const spike = Number(lines[1 + 900]!.split(",")[1]);
  assert.ok(spike >= 0.9, `the spike scores ${spike}`);
});

test("a bad CSV names the line and what is wrong, and writes no output (an old one is left as it was)", async () => {
  const input = join(dir, "bad.csv");
  writeFileSync(input, "timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,2\n2014-04-01 00:10:00,n/a\n");
  const out = join(dir, "bad-scores.csv");
  let result = await score(input, out);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /bad\.csv: line 4: value "n\/a" is not a finite number/);
  assert.equal(existsSync(out), false);

  writeFileSync(out, "previous run\n");
  writeFileSync(input, "timestamp,value\n2014-04-01 00:00:00,1\n01/04/2014 00:05,2\n");
  result = await score(input, out);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /line 3: timestamp "01\/04\/2014 00:05" is not a date-time/);
  assert.equal(readFileSync(out, "utf8"), "previous run\n");
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp")), [], "no temporary file is left behind");
});

test("a missing input file is reported, not a stack trace", async () => {
  const result = await score(join(dir, "absent.csv"), join(dir, "x.csv"));
  assert.equal(result.code, 1);
  assert.match(result.stderr, /cannot read .*absent\.csv/);
  assert.doesNotMatch(result.stderr, /at .*\.js:\d+/);
  assert.equal(existsSync(join(dir, "x.csv")), false);
});
