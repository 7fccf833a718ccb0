// A real `vigil server` process for a benchmark: a config written into `dir`, its data there,
// a free port on 127.0.0.1, node options for profiling; resolves once it answers /healthz.
import { join } from "node:path";
import { freePort, runCli, waitFor, writeConfig, type VigilProcess } from "../../test/e2e/harness.js";

export interface BenchServer {
  server: VigilProcess;
  port: number;
  url: string;
  pid: number;
}

export async function startBenchServer(dir: string, config: string, nodeArgs: string[]): Promise<BenchServer> {
  const port = await freePort();
  const configFile = writeConfig(dir, config);
  const server = runCli(["server", "--config", configFile, "--data", join(dir, "server"), "--listen", `127.0.0.1:${port}`], {}, [], nodeArgs);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (server.proc.exitCode !== null) throw new Error(`vigil server exited: ${server.output()}`);
      return (await fetch(`${url}/healthz`)).ok;
    },
    20_000,
    "the server to listen",
  );
  return { server, port, url, pid: server.proc.pid! };
}
