// The command receiver kind: runs the declared program through /bin/sh -c in its own process
// group, with the notification (webhook v4 JSON) on stdin. Delivered = exit 0 within the
// timeout; on timeout the whole group is killed, so nothing the program started lingers.
import { spawn } from "node:child_process";
import type { ReceiverConfig } from "../../config/schema.js";
import { DeliveryError, type DeliveryContext, type Notifier } from "./notifier.js";
import type { WebhookPayload } from "./webhook-payload.js";

export type CommandConfig = NonNullable<ReceiverConfig["command"]>;

/** How much of stderr is kept (its end), and how many of its last lines go into an error. */
const STDERR_KEEP_BYTES = 16 * 1024;
const STDERR_LINES = 5;
const STDERR_CHARS = 500;
/**
 * After the program exits, how long to wait for its stderr to close: a background child
 * that inherited the pipe must not turn a finished delivery into a timeout.
 */
const STDIO_GRACE_MS = 200;

export class CommandNotifier implements Notifier {
  readonly kind = "command";

  constructor(
    private readonly receiverName: string,
    private readonly config: CommandConfig,
  ) {}

  send(notification: WebhookPayload, delivery?: DeliveryContext): Promise<void> {
    return runCommand(this.config, JSON.stringify(notification), {
      VIGIL_RECEIVER: this.receiverName,
      VIGIL_STATUS: notification.status,
      ...(delivery !== undefined && {
        VIGIL_NOTIFICATION_KEY: delivery.key,
        VIGIL_ATTEMPT: String(delivery.attempt),
      }),
    });
  }
}

/** Runs `config.command` with `input` on stdin; resolves on exit 0, rejects with a DeliveryError otherwise. */
export function runCommand(config: CommandConfig, input: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", config.command], {
      detached: true, // its own process group: the timeout kills everything it started
      stdio: ["pipe", "ignore", "pipe"],
      env: { ...process.env, ...env },
    });
    let stderr = Buffer.alloc(0);
    let settled = false;
    let timedOut = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let graceTimer: NodeJS.Timeout | undefined;

    const finish = (error: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(graceTimer);
      child.stderr?.destroy();
      if (error === null) resolve();
      else reject(new DeliveryError(error, { retryable: true }));
    };
    const outcome = (): void => {
      if (exit === null) return;
      const tail = lastLines(stderr);
      const detail = tail ? `; stderr: ${tail}` : "";
      if (timedOut) finish(`command timed out after ${config.timeout}ms (process group killed)${detail}`);
      else if (exit.code === 0) finish(null);
      else if (exit.code !== null) finish(`command exited with code ${exit.code}${detail}`);
      else finish(`command was killed by ${exit.signal}${detail}`);
    };

    const deadline = setTimeout(() => {
      if (exit !== null) return outcome(); // exited in time; only its stderr was still open
      timedOut = true;
      killGroup(child.pid);
    }, config.timeout);

    child.on("error", (err) => finish(`command could not be started: ${err.message}`));
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > STDERR_KEEP_BYTES) stderr = stderr.subarray(stderr.length - STDERR_KEEP_BYTES);
    });
    child.on("exit", (code, signal) => {
      exit = { code, signal };
      graceTimer = setTimeout(outcome, STDIO_GRACE_MS);
    });
    child.on("close", outcome);

    // A program that does not read its stdin closes the pipe early (EPIPE): not a failure by itself.
    child.stdin?.on("error", () => {});
    child.stdin?.end(input);
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** The last few non-empty lines of stderr, on one line, bounded in length. */
function lastLines(stderr: Buffer): string {
  const lines = stderr
    .toString("utf8")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const tail = lines.slice(-STDERR_LINES).join(" | ");
  return tail.length > STDERR_CHARS ? `…${tail.slice(tail.length - STDERR_CHARS)}` : tail;
}
