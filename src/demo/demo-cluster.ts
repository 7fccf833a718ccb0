// Runs the demo cluster: a server and three agents (node-a, node-b, node-c) as separate
// processes — each in its own network namespace when run as root with iproute2 (the lab of
// netns-lab.ts, which `partition` needs), else on loopback — with the demo's services
// supervised by the agents. stop() takes everything down: agents (which stop their
// services and revert their faults), the server, the namespaces, a temporary data dir.
// In namespaces the server listens beyond loopback, so the demo is set up like a real
// cluster on a private network: an operator API token (printed for the dashboard's login),
// one enrollment token per agent, and plain HTTP on the lab's own bridge (--insecure).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createLab, netnsUnavailableReason, type Lab } from "./netns-lab.js";
import { DEMO_NODES, demoConfigYaml, type DemoNode } from "./demo-config.js";

const CLI = fileURLToPath(new URL("../cli/main.js", import.meta.url));
const SERVICE_SCRIPT = fileURLToPath(new URL("./services/demo-service.js", import.meta.url));

export interface DemoClusterOptions {
  /** HTTP address of the server on loopback (default 127.0.0.1:7070). */
  listen?: string;
  /** Data root; default a temporary directory that stop() removes. */
  dataDir?: string;
  /** Use network namespaces when possible (default true). */
  namespaces?: boolean;
  log?(line: string): void;
  /** Service ports are basePort + 1..6, proxies + 101..106 (default 7400). */
  basePort?: number;
  /** Only these services (tests). */
  only?: readonly string[];
  extraConfig?: Record<string, unknown>;
  /** Environment for the server and agents (log level). */
  env?: Record<string, string>;
}

export interface DemoCluster {
  /** Where the server's API answers from this (the host's) namespace. */
  url: string;
  /** An operator API token when the server listens beyond loopback (namespaces), else null: the API is open on loopback. */
  token: string | null;
  /** "network namespaces" or "loopback (<why>)". */
  network: string;
  dataDir: string;
  configFile: string;
  /** Restarts one agent (e.g. after killing it). */
  agents: Record<DemoNode, { proc: ChildProcess; restart(): void }>;
  stop(): Promise<void>;
}

const PORT_IN_LAB = 7070;

export async function startDemoCluster(o: DemoClusterOptions = {}): Promise<DemoCluster> {
  const log = o.log ?? (() => undefined);
  const temporary = o.dataDir === undefined;
  const dataDir = resolve(o.dataDir ?? mkdtempSync(join(tmpdir(), "vigil-demo-")));
  mkdirSync(dataDir, { recursive: true });
  const why = o.namespaces === false ? "asked for loopback" : netnsUnavailableReason();
  let lab: Lab | null = null;
  if (why === null) lab = createLab(["server", ...DEMO_NODES], { managementHost: "server" });
  const processes: ChildProcess[] = [];
  const launcher = (host: string): string[] => (lab ? lab.launcher(host) : []);
  const env = { ...process.env, ...o.env };

  const run = (host: string, args: string[], logName: string): ChildProcess => {
    const out = openSync(join(dataDir, `${logName}.log`), "a");
    const command = [...launcher(host), process.execPath, CLI, ...args];
    const child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", out, out], env });
    processes.push(child);
    lab?.adopt(child);
    return child;
  };

  const listen = lab ? `0.0.0.0:${PORT_IN_LAB}` : (o.listen ?? "127.0.0.1:7070");
  const url = lab ? `http://${lab.management.remoteIp}:${PORT_IN_LAB}` : `http://${listen}`;
  const agentServer = lab ? `http://${lab.hosts.server!.ip}:${PORT_IN_LAB}` : url;
  const addressOf = Object.fromEntries(DEMO_NODES.map((n) => [n, lab ? lab.hosts[n]!.ip : "127.0.0.1"])) as Record<DemoNode, string>;
  const configFile = join(dataDir, "vigil.yaml");
  writeFileSync(configFile, demoConfigYaml({ addressOf, serviceScript: SERVICE_SCRIPT, dataDir, listen, ...(o.only && { only: o.only }), ...(o.basePort !== undefined && { basePort: o.basePort }), ...(o.extraConfig && { extra: o.extraConfig }) }));

  const stop = async (): Promise<void> => {
    const agentsGone = processes.slice(1).map((p) => stopProcess(p, 15_000));
    await Promise.all(agentsGone);
    if (processes[0]) await stopProcess(processes[0], 15_000);
    lab?.destroy();
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const serverData = join(dataDir, "server");
    const token = lab ? makeToken(["--role", "operator", "--name", "demo"], serverData) : null;
    const server = run("server", ["server", "--config", configFile, "--data", serverData, "--listen", listen, ...(lab ? ["--insecure"] : [])], "server");
    await waitForHealthz(url, server, 30_000);
    log(`server: ${url} (${lab ? "network namespaces" : `loopback: ${why}`}); logs and data in ${dataDir}`);
    const agents = {} as DemoCluster["agents"];
    for (const node of DEMO_NODES) {
      // Spent on the first connect for the agent's credential, which a restarted agent reuses.
      const enrollment = lab ? ["--insecure", "--enroll-token", makeToken(["--agent", node], serverData)] : [];
      const start = () => run(node, ["agent", "--server", agentServer, "--node", node, "--data", join(dataDir, `agent-${node}`), ...enrollment], `agent-${node}`);
      const entry = { proc: start(), restart: () => void (entry.proc = start()) };
      agents[node] = entry;
    }
    return { url, token, network: lab ? "network namespaces" : `loopback (${why})`, dataDir, configFile, agents, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** `vigil token create ARGS --data DIR`: the token it prints. */
function makeToken(args: string[], dataDir: string): string {
  const made = spawnSync(process.execPath, [CLI, "token", "create", ...args, "--data", dataDir], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`vigil token create ${args.join(" ")} failed: ${made.stderr.trim()}`);
  return made.stdout.trim();
}

async function waitForHealthz(url: string, proc: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`the demo server exited with code ${proc.exitCode} (see its log)`);
    if (await fetch(`${url}/healthz`).then((r) => r.ok).catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the demo server did not answer ${url}/healthz within ${timeoutMs} ms`);
}

function stopProcess(p: ChildProcess, timeoutMs: number): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.once("exit", () => {
      clearTimeout(timer);
      resolveStop();
    });
    p.kill("SIGTERM");
  });
}
