// A Vigil server on HTTPS that requires agent authentication, with certificates from
// `vigil certs init`, for the TLS and enrollment e2e tests: the CLI, GETs that verify the
// server with the cluster CA, and agents started against it (stopped with the cluster).
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import assert from "node:assert/strict";
import { CLI, freePort, runCli, tempDir, waitFor, writeConfig, type VigilProcess } from "./harness.js";

export interface TlsCluster {
  dir: ReturnType<typeof tempDir>;
  /** https://127.0.0.1:PORT */
  base: string;
  cli(args: string[]): SpawnSyncReturns<string>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get(path: string): Promise<any>;
  nodeState(node: string): Promise<{ state: string; connected: boolean } | undefined>;
  /** An agent of `node` with its own data directory, stopped with the cluster. */
  agent(node: string, extra: string[]): VigilProcess & { dataDir: string };
  stop(): Promise<void>;
}

/** Certificates in `<dir>/certs` (`certsArgs` add e.g. `--agents node-a`), then the server; resolves once it answers. */
export async function startTlsCluster(o: { prefix: string; certsArgs?: string[] }): Promise<TlsCluster> {
  const dir = tempDir(o.prefix);
  const agents: VigilProcess[] = [];
  const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, VIGIL_LOG_LEVEL: "warn" }, timeout: 60_000 });
  const certs = join(dir.path, "certs");
  const made = cli(["certs", "init", "--dir", certs, ...(o.certsArgs ?? [])]);
  assert.equal(made.status, 0, made.stderr);
  const ca = readFileSync(join(certs, "ca.crt"));
  const port = await freePort();
  const base = `https://127.0.0.1:${port}`;
  const get = (path: string) =>
    new Promise((resolve, reject) => {
      const req = request(`${base}${path}`, { ca }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`GET ${path}: ${res.statusCode} ${body}`))));
      });
      req.on("error", reject);
      req.end();
    });
  const configFile = writeConfig(
    dir.path,
    `server:
  agentAuth: required
  tls: { cert: certs/server.crt, key: certs/server.key, ca: certs/ca.crt, clientCerts: optional }
`,
  );
  const server = runCli(["server", "--config", configFile, "--data", join(dir.path, "server"), "--listen", `127.0.0.1:${port}`]);
  const cluster: TlsCluster = {
    dir,
    base,
    cli,
    get,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    nodeState: async (node) => ((await get("/api/v1/nodes")) as any).nodes.find((n: { name: string }) => n.name === node),
    agent(node, extra) {
      const dataDir = join(dir.path, `agent-${node}-${agents.length}`);
      const p = runCli(["agent", "--server", base, "--node", node, "--data", dataDir, "--probe-listen", "127.0.0.1:0", ...extra]);
      agents.push(p);
      return { ...p, dataDir };
    },
    async stop() {
      for (const a of agents) await a.stop();
      await server.stop();
      dir.remove();
    },
  };
  try {
    await waitFor(async () => {
      if (server.proc.exitCode !== null) throw new Error(`vigil server exited: ${server.output()}`);
      return ((await get("/healthz")) as { status: string }).status === "ok";
    }, 30_000, "the HTTPS server to listen");
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
