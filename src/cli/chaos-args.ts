// Parses `vigil chaos ...` (pure): `chaos FAULT --target T [--duration D] [--OPTION VALUE ...]`,
// `chaos list [--all]`, `chaos stop [ID]`; every --OPTION the fault takes becomes one of its
// options (`--rate 20MB/s --limit 200MB`). Errors say what is wrong and how to write it.
import { faultOf } from "../chaos/faults/index.js";
import { ChaosSpecError } from "../chaos/chaos-spec-error.js";

/** Where the command calls: --server URL and --token TOKEN (else $VIGIL_SERVER, $VIGIL_TOKEN). */
export interface ChaosConnection {
  server?: string;
  token?: string;
}

export type ChaosArgs = ChaosConnection &
  (
    | { command: "inject"; fault: string; target: string; duration?: string; options: Record<string, string>; json: boolean }
    | { command: "list"; all: boolean; json: boolean }
    | { command: "stop"; id?: string }
  );

export const CHAOS_USAGE = "usage: vigil chaos FAULT --target SERVICE|NODE [--duration 30s] [--OPTION VALUE ...] | vigil chaos list [--all] | vigil chaos stop [ID]";

export function parseChaosArgs(argv: readonly string[]): ChaosArgs {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq > 0 ? eq : undefined);
    if (name === "all" || name === "json") {
      switches.add(name);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith("--"))) throw new Error(`--${name} needs a value (${CHAOS_USAGE})`);
    if (flags.has(name)) throw new Error(`--${name} is given twice`);
    flags.set(name, value);
  }
  const connection: ChaosConnection = {};
  for (const key of ["server", "token"] as const) {
    const value = flags.get(key);
    if (value !== undefined) connection[key] = value;
    flags.delete(key);
  }
  const [first, ...rest] = positional;
  if (first === undefined) throw new Error(`name a fault, list or stop (${CHAOS_USAGE})`);
  const json = switches.has("json");
  if (first === "list") {
    refuseExtra(rest, flags, "list");
    return { command: "list", all: switches.has("all"), json, ...connection };
  }
  if (first === "stop") {
    if (rest.length > 1) throw new Error(`stop takes at most one injection id, got ${rest.join(" ")}`);
    refuseExtra([], flags, "stop");
    return { command: "stop", ...(rest[0] !== undefined && { id: rest[0] }), ...connection };
  }
  let fault;
  try {
    fault = faultOf(first);
  } catch (err) {
    throw new Error((err as ChaosSpecError).problem ?? (err as Error).message);
  }
  if (rest.length > 0) throw new Error(`unexpected argument "${rest[0]}" (${CHAOS_USAGE})`);
  const target = flags.get("target");
  if (target === undefined) throw new Error(`--target SERVICE|NODE is required: where to inject ${fault.kind}`);
  const duration = flags.get("duration");
  flags.delete("target");
  flags.delete("duration");
  const options: Record<string, string> = {};
  for (const [name, value] of flags) {
    if (!fault.options.includes(name)) {
      const known = fault.options.length > 0 ? fault.options.map((o) => `--${o}`).join(", ") : "no options";
      throw new Error(`--${name} is not an option of ${fault.kind} (it takes --target, --duration and ${known})`);
    }
    options[name] = value;
  }
  return { command: "inject", fault: fault.kind, target, ...(duration !== undefined && { duration }), options, json, ...connection };
}

function refuseExtra(rest: readonly string[], flags: ReadonlyMap<string, string>, command: string): void {
  if (rest.length > 0) throw new Error(`${command} takes no arguments, got ${rest.join(" ")}`);
  const [flag] = flags.keys();
  if (flag !== undefined) throw new Error(`${command} takes no --${flag}`);
}
