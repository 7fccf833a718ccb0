// What the server knows of every fault injection, folded from journal events (pure): the
// request (`chaos.requested`, journalled by the server) and the agent's reports
// (`chaos.injected`, `chaos.reverted`, `chaos.failed`). Rebuilt from the journal after a
// server restart.
import type { FaultKind, TargetKind } from "./faults/fault.js";

export type InjectionState = "pending" | "active" | "reverted" | "failed";

export interface Injection {
  id: string;
  fault: FaultKind;
  target: string;
  targetKind: TargetKind;
  node: string;
  durationMs: number;
  options: Record<string, unknown>;
  state: InjectionState;
  requestedAt: number;
  injectedAt: number | null;
  /** When the agent will revert it by itself. */
  endsAt: number | null;
  revertedAt: number | null;
  /** duration | stopped | ended | agent-stop | agent-restart */
  revertReason: string | null;
  /** What the agent did (on inject: its record; on revert: what it undid). */
  detail: string | null;
  record: Record<string, unknown> | null;
  error: string | null;
}

export interface ChaosEvent {
  kind: string;
  ts: number;
  node?: string | null;
  data: Record<string, unknown>;
}

export const CHAOS_EVENT_KINDS = ["chaos.requested", "chaos.injected", "chaos.reverted", "chaos.failed"] as const;

export class ChaosLedger {
  private readonly injections = new Map<string, Injection>();

  /** Applies one journal event; returns the injection it changed, if any. */
  apply(e: ChaosEvent): Injection | null {
    const id = typeof e.data.id === "string" ? e.data.id : null;
    if (id === null) return null;
    if (e.kind === "chaos.requested") {
      const d = e.data;
      const injection: Injection = {
        id,
        fault: d.fault as FaultKind,
        target: String(d.target),
        targetKind: d.targetKind === "node" ? "node" : "service",
        node: e.node ?? String(d.node ?? ""),
        durationMs: Number(d.durationMs),
        options: (d.options as Record<string, unknown>) ?? {},
        state: "pending",
        requestedAt: e.ts,
        injectedAt: null,
        endsAt: null,
        revertedAt: null,
        revertReason: null,
        detail: null,
        record: null,
        error: null,
      };
      this.injections.set(id, injection);
      return injection;
    }
    const i = this.injections.get(id);
    if (!i) return null;
    if (e.kind === "chaos.injected" && i.state === "pending") {
      i.state = "active";
      i.injectedAt = e.ts;
      i.endsAt = typeof e.data.endsAt === "number" ? e.data.endsAt : e.ts + i.durationMs;
      i.record = (e.data.record as Record<string, unknown>) ?? null;
    } else if (e.kind === "chaos.reverted" && (i.state === "active" || i.state === "pending")) {
      if (i.state === "pending" && e.data.reason === "stopped" && i.injectedAt === null) return null; // a stop that raced the start
      i.state = "reverted";
      i.revertedAt = e.ts;
      i.revertReason = typeof e.data.reason === "string" ? e.data.reason : null;
      i.detail = typeof e.data.detail === "string" ? e.data.detail : null;
    } else if (e.kind === "chaos.failed" && (i.state === "pending" || i.state === "active")) {
      // (active: a fault announced before it was applied — a partition — that then failed)
      i.state = "failed";
      i.error = typeof e.data.error === "string" ? e.data.error : "failed";
    } else {
      return null;
    }
    return i;
  }

  get(id: string): Injection | undefined {
    return this.injections.get(id);
  }

  /** Newest first. */
  list(filter: { states?: readonly InjectionState[] } = {}): Injection[] {
    return [...this.injections.values()].filter((i) => !filter.states || filter.states.includes(i.state)).sort((a, b) => b.requestedAt - a.requestedAt);
  }
}
