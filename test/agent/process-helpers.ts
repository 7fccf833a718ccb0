// Helpers for agent tests that use real processes and sockets: free ports, child servers,
// polling with generous bounds, and cleanup that never throws.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export { freePort } from "../fixtures/ports.js";

/** A node one-liner HTTP server answering "ok:<pid>" on 127.0.0.1:port (keep-alive on, Node's default). */
export function httpServerScript(port: number): string {
  return `require('http').createServer((q, s) => s.end('ok:' + process.pid)).listen(${port}, '127.0.0.1', () => console.log('listening'))`;
}

/** Spawns the one-liner server as a separate process and resolves once it listens. */
export async function spawnHttpServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["-e", httpServerScript(port)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("listening")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`test server exited early with code ${code}`)));
    child.once("error", reject);
  });
  return child;
}

export function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 20 ms until it holds; fails after `timeoutMs` naming `what`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Alive and not a zombie (orphans here may wait a while for pid 1 to reap them). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

export function killQuietly(pid: number | undefined | null, signal: NodeJS.Signals = "SIGKILL"): void {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `vigil-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Starts `sleep <seconds>` that is NOT a child of this process (its shell parent exits, so
 * it is reparented): the situation of a process the agent adopts from a pidfile.
 */
export async function spawnOrphanSleep(seconds = 30): Promise<number> {
  const shell = spawn("/bin/sh", ["-c", `sleep ${seconds} >/dev/null 2>&1 & echo $!`], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  shell.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  await waitForExit(shell);
  const pid = Number(out.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`could not start an orphan sleep: got "${out}"`);
  return pid;
}
