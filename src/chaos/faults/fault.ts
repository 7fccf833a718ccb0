// What a fault is: one file per kind in this folder, each a plain object with a pure
// option parser (run by the server before sending and by the agent on receipt) and the
// imperative inject/revert that the agent of the target's node runs. Every fault is
// reversible; `cleanup` undoes what a persisted record says is left after an agent restart.
import type { AgentService } from "../../protocol/messages.js";
import type { Clock } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";
import type { RawOptions } from "../fault-options.js";
import type { ServiceProxies } from "../proxy/service-proxies.js";

export const faultKinds = ["kill", "hang", "crash-loop", "cpu", "memory", "disk", "fd", "latency", "drop", "partition"] as const;
export type FaultKind = (typeof faultKinds)[number];

export type TargetKind = "service" | "node";

export interface FaultTarget {
  kind: TargetKind;
  name: string;
}

/** What the fault may touch on the agent: the supervisor's processes, proxies, the data dir. */
export interface FaultContext {
  clock: Clock;
  logger: Logger;
  dataDir: string;
  services(): ReadonlyMap<string, AgentService>;
  pidOf(service: string): number | null;
  /** The next `starts` starts of the service exit at once (0 ends it). */
  failNextStarts(service: string, starts: number): void;
  /** Processes whose CPU, memory and fds count as the service's (a stressor in its container). */
  attachHelper(service: string, pid: number): void;
  detachHelper(service: string, pid: number): void;
  proxies: ServiceProxies;
}

/** A fault in effect: what it did (journalled) and how to undo it. */
export interface Injected {
  /** JSON: what cleanup() needs after an agent restart, and what the journal shows. */
  record: Record<string, unknown>;
  /** Undoes the fault; resolves with what was done ("continued pid 123", "removed 80MB"). */
  revert(): Promise<string>;
  /** Resolves when the fault ended by itself (the target died, the filler reached its cap, ...). */
  ended?: Promise<string>;
}

export interface Fault<O> {
  kind: FaultKind;
  summary: string;
  targets: readonly TargetKind[];
  /** Option names, for errors and the CLI's help. */
  options: readonly string[];
  /** Pure: typed options, or a ChaosSpecError naming the option. */
  parse(raw: RawOptions): O;
  /** Refuses (throws with the reason) what cannot be done here, before anything is touched. */
  inject(ctx: FaultContext, target: FaultTarget, options: O): Promise<Injected>;
  /** After an agent restart: undo what `record` says may be left (idempotent, best effort). */
  cleanup?(record: Record<string, unknown>): Promise<string>;
  /** The fault cuts the agent off: its injected event is sent first, then the fault applied. */
  cutsAgentOff?: boolean;
  /** Why the fault cannot be applied on this agent at all (checked before anything is announced), or null. */
  unavailable?(): string | null;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFault = Fault<any>;
