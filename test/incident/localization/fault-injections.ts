// Faults as they look to Vigil: each changes the simulated series the way the real fault
// would (a leak climbs, a disk fills, a burn pegs a core), then makes the victim fail with
// the evidence its agent would report, and spreads the failure to its dependents. Each
// returns the root's first signal.
import { nodeId, serviceId, type ComponentId } from "../../../src/incident/localization/component.js";
import { GB, MB, type ScenarioWorld } from "./scenario-world.js";

const labelsOf = (w: ScenarioWorld, service: string) => ({ service, node: w.nodeOf(service) });

/** A ramp from 0 at `from` to 1 at `to` (clamped). */
const ramp = (t: number, from: number, to: number) => Math.min(1, Math.max(0, (t - from) / (to - from)));

export interface LeakOptions {
  /** How long the leak takes to bring RSS to the end fraction of the limit. */
  durationMs: number;
  /** The limit the leak runs into: a declared one, or the node's memory. */
  limitBytes: number;
  /** RSS at the onset as a fraction of the limit (default 0.98). */
  endFraction?: number;
  /** "oom": killed by SIGKILL at the onset; "timeouts": GC thrash, probes time out. */
  outcome: "oom" | "timeouts";
}

/** A memory leak: RSS climbs linearly to near the limit, the node's used memory with it; the last 2 minutes also burn CPU in GC. */
export function memoryLeak(w: ScenarioWorld, service: string, o: LeakOptions): number {
  const l = labelsOf(w, service);
  const node = w.nodeOf(service);
  const start = w.faultAt;
  const onset = start + o.durationMs;
  const base = w.base.get(service)!.rss;
  const growth = (o.endFraction ?? 0.98) * o.limitBytes - base;
  w.modify("service_memory_rss_bytes", l, (prev) => (t) => {
    const v = prev(t);
    return v === null ? null : v + growth * ramp(t, start, onset);
  });
  const nodeMemory = w.nodeMemory.get(node)!;
  w.modify("node_memory_used_ratio", { node }, (prev) => (t) => {
    const v = prev(t);
    return v === null ? null : Math.min(0.995, v + (growth / nodeMemory) * ramp(t, start, onset));
  });
  w.modify("service_cpu_usage_ratio", l, (prev) => (t) => {
    const v = prev(t);
    return v === null ? null : v + 0.7 * ramp(t, onset - 120_000, onset - 20_000);
  });
  if (o.outcome === "oom") {
    w.processGone(service, onset, onset + 2000);
    w.fail(serviceId(service), [
      w.evidence("process-exited", "process exited (killed by SIGKILL)", onset),
      w.evidence("process-started", "process started", onset + 1500),
      w.evidence("probe-refused", "connect ECONNREFUSED 127.0.0.1:8080", w.firstProbeFailure(service, onset)),
    ]);
  } else {
    w.fail(serviceId(service), [w.evidence("probe-timeout", "timed out after 500ms", w.firstProbeFailure(service, onset))]);
  }
  w.propagate(serviceId(service), onset);
  return onset;
}

/** A disk filling: `/data` on the node climbs to full; the service writing there then fails (errors, or exits on ENOSPC). */
export function diskFill(w: ScenarioWorld, service: string, o: { durationMs: number; outcome: "errors" | "exit" }): number {
  const node = w.nodeOf(service);
  const start = w.faultAt;
  const onset = start + o.durationMs;
  const ml = { node, mountpoint: "/data", device: "/dev/sdb1", fstype: "ext4" };
  let before: number | null = null;
  w.modify("node_filesystem_used_ratio", ml, (prev) => (t) => {
    const v = prev(t);
    if (v === null) return null;
    if (t <= start) before = v;
    return Math.min(1, v + (1 - (before ?? v)) * ramp(t, start, onset));
  });
  const evidence =
    o.outcome === "exit"
      ? [w.evidence("process-exited", "process exited (exit code 1)", onset), w.evidence("probe-refused", "connect ECONNREFUSED 127.0.0.1:5432", w.firstProbeFailure(service, onset))]
      : [w.evidence("probe-error", "HTTP 500", w.firstProbeFailure(service, onset))];
  if (o.outcome === "exit") w.processGone(service, onset, onset + 1500);
  w.fail(serviceId(service), evidence);
  w.propagate(serviceId(service), onset);
  return Math.min(...evidence.map((e) => e.at));
}

/** A CPU burn in the service's own process (a hot loop on one core): probes time out after a while. */
export function cpuBurn(w: ScenarioWorld, service: string, o: { delayMs: number }): number {
  const l = labelsOf(w, service);
  const node = w.nodeOf(service);
  const start = w.faultAt;
  const cores = w.nodeCores.get(node)!;
  const noise = w.noisy(1, 0.01);
  w.modify("service_cpu_usage_ratio", l, (prev) => (t) => {
    const v = prev(t);
    return v === null ? null : t < start ? v : Math.min(1, 0.985 * noise(t)!);
  });
  w.modify("node_cpu_usage_ratio", { node }, (prev) => (t) => {
    const v = prev(t);
    return v === null ? null : t < start ? v : Math.min(1, v + 1 / cores);
  });
  const onset = w.firstProbeFailure(service, start + o.delayMs);
  w.fail(serviceId(service), [w.evidence("probe-timeout", "timed out after 500ms", onset)]);
  w.propagate(serviceId(service), onset);
  return onset;
}

/** Something outside the services (a runaway batch job) saturates every core of the node; the service starves. */
export function nodeCpuStarvation(w: ScenarioWorld, service: string, o: { delayMs: number }): number {
  const node = w.nodeOf(service);
  const start = w.faultAt;
  const noise = w.noisy(0.99, 0.005);
  w.modify("node_cpu_usage_ratio", { node }, (prev) => (t) => {
    const v = prev(t);
    return v === null ? null : t < start ? v : Math.min(1, noise(t)!);
  });
  const onset = w.firstProbeFailure(service, start + o.delayMs);
  w.fail(serviceId(service), [w.evidence("probe-timeout", "timed out after 300ms", onset)]);
  w.propagate(serviceId(service), onset);
  return onset;
}

/** A file-descriptor leak: open fds climb to the open-files limit, then accept() fails with EMFILE. */
export function fdLeak(w: ScenarioWorld, service: string, o: { durationMs: number; limit: number }): number {
  const l = labelsOf(w, service);
  const start = w.faultAt;
  const onset = start + o.durationMs;
  const base = w.base.get(service)!.fds;
  w.modify("service_open_fds", l, (prev) => (t) => {
    const v = prev(t);
    return v === null ? null : Math.min(o.limit, Math.round(v + (o.limit - base) * ramp(t, start, onset)));
  });
  const first = w.firstProbeFailure(service, onset);
  w.fail(serviceId(service), [w.evidence("probe-error", "socket hang up (accept: EMFILE, too many open files)", first)]);
  w.propagate(serviceId(service), onset);
  return first;
}

/** A crash: the process exits, the supervisor starts a new one that is not ready yet. */
export function crash(w: ScenarioWorld, service: string, o: { code?: number; signal?: string } = {}): number {
  const at = w.faultAt;
  w.processGone(service, at, at + 2000);
  const how = o.signal ? `killed by ${o.signal}` : `exit code ${o.code ?? 1}`;
  w.fail(serviceId(service), [
    w.evidence("process-exited", `process exited (${how})`, at),
    w.evidence("process-started", "process started", at + 1000),
    w.evidence("probe-refused", "connect ECONNREFUSED 127.0.0.1:8080", w.firstProbeFailure(service, at)),
  ]);
  w.propagate(serviceId(service), at);
  return at;
}

/** A crash loop: the process exits again a few seconds after every restart. */
export function crashLoop(w: ScenarioWorld, service: string, o: { exits: number }): number {
  let t = w.faultAt;
  const evidence = [];
  for (let i = 0; i < o.exits; i++) {
    evidence.push(w.evidence("process-exited", "process exited (exit code 2)", t));
    w.processGone(service, t, t + 1000 * 2 ** i);
    t += 1000 * 2 ** i;
    evidence.push(w.evidence("process-started", "process started", t));
    t += Math.round(w.uniform(2000, 6000));
  }
  evidence.push(w.evidence("probe-refused", "connect ECONNREFUSED 127.0.0.1:8080", w.firstProbeFailure(service, w.faultAt)));
  w.fail(serviceId(service), evidence);
  w.propagate(serviceId(service), w.faultAt);
  return w.faultAt;
}

/** A hang: SIGSTOP (state T, the process probe sees it) or a deadlock (only the probes time out). CPU falls to nothing. */
export function hang(w: ScenarioWorld, service: string, o: { stopped: boolean }): number {
  const l = labelsOf(w, service);
  const at = w.faultAt;
  w.modify("service_cpu_usage_ratio", l, (prev) => (t) => {
    const v = prev(t);
    return v === null ? null : t < at ? v : 0;
  });
  const first = w.firstProbeFailure(service, at);
  const evidence = [w.evidence("probe-timeout", "timed out after 500ms", first)];
  if (o.stopped) evidence.push(w.evidence("process-stopped", "process stopped (pid 4242, state T)", first + Math.round(w.uniform(0, 1000))));
  w.fail(serviceId(service), evidence);
  w.propagate(serviceId(service), at);
  return first;
}

/**
 * A node dies: its series stop, the failure detector confirms it dead after a few seconds of
 * silence and probes, its services become unknown, and services elsewhere that need them fail
 * (often before the verdict: their probes run every second or two).
 */
export function nodeDown(w: ScenarioWorld, node: string, o: { detectMs: number }): number {
  const at = w.faultAt;
  w.nodeSilent(node, at);
  const verdict = at + o.detectMs;
  w.fail(nodeId(node), [w.evidence("node-down", `node ${node} is down: no heartbeat for ${Math.round(o.detectMs / 1000)} s, direct probe failed, 2 of 2 peers could not reach it`, verdict)], at + Math.round(o.detectMs * 0.4));
  const hosted = new Set<ComponentId>(w.graph.dependentsOf(nodeId(node)));
  for (const s of hosted) w.setStatus(s, "unknown");
  for (const s of hosted) w.propagate(s, at, hosted);
  return verdict;
}

/** A failing NIC (or a flapping link) on the node: interface errors surge, the service's probes time out. */
export function networkErrors(w: ScenarioWorld, service: string, o: { errorsPerSecond: number; delayMs: number }): number {
  const node = w.nodeOf(service);
  const start = w.faultAt;
  const noise = w.noisy(o.errorsPerSecond, 0.3, 0);
  for (const metric of ["node_network_receive_errors_per_second", "node_network_transmit_errors_per_second"]) {
    w.modify(metric, { node, device: "eth0" }, (prev) => (t) => {
      const v = prev(t);
      return v === null ? null : t < start ? v : noise(t);
    });
  }
  w.modify("node_network_receive_bytes_per_second", { node, device: "eth0" }, (prev) => (t) => {
    const v = prev(t);
    return v === null ? null : t < start ? v : v * 0.6;
  });
  const onset = w.firstProbeFailure(service, start + o.delayMs);
  w.fail(serviceId(service), [w.evidence("probe-timeout", "timed out after 1000ms", onset)]);
  w.propagate(serviceId(service), onset);
  return onset;
}

export { GB, MB };
