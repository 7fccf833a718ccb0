// The demo cluster's system and its vigil.yaml (pure): six real HTTP services with
// dependencies — web → api → (cache, db); worker → queue → db — spread over node-a, node-b
// and node-c; db keeps a data directory with snapshots and has a standby on node-b; cache
// and db sit behind the agents' TCP proxies, which their dependents and health checks go
// through (so latency and drop faults are seen as their clients see them).
import { stringify } from "yaml";

export const DEMO_NODES = ["node-a", "node-b", "node-c"] as const;
export type DemoNode = (typeof DEMO_NODES)[number];

export interface DemoServiceSpec {
  name: string;
  node: DemoNode;
  port: number;
  dependsOn: string[];
  /** The port of the agent's proxy in front of it (dependents connect there). */
  proxyPort?: number;
  standby?: DemoNode;
  /** Keeps a data directory (snapshotted). */
  data?: boolean;
}

export const DEMO_SERVICES: readonly DemoServiceSpec[] = [
  { name: "web", node: "node-a", port: 7401, dependsOn: ["api"] },
  { name: "api", node: "node-a", port: 7402, dependsOn: ["cache", "db"] },
  { name: "cache", node: "node-b", port: 7403, dependsOn: [], proxyPort: 7503 },
  { name: "queue", node: "node-b", port: 7405, dependsOn: ["db"] },
  { name: "db", node: "node-c", port: 7404, dependsOn: [], proxyPort: 7504, standby: "node-b", data: true },
  { name: "worker", node: "node-c", port: 7406, dependsOn: ["queue"] },
];

export interface DemoConfigOptions {
  /** Where each node's services are reached by the others (its lab address, or 127.0.0.1). */
  addressOf: Record<DemoNode, string>;
  /** Absolute path of the built demo service (dist/src/demo/services/demo-service.js). */
  serviceScript: string;
  /** The demo's data root: db's data directory lives under it. */
  dataDir: string;
  /** Where the server listens. */
  listen: string;
  /** Ports are basePort + 1..6 for the services and + 101..106 for the proxies (default 7400). */
  basePort?: number;
  /** Services to leave out (tests run a smaller system). */
  only?: readonly string[];
  /** The nodes that run agents (default all three): a standby on a node not listed is left out. */
  nodes?: readonly DemoNode[];
  /** Extra top-level settings merged in (tests: notify receivers). */
  extra?: Record<string, unknown>;
}

const MB = 1_000_000;

export function demoConfig(o: DemoConfigOptions): Record<string, unknown> {
  const shift = (o.basePort ?? 7400) - 7400;
  const specs = DEMO_SERVICES.filter((s) => !o.only || o.only.includes(s.name)).map((s) => ({
    ...s,
    port: s.port + shift,
    ...(s.proxyPort !== undefined && { proxyPort: s.proxyPort + shift }),
    standby: s.standby && (!o.nodes || o.nodes.includes(s.standby)) ? s.standby : undefined,
  }));
  const byName = new Map(specs.map((s) => [s.name, s]));
  const reach = (s: DemoServiceSpec): string => {
    const port = s.proxyPort ?? s.port;
    const nodes = [s.node, ...(s.standby ? [s.standby] : [])];
    return [...new Set(nodes.map((n) => `${o.addressOf[n]}:${port}`))].join("|");
  };
  const services = specs.map((s) => {
    const deps = s.dependsOn.filter((d) => byName.has(d));
    const dataPath = `${o.dataDir}/db-data`;
    return {
      name: s.name,
      node: s.node,
      run: {
        command: `${process.execPath} ${o.serviceScript}`,
        env: {
          SERVICE: s.name,
          PORT: String(s.port),
          DEPS: deps.map((d) => `${d}=${reach(byName.get(d)!)}`).join(","),
          TRAFFIC_MS: "500",
          ...(s.data && { DATA: dataPath }),
        },
        stopTimeout: "2s",
      },
      // Through the proxy where there is one: the check sees what dependents see.
      health: { http: `http://127.0.0.1:${s.proxyPort ?? s.port}/healthz`, interval: "500ms", timeout: "400ms", failures: 2, startPeriod: "5s" },
      dependsOn: deps,
      limits: { memory: 160 * MB, fds: 1024, cpu: 1 },
      ...(s.proxyPort !== undefined && { proxy: { listen: `0.0.0.0:${s.proxyPort}`, upstream: `127.0.0.1:${s.port}` } }),
      ...(s.standby && { standby: [s.standby] }),
      ...(s.data && { snapshot: { path: dataPath, every: "10s", keep: 3 } }),
    };
  });
  return {
    server: { listen: o.listen, data: `${o.dataDir}/server` },
    agent: { collectInterval: "500ms" },
    services,
    playbooks: {
      default: {
        steps: [
          { do: "failover", when: { cause: "node-down" } },
          { verify: { healthyFor: "2s", within: "20s" } },
          { do: "kill", when: { cause: "hang" } },
          { verify: { healthyFor: "2s", within: "20s" } },
          "restart",
          { verify: { healthyFor: "2s", within: "20s" } },
          "escalate",
        ],
        // Generous: the demo takes repeated faults by design (--chaos, game days run back to back).
        limits: { attempts: 10, within: "10m", backoff: { initial: "2s", max: "10s" } },
      },
    },
    incidents: { dependentGrace: "5s" },
    rules: [
      { name: "ServiceCpuHigh", metric: "service_cpu_usage_ratio", above: 0.7, for: "3s", severity: "warning", summary: "{{ $labels.service }} uses {{ $value }} cores" },
      { name: "ServiceFdsNearLimit", metric: "service_open_fds", above: 900, for: "2s", severity: "warning", summary: "{{ $labels.service }} holds {{ $value }} open files" },
    ],
    ...o.extra,
  };
}

export function demoConfigYaml(o: DemoConfigOptions): string {
  return `# The Vigil demo cluster (generated by vigil demo)\n${stringify(demoConfig(o))}`;
}
