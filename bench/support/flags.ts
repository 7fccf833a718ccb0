// Command-line flags of the benchmarks: parsing with node's parseArgs (strict, --help/-h),
// whole numbers and durations with their lower bounds, and the usage error that makes a
// benchmark print its usage and exit 2 (0 for --help).
import { parseArgs } from "node:util";
import { parseDuration } from "../../src/util/duration.js";

export class UsageError extends Error {}

export class Flags {
  private constructor(private readonly values: Record<string, string | boolean | undefined>) {}

  /** Parses `argv` for these flags (plus --help); throws UsageError on an unknown or malformed one, and for --help. */
  static parse(argv: string[], flags: Record<string, "string" | "boolean">): Flags {
    const options = Object.fromEntries(Object.entries(flags).map(([name, type]) => [name, { type }]));
    let values: Record<string, string | boolean | undefined>;
    try {
      ({ values } = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (values["help"]) throw new UsageError("");
    return new Flags(values);
  }

  string(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === "string" ? v : undefined;
  }

  boolean(name: string): boolean {
    return this.values[name] === true;
  }

  wholeNumber(name: string, fallback: number, min = 1): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name}: expected a whole number >= ${min}, got "${raw}"`);
    return n;
  }

  /** A duration in ms, at least `minMs`; `example` shows the form in the error. */
  duration(name: string, fallbackMs: number, minMs: number, example: string): number {
    const raw = this.string(name);
    if (raw === undefined) return fallbackMs;
    const ms = parseDuration(raw);
    if (ms === null || ms < minMs) throw new UsageError(`--${name}: expected a duration of at least ${minMs >= 1000 ? `${minMs / 1000}s` : `${minMs}ms`} such as "${example}", got "${raw}"`);
    return ms;
  }
}

/**
 * Runs a benchmark: its settings from the command line (a usage error prints the usage and
 * exits 2, --help exits 0), then `run`, whose result is the exit code; an error exits 1
 * with its message.
 */
export function runBench<S>(name: string, usage: string, parse: (argv: string[]) => S, run: (settings: S) => Promise<number> | number): void {
  let settings: S;
  try {
    settings = parse(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) console.error(`${name}: ${err.message}`);
    console.error(usage);
    process.exit(err.message ? 2 : 0);
  }
  Promise.resolve()
    .then(() => run(settings))
    .then(
      (code) => process.exit(code),
      (err: unknown) => {
        console.error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
}
