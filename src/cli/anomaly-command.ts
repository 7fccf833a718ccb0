// `vigil anomaly score IN.csv --out OUT.csv`: runs the streaming anomaly detector (the same
// code as the server's anomaly rules) over a `timestamp,value` CSV and writes one
// `timestamp,anomaly_score` row per input row. The output appears whole or not at all.
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Command } from "commander";
import { createAnomalyDetector } from "../detect/anomaly/anomaly-detector.js";
import { parseSeriesCsv, SeriesCsvError, type SeriesCsvRow } from "../detect/anomaly/series-csv.js";

export function registerAnomalyCommand(program: Command): void {
  const anomaly = program.command("anomaly").description("streaming anomaly detection over a series");
  anomaly
    .command("score")
    .description("score every row of a timestamp,value CSV; writes timestamp,anomaly_score (probabilities in [0, 1])")
    .argument("<in>", "input CSV with the header timestamp,value (timestamps YYYY-MM-DD HH:MM:SS in UTC, or ISO 8601)")
    .requiredOption("--out <file>", "output CSV (written to a temporary file, then renamed into place)")
    .action((input: string, flags: { out: string }) => {
      process.exitCode = anomalyScoreCommand(input, flags);
    });
}

/** Exit status 0 on success; 1 with a message on stderr, and no output file, otherwise. */
export function anomalyScoreCommand(input: string, flags: { out: string }): number {
  let text: string;
  try {
    text = readFileSync(input, "utf8");
  } catch (err) {
    console.error(`vigil anomaly score: cannot read ${input}: ${(err as Error).message}`);
    return 1;
  }
  let rows: SeriesCsvRow[];
  try {
    rows = parseSeriesCsv(text);
  } catch (err) {
    if (!(err instanceof SeriesCsvError)) throw err;
    console.error(`vigil anomaly score: ${input}: ${err.message}`);
    return 1;
  }
  const output = scoreRows(rows);
  const temporary = join(dirname(flags.out), `.${basename(flags.out)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, output);
    renameSync(temporary, flags.out);
  } catch (err) {
    rmSync(temporary, { force: true });
    console.error(`vigil anomaly score: cannot write ${flags.out}: ${(err as Error).message}`);
    return 1;
  }
  return 0;
}

/** The output text: numbers in JavaScript's shortest round-trip form, so nothing is rounded away. */
function scoreRows(rows: SeriesCsvRow[]): string {
  const detector = createAnomalyDetector();
  const lines = new Array<string>(rows.length + 1);
  lines[0] = "timestamp,anomaly_score";
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    lines[i + 1] = `${row.timestampText},${detector.update(row.ts, row.value).probability}`;
  }
  return lines.join("\n") + "\n";
}
