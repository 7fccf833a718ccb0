// `vigil demo [--chaos [--every 60s]]`: starts the demo cluster (src/demo/), prints where to
// watch it, optionally injects a random fault every --every, and on Ctrl-C stops
// everything: agents, services, faults, the server, network namespaces.
import { pickDemoFault } from "../demo/chaos-schedule.js";
import { startDemoCluster } from "../demo/demo-cluster.js";
import { parseDuration } from "../util/duration.js";

export interface DemoFlags {
  listen?: string;
  data?: string;
  chaos?: boolean;
  every?: string;
  loopback?: boolean;
}

export async function demoCommand(flags: DemoFlags): Promise<number> {
  const everyMs = flags.every === undefined ? 60_000 : parseDuration(flags.every);
  if (everyMs === null || everyMs < 1000) {
    console.error(`vigil demo: --every "${flags.every}" is not a duration of at least 1s (e.g. 60s)`);
    return 2;
  }
  const cluster = await startDemoCluster({
    ...(flags.listen !== undefined && { listen: flags.listen }),
    ...(flags.data !== undefined && { dataDir: flags.data }),
    namespaces: !flags.loopback,
    log: (line) => console.log(line),
  });
  console.log(`Vigil demo is running: ${cluster.url}  (network: ${cluster.network})`);
  if (cluster.token) {
    console.log(`  operator token (sign in to the dashboard with it; the commands below take it from $VIGIL_TOKEN):`);
    console.log(`    export VIGIL_TOKEN=${cluster.token}`);
  }
  console.log(`  services: web → api → (cache, db); worker → queue → db; db has a standby on node-b`);
  console.log(`  try: vigil status --server ${cluster.url}`);
  console.log(`       vigil chaos kill --target db --server ${cluster.url}`);
  console.log(`       vigil gameday gamedays/basic.yaml --server ${cluster.url}`);
  let timer: NodeJS.Timeout | null = null;
  if (flags.chaos) {
    // Partition only works on namespaced agents; the demo knows whether it made them.
    const partition = cluster.network === "network namespaces";
    console.log(`  chaos: a random fault every ${everyMs / 1000}s`);
    timer = setInterval(() => {
      const f = pickDemoFault(Math.random, { partition });
      const auth: Record<string, string> = cluster.token ? { authorization: `Bearer ${cluster.token}` } : {};
      fetch(`${cluster.url}/api/v1/chaos`, { method: "POST", headers: { "content-type": "application/json", ...auth }, body: JSON.stringify(f) })
        .then(async (r) => console.log(`chaos: ${f.fault} on ${f.target} for ${f.duration}: ${r.status < 300 ? "injected" : `refused (${((await r.json()) as { error?: string }).error})`}`))
        .catch((err: Error) => console.log(`chaos: ${f.fault} on ${f.target}: ${err.message}`));
    }, everyMs);
  }
  console.log("Ctrl-C stops everything.");
  await new Promise<void>((resolveSignal) => {
    process.once("SIGINT", () => resolveSignal());
    process.once("SIGTERM", () => resolveSignal());
  });
  if (timer) clearInterval(timer);
  console.log("stopping the demo: agents and their services, the server, network namespaces ...");
  await cluster.stop();
  console.log("stopped.");
  return 0;
}
