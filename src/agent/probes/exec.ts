// Exec probe: run a command through /bin/sh -c; exit 0 is healthy. On timeout the whole
// process group is killed, so a check never leaves stray processes behind.
import { spawn } from "node:child_process";
import { elapsedSince, errorDetail, type Probe, type ProbeResult } from "./probe.js";

/** Output kept per stream (the tail), enough for the last line of a message. */
const OUTPUT_TAIL_BYTES = 4096;
const DETAIL_LINE_CHARS = 200;
/** After exit, how long to wait for the pipes to drain (a background grandchild may hold them open). */
const DRAIN_AFTER_EXIT_MS = 25;

/** Keeps the last OUTPUT_TAIL_BYTES of a stream. */
class OutputTail {
  private buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    const joined = Buffer.concat([this.buffer, chunk]);
    this.buffer = joined.length > OUTPUT_TAIL_BYTES ? joined.subarray(joined.length - OUTPUT_TAIL_BYTES) : joined;
  }

  lastLine(): string {
    const lines = this.buffer.toString("utf8").split("\n").map((l) => l.trim()).filter((l) => l !== "");
    const last = lines.at(-1) ?? "";
    return last.length > DETAIL_LINE_CHARS ? `${last.slice(0, DETAIL_LINE_CHARS)}…` : last;
  }
}

export class ExecProbe implements Probe {
  readonly kind = "exec";

  constructor(private readonly command: string) {}

  check(timeoutMs: number): Promise<ProbeResult> {
    const startedAt = performance.now();
    return new Promise((resolve) => {
      const stderr = new OutputTail();
      const stdout = new OutputTail();
      let settled = false;
      let drainTimer: NodeJS.Timeout | undefined;
      const child = spawn("/bin/sh", ["-c", this.command], { detached: true, stdio: ["ignore", "pipe", "pipe"] });

      const finish = (ok: boolean, detail: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        clearTimeout(drainTimer);
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve({ ok, latencyMs: elapsedSince(startedAt), detail });
      };
      const verdict = (code: number | null, signal: NodeJS.Signals | null): void => {
        // stderr says why a check failed; a check that only prints to stdout is explained by that.
        const line = stderr.lastLine() || stdout.lastLine();
        const how = signal ? `killed by ${signal}` : `exit ${code}`;
        finish(code === 0, line ? `${how}: ${line}` : how);
      };
      const deadline = setTimeout(() => {
        killGroup(child.pid);
        finish(false, `timed out after ${timeoutMs}ms`);
      }, timeoutMs);

      child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
      child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
      child.on("error", (err) => finish(false, `cannot run /bin/sh: ${errorDetail(err)}`));
      child.on("exit", (code, signal) => {
        drainTimer = setTimeout(() => verdict(code, signal), DRAIN_AFTER_EXIT_MS);
      });
      child.on("close", (code, signal) => verdict(code, signal));
    });
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
