// Scripted fault scenarios with a known root and cause, for the localization test and the
// benchmark. Each builds a simulated cluster (scenario-world.ts), injects one fault the way
// it would really show (fault-injections.ts), adds the noise real clusters have (weak probe
// blips on healthy services, noisy metrics on components that are not at fault, victims
// whose probes notice first) and records what the localizer should answer. Base levels,
// noise, probe intervals and delays are drawn from each scenario's seed, not hand-set.
import type { ComponentId } from "../../../src/incident/localization/component.js";
import type { Cause } from "../../../src/incident/localization/causes/cause.js";
import type { LocalizationInput } from "../../../src/incident/localization/localize.js";
import type { Topology } from "../../../src/incident/localization/topology-graph.js";
import type { Labels } from "../../../src/tsdb/series-store.js";
import {
  cpuBurn,
  crash,
  crashLoop,
  diskFill,
  fdLeak,
  GB,
  hang,
  memoryLeak,
  MB,
  networkErrors,
  nodeCpuStarvation,
  nodeDown,
} from "./fault-injections.js";
import { nodeId, ScenarioWorld, serviceId, type WorldOptions } from "./scenario-world.js";

export interface FaultScenario {
  name: string;
  description: string;
  input: LocalizationInput;
  now: number;
  expected: { root: ComponentId; cause: Cause; alsoIndependent?: ComponentId[] };
  /** Set when the localizer is known to get it wrong: why. The test reports it as a todo. */
  knownMiss?: string;
}

/** db ← api ← web: web and api on node-a, db on node-b. */
const CHAIN: Topology = {
  services: [
    { name: "web", node: "node-a", dependsOn: ["api"] },
    { name: "api", node: "node-a", dependsOn: ["db"] },
    { name: "db", node: "node-b" },
  ],
};

/** A small shop: frontend needs cart, catalog and payments; they need db (and cart needs redis). */
const SHOP: Topology = {
  services: [
    { name: "frontend", node: "node-a", dependsOn: ["cart", "catalog", "payments"] },
    { name: "catalog", node: "node-a", dependsOn: ["db"] },
    { name: "cart", node: "node-b", dependsOn: ["redis", "db"] },
    { name: "payments", node: "node-b", dependsOn: ["db"] },
    { name: "db", node: "node-c" },
    { name: "redis", node: "node-c" },
  ],
};

/** auth and users call each other (a cycle); gateway needs auth; users needs its db. */
const CYCLE: Topology = {
  services: [
    { name: "gateway", node: "node-a", dependsOn: ["auth"] },
    { name: "auth", node: "node-a", dependsOn: ["users"] },
    { name: "users", node: "node-b", dependsOn: ["auth", "userdb"] },
    { name: "userdb", node: "node-b" },
  ],
};

const SINGLE: Topology = { services: [{ name: "app", node: "node-a" }] };

const T0 = Date.UTC(2026, 2, 14, 14, 0, 0);

interface Recipe {
  name: string;
  description: string;
  topology: Topology;
  seed: number;
  world?: Partial<WorldOptions>;
  /** Injects the fault (and any noise) and returns the root's first signal. */
  inject(w: ScenarioWorld): number;
  expected: FaultScenario["expected"];
  knownMiss?: string;
}

// ---- noise that real clusters have --------------------------------------------------

/** One slow probe on each of these healthy services, at random times within ±10 min of `around`. */
function probeBlips(w: ScenarioWorld, services: string[], around: number): void {
  for (const s of services) {
    w.note(serviceId(s), w.evidence("probe-slow", `probe took ${Math.round(w.uniform(400, 900))}ms`, Math.round(around + w.uniform(-600_000, 600_000))));
  }
}

/** Replaces a healthy component's series by a very noisy one around its usual level (a batch job, a bursty client). */
function noisyMetric(w: ScenarioWorld, metric: string, labels: Labels, relative: number, cap = Infinity): void {
  w.modify(metric, labels, (prev) => {
    let level: number | null = null;
    const n = w.noisy(1, relative, 0);
    return (t) => {
      const v = prev(t);
      if (v === null) return null;
      level ??= v;
      return Math.min(cap, level * n(t)!);
    };
  });
}

/** A service whose probe runs every 30 s while the others probe every second: its victims notice first. */
const slowProbe = (root: string, others: string[]): Record<string, number> =>
  Object.fromEntries([[root, 30_000], ...others.map((o) => [o, 1000] as const)]);

const RECIPES: Recipe[] = [
  {
    name: "crash-single",
    description: "the only service exits with code 1",
    topology: SINGLE,
    seed: 1,
    inject: (w) => crash(w, "app", { code: 1 }),
    expected: { root: "service:app", cause: "crash" },
  },
  {
    name: "crash-chain-db",
    description: "db crashes; api and web fail behind it, and their 1 s probes notice before db's 30 s probe",
    topology: CHAIN,
    seed: 2,
    world: { probeIntervalMs: slowProbe("db", ["api", "web"]) },
    inject: (w) => crash(w, "db", { signal: "SIGSEGV" }),
    expected: { root: "service:db", cause: "crash" },
  },
  {
    name: "crash-noisy-node-cpu",
    description: "db crashes on a node whose CPU is always busy and bursty (a batch job): the process exit decides",
    topology: CHAIN,
    seed: 3,
    inject: (w) => {
      noisyMetric(w, "node_cpu_usage_ratio", { node: "node-b" }, 0.35, 1);
      return crash(w, "db", { code: 137 });
    },
    expected: { root: "service:db", cause: "crash" },
  },
  {
    name: "crash-shop-cart-blips",
    description: "cart crashes; frontend fails behind it; slow probe blips on healthy catalog, payments and redis",
    topology: SHOP,
    seed: 4,
    inject: (w) => {
      probeBlips(w, ["catalog", "payments", "redis"], w.faultAt);
      return crash(w, "cart", { code: 1 });
    },
    expected: { root: "service:cart", cause: "crash" },
  },
  {
    name: "memory-leak-oom-declared",
    description: "db leaks to its declared 1 GB limit over 12 min and is OOM-killed; web and api fail behind it",
    topology: CHAIN,
    seed: 5,
    world: { limits: { db: { memoryBytes: 1 * GB } } },
    inject: (w) => memoryLeak(w, "db", { durationMs: 12 * 60_000, limitBytes: 1 * GB, outcome: "oom" }),
    expected: { root: "service:db", cause: "memory" },
  },
  {
    name: "memory-leak-node-memory",
    description: "cart leaks with no declared limit until node-b (4 GB) runs out; GC thrash makes its probes time out",
    topology: SHOP,
    seed: 6,
    world: { nodeMemoryBytes: { "node-b": 4 * GB } },
    inject: (w) => memoryLeak(w, "cart", { durationMs: 15 * 60_000, limitBytes: 4 * GB * 0.55, endFraction: 0.99, outcome: "timeouts" }),
    expected: { root: "service:cart", cause: "memory" },
  },
  {
    name: "memory-leak-gc-thrash-api",
    description: "api leaks to its 512 MB limit; in the last two minutes GC burns CPU too (memory rose first); probes time out",
    topology: CHAIN,
    seed: 7,
    world: { limits: { api: { memoryBytes: 512 * MB } } },
    inject: (w) => memoryLeak(w, "api", { durationMs: 8 * 60_000, limitBytes: 512 * MB, outcome: "timeouts" }),
    expected: { root: "service:api", cause: "memory" },
  },
  {
    name: "memory-leak-noisy-neighbours",
    description: "db leaks and is OOM-killed; web's CPU and api's RSS are very noisy but healthy",
    topology: CHAIN,
    seed: 8,
    world: { limits: { db: { memoryBytes: 2 * GB } } },
    inject: (w) => {
      noisyMetric(w, "service_cpu_usage_ratio", { service: "web", node: "node-a" }, 0.6);
      noisyMetric(w, "service_memory_rss_bytes", { service: "api", node: "node-a" }, 0.2);
      return memoryLeak(w, "db", { durationMs: 20 * 60_000, limitBytes: 2 * GB, outcome: "oom" });
    },
    expected: { root: "service:db", cause: "memory" },
  },
  {
    name: "disk-fill-db-errors",
    description: "/data on node-b fills in 10 min; db answers HTTP 500; api and web fail behind it",
    topology: CHAIN,
    seed: 9,
    inject: (w) => diskFill(w, "db", { durationMs: 10 * 60_000, outcome: "errors" }),
    expected: { root: "service:db", cause: "disk" },
  },
  {
    name: "disk-fill-db-exits",
    description: "/data on node-c fills; db exits with code 1 (ENOSPC): the exit is the symptom, the disk the cause",
    topology: SHOP,
    seed: 10,
    inject: (w) => diskFill(w, "db", { durationMs: 6 * 60_000, outcome: "exit" }),
    expected: { root: "service:db", cause: "disk" },
  },
  {
    name: "disk-fill-early-blip",
    description: "redis' disk fills; frontend had a slow probe minutes before anything; catalog's open fds are noisy",
    topology: SHOP,
    seed: 11,
    inject: (w) => {
      w.note(serviceId("frontend"), w.evidence("probe-slow", "probe took 850ms", w.faultAt + 4 * 60_000));
      noisyMetric(w, "service_open_fds", { service: "catalog", node: "node-a" }, 0.4);
      return diskFill(w, "redis", { durationMs: 7 * 60_000, outcome: "errors" });
    },
    expected: { root: "service:redis", cause: "disk" },
  },
  {
    name: "cpu-burn-catalog",
    description: "catalog's process pegs a core in a hot loop; its probes time out 40 s later; frontend fails behind it",
    topology: SHOP,
    seed: 12,
    inject: (w) => cpuBurn(w, "catalog", { delayMs: 40_000 }),
    expected: { root: "service:catalog", cause: "cpu" },
  },
  {
    name: "cpu-starved-node",
    description: "a runaway job outside Vigil's services saturates node-c; redis starves and times out; cart and frontend follow",
    topology: SHOP,
    seed: 13,
    inject: (w) => nodeCpuStarvation(w, "redis", { delayMs: 30_000 }),
    expected: { root: "service:redis", cause: "cpu" },
  },
  {
    name: "cpu-burn-single",
    description: "app burns a core; nothing depends on it",
    topology: SINGLE,
    seed: 14,
    inject: (w) => cpuBurn(w, "app", { delayMs: 20_000 }),
    expected: { root: "service:app", cause: "cpu" },
  },
  {
    name: "fd-leak-declared-limit",
    description: "payments leaks sockets up to its 1024 open-files limit; accept() fails with EMFILE",
    topology: SHOP,
    seed: 15,
    world: { limits: { payments: { fds: 1024 } } },
    inject: (w) => fdLeak(w, "payments", { durationMs: 9 * 60_000, limit: 1024 }),
    expected: { root: "service:payments", cause: "fds" },
  },
  {
    name: "fd-leak-no-limit",
    description: "api leaks file descriptors (limit not declared) until EMFILE; web fails behind it",
    topology: CHAIN,
    seed: 16,
    inject: (w) => fdLeak(w, "api", { durationMs: 6 * 60_000, limit: 4096 }),
    expected: { root: "service:api", cause: "fds" },
  },
  {
    name: "hang-sigstop",
    description: "db is stopped (SIGSTOP, state T); probes time out; the dependents' faster probes notice first",
    topology: CHAIN,
    seed: 17,
    world: { probeIntervalMs: slowProbe("db", ["api", "web"]) },
    inject: (w) => hang(w, "db", { stopped: true }),
    expected: { root: "service:db", cause: "hang" },
  },
  {
    name: "hang-deadlock",
    description: "cart deadlocks: alive, CPU at zero, only its probes time out",
    topology: SHOP,
    seed: 18,
    inject: (w) => hang(w, "cart", { stopped: false }),
    expected: { root: "service:cart", cause: "hang" },
  },
  {
    name: "crash-loop-catalog",
    description: "catalog exits 4 times within a minute, restarted each time with a growing delay",
    topology: SHOP,
    seed: 19,
    inject: (w) => crashLoop(w, "catalog", { exits: 4 }),
    expected: { root: "service:catalog", cause: "restarting" },
  },
  {
    name: "crash-loop-db-chain",
    description: "db crash-loops (3 exits); api and web fail behind it",
    topology: CHAIN,
    seed: 20,
    inject: (w) => crashLoop(w, "db", { exits: 3 }),
    expected: { root: "service:db", cause: "restarting" },
  },
  {
    name: "node-down-chain",
    description: "node-b dies with db on it; api and web on node-a fail (before the dead verdict, which takes 8 s)",
    topology: CHAIN,
    seed: 21,
    inject: (w) => nodeDown(w, "node-b", { detectMs: 8000 }),
    expected: { root: "node:node-b", cause: "node-down" },
  },
  {
    name: "node-down-shop",
    description: "node-c (db and redis) dies; every other service fails behind it",
    topology: SHOP,
    seed: 22,
    inject: (w) => nodeDown(w, "node-c", { detectMs: 6000 }),
    expected: { root: "node:node-c", cause: "node-down" },
  },
  {
    name: "network-errors-db",
    description: "node-b's NIC starts dropping frames (errors surge); db's probes time out; api and web follow",
    topology: CHAIN,
    seed: 23,
    inject: (w) => networkErrors(w, "db", { errorsPerSecond: 150, delayMs: 15_000 }),
    expected: { root: "service:db", cause: "network" },
  },
  {
    name: "cycle-users-crash",
    description: "users crashes; auth (which users also calls: a cycle) fails, and gateway behind auth",
    topology: CYCLE,
    seed: 24,
    inject: (w) => crash(w, "users", { code: 1 }),
    expected: { root: "service:users", cause: "crash" },
  },
  {
    name: "cycle-userdb-disk",
    description: "userdb's disk fills; users, auth (cycle with users) and gateway fail behind it",
    topology: CYCLE,
    seed: 25,
    inject: (w) => diskFill(w, "userdb", { durationMs: 8 * 60_000, outcome: "errors" }),
    expected: { root: "service:userdb", cause: "disk" },
  },
  {
    name: "two-independent-faults",
    description: "redis crashes, and 40 s later payments (which does not need redis) pegs a core: two roots",
    topology: SHOP,
    seed: 26,
    inject: (w) => {
      const first = crash(w, "redis", { code: 1 });
      w.later(40_000, () => cpuBurn(w, "payments", { delayMs: 10_000 }));
      return first;
    },
    expected: { root: "service:redis", cause: "crash", alsoIndependent: ["service:payments"] },
  },
  {
    name: "memory-leak-slow-3h",
    description: "db has leaked slowly for 3 hours (longer than the history looked at) into its 2 GB limit; probes time out",
    topology: CHAIN,
    seed: 27,
    world: { limits: { db: { memoryBytes: 2 * GB } } },
    inject: (w) => memoryLeak(w, "db", { durationMs: 3 * 3_600_000, limitBytes: 2 * GB, outcome: "timeouts" }),
    expected: { root: "service:db", cause: "memory" },
  },
  {
    name: "victim-exits-too",
    description: "db crashes; 4 s later api exits too (it gives up without its database); web fails behind api",
    topology: CHAIN,
    seed: 28,
    inject: (w) => {
      const at = crash(w, "db", { code: 1 });
      w.fail(serviceId("api"), [w.evidence("process-exited", "process exited (exit code 1)", at + 4000)]);
      return at;
    },
    expected: { root: "service:db", cause: "crash" },
  },
  {
    name: "gray-failure-slow-db",
    description: "db's CPU saturates; its own probe still passes (slowly), but api's queries time out and api and web fail",
    topology: CHAIN,
    seed: 29,
    inject: (w) => {
      const l = { service: "db", node: "node-b" };
      const noise = w.noisy(0.99, 0.01);
      w.modify("service_cpu_usage_ratio", l, (prev) => (t) => (t < w.faultAt ? prev(t) : Math.min(1, noise(t)!)));
      w.note(serviceId("db"), w.evidence("probe-slow", "probe took 870ms", w.faultAt + 20_000));
      const at = w.faultAt + 25_000;
      w.fail(serviceId("api"), [w.evidence("probe-timeout", "timed out after 500ms", w.firstProbeFailure("api", at))]);
      w.propagate(serviceId("api"), at);
      return at;
    },
    expected: { root: "service:db", cause: "cpu" },
    knownMiss:
      "a gray failure: db never fails its own probe, so the ranking only sees a slow-probe blip on a healthy db and names api; " +
      "telling it needs latency evidence from api's calls to db, which Vigil does not collect",
  },
  {
    name: "crash-beside-full-but-steady-disk",
    description: "api crashes on node-a, whose `/` has sat at 96% for hours (full, but normal for it)",
    topology: CHAIN,
    seed: 30,
    inject: (w) => {
      const ml = { node: "node-a", mountpoint: "/", device: "/dev/sda1", fstype: "ext4" };
      const noise = w.noisy(0.96, 0.0005);
      w.modify("node_filesystem_used_ratio", ml, () => (t) => noise(t));
      return crash(w, "api", { code: 1 });
    },
    expected: { root: "service:api", cause: "crash" },
  },
  {
    name: "fd-leak-on-busy-cpu",
    description: "payments' CPU sits at 90–100% of a core all day (normal for it); its fds leak into the 1024 limit",
    topology: SHOP,
    seed: 31,
    world: { limits: { payments: { fds: 1024 } } },
    inject: (w) => {
      const noise = w.noisy(0.95, 0.03);
      w.modify("service_cpu_usage_ratio", { service: "payments", node: "node-b" }, () => (t) => Math.min(1, noise(t)!));
      return fdLeak(w, "payments", { durationMs: 5 * 60_000, limit: 1024 });
    },
    expected: { root: "service:payments", cause: "fds" },
  },
];

/**
 * Builds every scenario (series included); deterministic. `variant` 0 is the set the tests
 * assert; other variants re-draw every random choice (base levels, noise, probe intervals,
 * delays) with other seeds, for the benchmark's robustness figures.
 */
export function buildFaultScenarios(variant = 0): FaultScenario[] {
  return RECIPES.map((r) => {
    const seed = r.seed + variant * 1000;
    const w = new ScenarioWorld({ topology: r.topology, seed, faultAt: T0 + r.seed * 3_600_000 + variant * 86_400_000, ...r.world });
    const onset = r.inject(w);
    // The incident is opened, and localized, a few seconds after the last failure was seen.
    const now = Math.max(onset, w.lastFirstSignal()) + 5000;
    return { name: r.name, description: r.description, input: w.input(now), now, expected: r.expected, ...(r.knownMiss && { knownMiss: r.knownMiss }) };
  });
}

export const SCENARIO_COUNT = RECIPES.length;
export { nodeId };
