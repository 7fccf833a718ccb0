// Chooses the probe kind a service's health check names. Adding a kind means adding a
// file beside this one and a line here.
import type { AgentService } from "../../protocol/messages.js";
import { ExecProbe } from "./exec.js";
import { HttpProbe } from "./http.js";
import type { Probe } from "./probe.js";
import { ProcessProbe } from "./process.js";
import { TcpProbe } from "./tcp.js";

export type { Probe, ProbeResult } from "./probe.js";

export type HealthCheck = NonNullable<AgentService["health"]>;

/** Throws when the check names no probe kind (the config schema requires exactly one). */
export function createProbe(health: HealthCheck, getPid: () => number | null): Probe {
  if (health.http !== undefined) return new HttpProbe(health.http, health.expectBody);
  if (health.tcp !== undefined) return new TcpProbe(health.tcp);
  if (health.exec !== undefined) return new ExecProbe(health.exec);
  if (health.process === true) return new ProcessProbe(getPid);
  throw new Error("health check names no probe: expected one of http, tcp, exec or process");
}
