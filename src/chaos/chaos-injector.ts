// The agent's side of chaos: applies the faults the server sends (chaos.start), reverts each
// after its duration, when stopped (chaos.stop), when it ends by itself, or when the agent
// stops, and reports every step as an event (chaos.injected / chaos.reverted / chaos.failed).
// Active faults are persisted in <agent data>/chaos-active.json, so an agent killed
// mid-fault undoes on its next start what outlived it: a stopped process is continued, a
// filler file removed, stressors killed, a partition rule deleted. (What lived inside the
// old agent process — proxy modes, the crash-loop counter — died with it.)
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ChaosStartMessage } from "../protocol/messages.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import type { FaultContext, FaultTarget, Injected, AnyFault } from "./faults/fault.js";
import { faultOf } from "./faults/index.js";

export type ChaosEventKind = "chaos.injected" | "chaos.reverted" | "chaos.failed";
export type RevertReason = "duration" | "stopped" | "ended" | "agent-stop" | "agent-restart";

export interface ChaosInjectorOptions {
  dataDir: string;
  clock: Clock;
  logger: Logger;
  context: FaultContext;
  report(kind: ChaosEventKind, service: string | undefined, data: Record<string, unknown>): void;
}

interface ActiveInjection {
  id: string;
  fault: AnyFault;
  target: FaultTarget;
  injected: Injected;
  endsAt: number;
  timer: TimerHandle;
}

interface PersistedInjection {
  id: string;
  fault: string;
  target: FaultTarget;
  endsAt: number;
  record: Record<string, unknown>;
}

/** A fault that cuts the agent off is applied this long after its injected event was sent. */
const ANNOUNCE_MS = 300;

export class ChaosInjector {
  private readonly active = new Map<string, ActiveInjection>();
  /** Ids being applied, so a re-sent start does not apply a fault twice. */
  private readonly starting = new Set<string>();
  private readonly file: string;

  constructor(private readonly o: ChaosInjectorOptions) {
    this.file = join(o.dataDir, "chaos-active.json");
  }

  /** On agent start: undoes what faults of a previous agent process left behind. */
  async revertLeftovers(): Promise<void> {
    let left: PersistedInjection[] = [];
    try {
      left = JSON.parse(readFileSync(this.file, "utf8")) as PersistedInjection[];
    } catch {
      return; // none, or unreadable: nothing to undo we could know of
    }
    for (const p of left) {
      let detail = "nothing was left";
      try {
        const fault = faultOf(p.fault);
        if (fault.cleanup) detail = await fault.cleanup(p.record);
      } catch (err) {
        detail = `cleanup failed: ${(err as Error).message}`;
      }
      this.o.logger.warn({ id: p.id, fault: p.fault, detail }, "chaos: reverted a fault left by the previous agent process");
      this.o.report("chaos.reverted", serviceOf(p.target), { id: p.id, fault: p.fault, target: p.target.name, targetKind: p.target.kind, reason: "agent-restart", detail });
    }
    this.persist();
  }

  list(): Array<{ id: string; fault: string; target: FaultTarget; endsAt: number }> {
    return [...this.active.values()].map((a) => ({ id: a.id, fault: a.fault.kind, target: a.target, endsAt: a.endsAt }));
  }

  async start(m: ChaosStartMessage["injection"]): Promise<void> {
    if (this.active.has(m.id) || this.starting.has(m.id)) return;
    const target = m.target;
    const base = { id: m.id, fault: m.fault, target: target.name, targetKind: target.kind };
    let fault: AnyFault;
    let options: unknown;
    try {
      fault = faultOf(m.fault);
      if (!fault.targets.includes(target.kind)) throw new Error(`fault "${fault.kind}" does not act on a ${target.kind}`);
      options = fault.parse(m.options);
      const unavailable = fault.unavailable?.();
      if (unavailable) throw new Error(unavailable);
    } catch (err) {
      this.o.report("chaos.failed", serviceOf(target), { ...base, error: (err as Error).message });
      return;
    }
    this.starting.add(m.id);
    const startedAt = this.o.clock.now();
    const endsAt = startedAt + m.durationMs;
    const injectedData = (record: Record<string, unknown>) => ({ ...base, durationMs: m.durationMs, endsAt, options: m.options, record });
    try {
      if (fault.cutsAgentOff) {
        // Said before it is done: once applied, nothing reaches the server until it is undone.
        this.o.report("chaos.injected", serviceOf(target), injectedData({ announced: true }));
        await new Promise((r) => this.o.clock.setTimeout(() => r(undefined), ANNOUNCE_MS));
      }
      const injected = await fault.inject(this.o.context, target, options);
      const timer = this.o.clock.setTimeout(() => void this.revert(m.id, "duration"), m.durationMs);
      this.active.set(m.id, { id: m.id, fault, target, injected, endsAt, timer });
      this.persist();
      if (!fault.cutsAgentOff) this.o.report("chaos.injected", serviceOf(target), injectedData(injected.record));
      this.o.logger.info({ ...base, durationMs: m.durationMs }, "chaos: fault injected");
      void injected.ended?.then((detail) => this.revert(m.id, "ended", detail));
    } catch (err) {
      this.o.report("chaos.failed", serviceOf(target), { ...base, error: (err as Error).message });
      this.o.logger.warn({ ...base, err }, "chaos: fault could not be injected");
    } finally {
      this.starting.delete(m.id);
    }
  }

  /** Reverts one active fault; an id not active is answered as already reverted. */
  async stop(id: string): Promise<void> {
    if (this.active.has(id)) return this.revert(id, "stopped");
    this.o.report("chaos.reverted", undefined, { id, reason: "stopped", detail: "not active on this agent (already reverted)" });
  }

  /** Agent shutdown: every fault is undone before the agent goes. */
  async revertAll(): Promise<void> {
    for (const id of [...this.active.keys()]) await this.revert(id, "agent-stop");
  }

  private async revert(id: string, reason: RevertReason, why?: string): Promise<void> {
    const a = this.active.get(id);
    if (!a) return;
    this.active.delete(id);
    a.timer.cancel();
    let detail: string;
    try {
      detail = await a.injected.revert();
      if (why) detail = `${why}; ${detail}`;
    } catch (err) {
      detail = `revert failed: ${(err as Error).message}`;
    }
    this.persist();
    this.o.logger.info({ id, fault: a.fault.kind, reason, detail }, "chaos: fault reverted");
    this.o.report("chaos.reverted", serviceOf(a.target), { id, fault: a.fault.kind, target: a.target.name, targetKind: a.target.kind, reason, detail });
  }

  private persist(): void {
    const list: PersistedInjection[] = [...this.active.values()].map((a) => ({ id: a.id, fault: a.fault.kind, target: a.target, endsAt: a.endsAt, record: a.injected.record }));
    const tmp = `${this.file}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(list));
      renameSync(tmp, this.file);
    } catch (err) {
      this.o.logger.error({ err, file: this.file }, "chaos: cannot persist the active faults");
    }
  }
}

function serviceOf(target: FaultTarget): string | undefined {
  return target.kind === "service" ? target.name : undefined;
}
