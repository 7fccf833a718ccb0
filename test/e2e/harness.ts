// End-to-end test harness: runs `vigil server` and `vigil agent` as real processes (the
// built CLI), a real webhook receiver, and polls the HTTP API until conditions hold.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, freePorts } from "../fixtures/ports.js";

export { freePort };

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const CLI = join(REPO_ROOT, "dist/src/cli/main.js");
export const HTTP_SERVICE = join(REPO_ROOT, "test/fixtures/http-service.mjs");

export function tempDir(prefix = "vigil-e2e-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface VigilProcess {
  proc: ChildProcess;
  output(): string;
  /** Sends the signal and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** How long stop() waits for a process to exit before killing it and failing. */
const STOP_TIMEOUT_MS = 30_000;

/**
 * Runs the built CLI with `args`. `launcher` is a command the CLI runs under, e.g.
 * `["ip", "netns", "exec", NS]` to run it inside a network namespace; `nodeArgs` go to node
 * itself (e.g. `--cpu-prof`).
 */
export function runCli(args: string[], env: Record<string, string> = {}, launcher: string[] = [], nodeArgs: string[] = []): VigilProcess {
  const command = [...launcher, process.execPath, ...nodeArgs, CLI, ...args];
  const proc = spawn(command[0]!, command.slice(1), {
    env: { ...process.env, VIGIL_LOG_LEVEL: process.env.VIGIL_TEST_LOG_LEVEL ?? "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  return {
    proc,
    output: () => out,
    stop: async (signal = "SIGTERM") => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      // A process that does not stop must fail the test, not hang the suite.
      let timer: NodeJS.Timeout | undefined;
      const stuck = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), STOP_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
      if (stuck) {
        proc.kill("SIGKILL");
        await exited;
        throw new Error(`vigil ${args[0]} (pid ${proc.pid}) did not exit within ${STOP_TIMEOUT_MS} ms of ${signal}; killed it. Output:\n${out.slice(-4000)}`);
      }
    },
  };
}

export async function startServer(options: { configFile: string; dataDir: string; port: number }): Promise<VigilProcess & { url: string }> {
  const p = runCli(["server", "--config", options.configFile, "--data", options.dataDir, "--listen", `127.0.0.1:${options.port}`]);
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitFor(async () => (await fetch(`${url}/healthz`).then((r) => r.ok).catch(() => false)) || exitedEarly(p), 20_000, "server to listen");
  } catch (err) {
    // Not left running (and holding the test's after() hooks) when it never came up.
    p.proc.kill("SIGKILL");
    throw new Error(`${(err as Error).message}; server output:\n${p.output().slice(-4000)}`);
  }
  if (p.proc.exitCode !== null) throw new Error(`vigil server exited: ${p.output()}`);
  return { ...p, url };
}

export function startAgent(options: { server: string; node: string; dataDir: string }): VigilProcess {
  return runCli(["agent", "--server", options.server, "--node", options.node, "--data", options.dataDir]);
}

function exitedEarly(p: VigilProcess): boolean {
  return p.proc.exitCode !== null;
}

export function writeConfig(dir: string, yaml: string): string {
  const file = join(dir, "vigil.yaml");
  writeFileSync(file, yaml);
  return file;
}

/** Polls `check` every 50 ms until it returns a truthy value; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** GET through the API, with the token in $VIGIL_TOKEN when there is one (as the CLI does). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function api(base: string, path: string): Promise<any> {
  const token = process.env.VIGIL_TOKEN;
  const res = await fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}: ${await res.text()}`);
  return res.json();
}

export interface WebhookReceiver {
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  payloads: any[];
  down(): void;
  up(): void;
  /** Requests answered 503 while down. */
  refused(): number;
  close(): Promise<void>;
}

/**
 * A real HTTP receiver that records every JSON body POSTed to it; with `down()`, it answers
 * 503 (and records nothing) until `up()`. It listens on `host` (default 127.0.0.1);
 * `onPayload` sees each recorded body with its arrival time (performance.now()).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function startWebhookReceiver(o: { host?: string; onPayload?(payload: any, arrivedAt: number): void } = {}): Promise<WebhookReceiver> {
  const host = o.host ?? "127.0.0.1";
  const payloads: unknown[] = [];
  let available = true;
  let refused = 0;
  const server = createHttpServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const arrivedAt = performance.now();
      if (!available) {
        refused++;
        res.statusCode = 503;
        res.end("down for maintenance");
        return;
      }
      const payload = JSON.parse(body);
      payloads.push(payload);
      o.onPayload?.(payload, arrivedAt);
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://${host}:${port}/hook`,
    payloads: payloads as never[],
    down: () => void (available = false),
    up: () => void (available = true),
    refused: () => refused,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The service's current record from the API. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function serviceState(base: string, name: string): Promise<any> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (await api(base, "/api/v1/services")).services.find((s: any) => s.name === name);
}

/** True when `kinds` contains `expected` as a subsequence (in this order, others may be between). */
export function inOrder(kinds: string[], expected: string[]): boolean {
  let i = 0;
  for (const k of kinds) if (k === expected[i]) i++;
  return i === expected.length;
}

export interface Cluster {
  dir: { path: string; remove(): void };
  hook: WebhookReceiver;
  /** The running server; replaced by restartServer(). */
  server: VigilProcess & { url: string };
  agents: Record<string, VigilProcess>;
  /** Stops the server with `signal` and starts it again on the same port, config and data. */
  restartServer(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A server and one agent per node as real processes, with a webhook receiver whose URL
 * the config can use; waits until the `healthy` services are healthy.
 */
export async function startCluster(o: { config: (hookUrl: string) => string | Promise<string>; nodes?: string[]; healthy?: string[] }): Promise<Cluster> {
  const dir = tempDir();
  const hook = await startWebhookReceiver();
  const configFile = writeConfig(dir.path, await o.config(hook.url));
  const port = await freePort();
  const serverOptions = { configFile, dataDir: join(dir.path, "server"), port };
  const cluster: Cluster = {
    dir,
    hook,
    server: await startServer(serverOptions),
    agents: {},
    async restartServer(signal = "SIGTERM") {
      await cluster.server.stop(signal);
      cluster.server = await startServer(serverOptions);
    },
    async stop() {
      for (const agent of Object.values(cluster.agents)) await agent.stop();
      await cluster.server.stop();
      await hook.close();
      dir.remove();
    },
  };
  for (const node of o.nodes ?? ["node-1"]) {
    cluster.agents[node] = startAgent({ server: cluster.server.url, node, dataDir: join(dir.path, node) });
  }
  try {
    for (const name of o.healthy ?? []) {
      await waitFor(async () => (await serviceState(cluster.server.url, name))?.health === "healthy", 30_000, `${name} healthy`);
    }
  } catch (err) {
    const services = await api(cluster.server.url, "/api/v1/services").catch((e: Error) => e.message);
    const outputs = Object.entries(cluster.agents).map(([node, agent]) => `--- agent ${node}:\n${agent.output().slice(-2000)}`);
    await cluster.stop().catch(() => undefined);
    throw new Error(
      `${(err as Error).message}\nservices: ${JSON.stringify(services)}\n--- server:\n${cluster.server.output().slice(-2000)}\n${outputs.join("\n")}`,
    );
  }
  return cluster;
}

/**
 * A base port B such that B+1..B+6 and B+101..B+106 are free (the demo services' ports and
 * their proxies' when the demo config is given basePort B).
 */
export function freePortBlock(): Promise<number> {
  return freePorts([1, 2, 3, 4, 5, 6, 101, 102, 103, 104, 105, 106]);
}
