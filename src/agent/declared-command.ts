// Runs a command line declared in a service's config (promote, restore, cleanup, commands)
// the way the service's own run command runs: argv without a shell unless it uses shell
// syntax, in the run's cwd and env, in its own process group so a timeout kills it all.
import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import type { AgentService } from "../protocol/messages.js";
import { parseCommandLine } from "./command-line.js";

/** Used when the service sets no commandTimeout. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;
/** The tail of the combined stdout and stderr that is kept and reported. */
export const OUTPUT_TAIL_BYTES = 4096;
/** After exit, how long to wait for the pipes to drain (a background grandchild may hold them open). */
const DRAIN_AFTER_EXIT_MS = 100;

export interface CommandResult {
  /** null when killed by a signal (the timeout included) or when it could not be started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The last OUTPUT_TAIL_BYTES of stdout and stderr, interleaved as they arrived. */
  output: string;
  durationMs: number;
  /** Why it could not be started (missing program, bad cwd); exitCode is null then. */
  startError?: string;
}

export interface CommandOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs: number;
}

/** The cwd, env and time limit a service's declared commands run with. */
export function commandOptionsOf(service: AgentService): CommandOptions {
  return {
    ...(service.run?.cwd !== undefined && { cwd: service.run.cwd }),
    env: service.run?.env ?? {},
    timeoutMs: service.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT_MS,
  };
}

/** Runs `command` to its end (or its timeout); never rejects. */
export function runDeclaredCommand(command: string, options: CommandOptions): Promise<CommandResult> {
  const startedAt = performance.now();
  const parsed = parseCommandLine(command);
  const [file, args] = "argv" in parsed ? [parsed.argv[0], parsed.argv.slice(1)] : ["/bin/sh", ["-c", command]];
  const notStarted = (startError: string): Promise<CommandResult> =>
    Promise.resolve({ exitCode: null, signal: null, timedOut: false, output: "", durationMs: 0, startError });
  if (file === undefined) return notStarted("the command is empty");
  // spawn() reports a missing cwd as "spawn <file> ENOENT", which blames the program.
  if (options.cwd !== undefined && !isDirectory(options.cwd)) {
    return notStarted(`working directory "${options.cwd}" does not exist or is not a directory`);
  }
  return new Promise((resolve) => {
    let tail = Buffer.alloc(0);
    let settled = false;
    let timedOut = false;
    let drainTimer: NodeJS.Timeout | undefined;
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, startError?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(drainTimer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve({
        exitCode,
        signal,
        timedOut,
        output: tail.toString("utf8"),
        durationMs: Math.round(performance.now() - startedAt),
        ...(startError !== undefined && { startError }),
      });
    };
    const child = spawn(file, args, {
      ...(options.cwd !== undefined && { cwd: options.cwd }),
      env: { ...process.env, ...options.env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const deadline = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, options.timeoutMs);
    const keep = (chunk: Buffer): void => {
      const joined = Buffer.concat([tail, chunk]);
      tail = joined.length > OUTPUT_TAIL_BYTES ? joined.subarray(joined.length - OUTPUT_TAIL_BYTES) : joined;
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.on("error", (err: NodeJS.ErrnoException) => {
      finish(null, null, err.code === "ENOENT" ? `command not found: "${file}"` : err.message);
    });
    child.on("exit", (code, signal) => {
      // Whatever it left running in its group goes with it, as for a timeout.
      killGroup(child.pid);
      drainTimer = setTimeout(() => finish(code, signal), DRAIN_AFTER_EXIT_MS);
    });
    child.on("close", (code, signal) => finish(code, signal));
  });
}

/** One line saying how a command ended, for errors: "exit code 3: <last output line>". */
export function describeFailure(result: CommandResult, timeoutMs: number): string {
  if (result.startError !== undefined) return `could not be started: ${result.startError}`;
  const how = result.timedOut
    ? `timed out after ${timeoutMs}ms (process group killed)`
    : result.exitCode !== null
      ? `exit code ${result.exitCode}`
      : `killed by ${result.signal}`;
  const last = result.output.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "").at(-1);
  return last ? `${how}: ${last.length > 200 ? `${last.slice(0, 200)}…` : last}` : how;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: the group is already gone.
  }
}
