// `vigil gameday SCENARIO.yaml [--out DIR]`: runs the scenario's faults against a running
// cluster, writes the report as Markdown and JSON into DIR, posts it to the server
// (GET /api/v1/gamedays lists them), and exits 0 only when every fault passed.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { runGameday } from "../chaos/gameday/gameday-runner.js";
import { reportMarkdown } from "../chaos/gameday/gameday-report.js";
import { parseScenario, ScenarioError } from "../chaos/gameday/scenario.js";
import { apiPost } from "./api-get.js";
import { apiTarget } from "./options.js";

export interface GamedayFlags {
  out?: string;
  server?: string;
  token?: string;
  quiet?: boolean;
}

export async function gamedayCommand(file: string, flags: GamedayFlags): Promise<number> {
  let scenario;
  try {
    scenario = parseScenario(readFileSync(resolve(file), "utf8"), file);
  } catch (err) {
    const message = err instanceof ScenarioError ? err.message : `cannot read ${file}: ${(err as Error).message}`;
    console.error(`vigil gameday: ${message}`);
    return 2;
  }
  const target = apiTarget(flags);
  const server = target.base;
  const report = await runGameday({ server, token: target.token, scenario, log: (line) => (flags.quiet ? undefined : console.log(line)) });
  const markdown = reportMarkdown(report);
  const dir = resolve(flags.out ?? "gameday-reports");
  mkdirSync(dir, { recursive: true });
  const stem = join(dir, `${basename(file).replace(/\.ya?ml$/, "")}-${new Date(report.startedAt).toISOString().replace(/[:.]/g, "-")}`);
  writeFileSync(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${stem}.md`, markdown);
  const posted = await apiPost<{ id: number }>("gameday", target, "/api/v1/gamedays", { report, markdown });
  console.log(`\n${markdown}`);
  console.log(`Report: ${stem}.md and ${stem}.json${posted ? `; on the server: ${server}/api/v1/gamedays/${posted.id}` : ""}`);
  return report.passed ? 0 : 1;
}
