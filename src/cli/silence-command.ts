// `vigil silence add|list|expire`: create, show and end silences on a running server
// through its HTTP API (/api/v1/silences); thin: parse, call, print.
import type { Command } from "commander";
import { formatDuration } from "../util/duration.js";
import { apiRequest } from "./api-get.js";
import { operatorName, apiTarget } from "./options.js";

interface SilenceJson {
  id: number;
  state: "pending" | "active" | "expired";
  matchers: { text: string }[];
  startsAt: number;
  endsAt: number;
  expiredAt?: number;
  createdBy: string;
  comment: string;
}

interface AddFlags {
  duration?: string;
  start?: string;
  end?: string;
  comment?: string;
  author?: string;
  server?: string;
  token?: string;
}

export function registerSilenceCommand(program: Command): void {
  const silence = program.command("silence").description("mute notifications of matching alerts for a while (add, list, expire)");

  silence
    .command("add")
    .description('silence alerts matching every MATCHER (name="value", name!="value", name=~"regex", name!~"regex")')
    .argument("<matchers...>", 'label matchers, e.g. service="api" (quote them for the shell)')
    .option("--duration <duration>", "how long, e.g. 30m, 2h, 1d")
    .option("--end <time>", "when it ends (ISO-8601, e.g. 2025-06-01T22:00:00Z)")
    .option("--start <time>", "when it starts (ISO-8601; default: now)")
    .option("--comment <text>", "why", "")
    .option("--author <name>", "who (default: $VIGIL_AUTHOR or $USER)")
    .option("--server <url>", "server URL (default: $VIGIL_SERVER or http://127.0.0.1:7070)")
    .option("--token <token>", "API token (default: $VIGIL_TOKEN)")
    .action(async (matchers: string[], flags: AddFlags) => {
      process.exitCode = await silenceAdd(matchers, flags);
    });

  silence
    .command("list")
    .description("active and pending silences (--all: expired ones too)")
    .option("--all", "include expired silences")
    .option("--server <url>", "server URL (default: $VIGIL_SERVER or http://127.0.0.1:7070)")
    .option("--token <token>", "API token (default: $VIGIL_TOKEN)")
    .action(async (flags: { all?: boolean; server?: string; token?: string }) => {
      process.exitCode = await silenceList(flags);
    });

  silence
    .command("expire")
    .description("end a silence now")
    .argument("<id>", "the silence's id (see vigil silence list)")
    .option("--server <url>", "server URL (default: $VIGIL_SERVER or http://127.0.0.1:7070)")
    .option("--token <token>", "API token (default: $VIGIL_TOKEN)")
    .action(async (id: string, flags: { server?: string; token?: string }) => {
      process.exitCode = await silenceExpire(id, flags);
    });
}

export async function silenceAdd(matchers: string[], flags: AddFlags): Promise<number> {
  if ((flags.duration === undefined) === (flags.end === undefined)) {
    console.error("vigil silence add: give either --duration (e.g. 2h) or --end (an ISO-8601 time)");
    return 1;
  }
  const body = {
    matchers,
    ...(flags.start !== undefined && { startsAt: flags.start }),
    ...(flags.end !== undefined && { endsAt: flags.end }),
    ...(flags.duration !== undefined && { duration: flags.duration }),
    createdBy: flags.author ?? operatorName(),
    comment: flags.comment ?? "",
  };
  const res = await call("add", flags, "POST", "/api/v1/silences", body);
  if (!res) return 1;
  const s = res.silence as SilenceJson;
  console.log(`Silence ${s.id} created (${s.state}): ${s.matchers.map((m) => m.text).join(", ")}`);
  console.log(`  from ${timestamp(s.startsAt)} until ${timestamp(s.endsAt)} (${formatDuration(s.endsAt - s.startsAt)})`);
  console.log(`  by ${s.createdBy}${s.comment ? `: ${s.comment}` : ""}`);
  return 0;
}

export async function silenceList(flags: { all?: boolean; server?: string; token?: string }): Promise<number> {
  const res = await call("list", flags, "GET", `/api/v1/silences${flags.all ? "" : "?state=active,pending"}`);
  if (!res) return 1;
  const silences = res.silences as SilenceJson[];
  if (silences.length === 0) {
    console.log(flags.all ? "No silences." : "No active or pending silences.");
    return 0;
  }
  const now = Date.now();
  const rows = silences.map((s) => [
    String(s.id),
    s.state,
    s.matchers.map((m) => m.text).join(", "),
    s.state === "pending" ? `starts ${when(s.startsAt, now)}` : s.state === "active" ? `ends ${when(s.endsAt, now)}` : `ended ${when(Math.min(s.endsAt, s.expiredAt ?? s.endsAt), now)}`,
    s.createdBy,
    s.comment,
  ]);
  console.log(table(["ID", "STATE", "MATCHERS", "WHEN", "BY", "COMMENT"], rows));
  return 0;
}

export async function silenceExpire(idText: string, flags: { server?: string; token?: string }): Promise<number> {
  if (!/^\d+$/.test(idText)) {
    console.error(`vigil silence expire: "${idText}" is not a silence id (a number; see vigil silence list)`);
    return 1;
  }
  const res = await call("expire", flags, "DELETE", `/api/v1/silences/${idText}`);
  if (!res) return 1;
  const s = res.silence as SilenceJson;
  if (res.alreadyExpired) console.log(`Silence ${s.id} had already expired (${when(Math.min(s.endsAt, s.expiredAt ?? s.endsAt), Date.now())}).`);
  else console.log(`Silence ${s.id} expired: ${s.matchers.map((m) => m.text).join(", ")} is no longer silenced.`);
  return 0;
}

/** Calls the API; on failure prints the server's error (or why it cannot be reached) and returns null. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function call(command: string, flags: { server?: string; token?: string }, method: string, path: string, body?: unknown): Promise<any | null> {
  return apiRequest(`silence ${command}`, apiTarget(flags), method, path, body);
}

/** "2025-06-01 22:00:00Z". */
function timestamp(ts: number): string {
  return new Date(ts).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z");
}

/** "2025-06-01 22:00:00Z (in 1h59m)". */
function when(ts: number, now: number): string {
  const absolute = timestamp(ts);
  const delta = ts - now;
  if (Math.abs(delta) < 1000) return `${absolute} (now)`;
  return delta > 0 ? `${absolute} (in ${formatDuration(delta)})` : `${absolute} (${formatDuration(-delta)} ago)`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
