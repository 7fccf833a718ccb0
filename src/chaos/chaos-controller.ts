// The server's side of chaos: checks a fault request against the cluster, journals it
// (`chaos.requested`), sends it to the agent of the target's node (`chaos.start`), and waits
// for the agent's report; stops faults (`chaos.stop`). The ledger follows the journal, so
// `GET /api/v1/chaos` shows what agents did, also after a server restart.
import { randomBytes } from "node:crypto";
import { PROTOCOL_VERSION, type ChaosStartMessage, type ChaosStopMessage } from "../protocol/messages.js";
import type { Journal } from "../storage/journal.js";
import type { Clock } from "../util/clock.js";
import { parseChaosRequest, type ChaosCluster } from "./chaos-request.js";
import { CHAOS_EVENT_KINDS, ChaosLedger, type Injection } from "./chaos-ledger.js";

export interface ChaosControllerOptions {
  clock: Clock;
  journal: Journal;
  cluster: () => ChaosCluster;
  /** Sends to the node's agent; false when it is not connected. */
  send(node: string, message: ChaosStartMessage | ChaosStopMessage): boolean;
  /** How long start and stop wait for the agent's report (default 15 s). */
  answerTimeoutMs?: number;
}

/** Why a request could not be carried out, with the HTTP status that says so. */
export class ChaosRefusal extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    message: string,
    readonly injection?: Injection,
  ) {
    super(message);
  }
}

/** Journal history read back on start: injections older than this are not listed. */
const HISTORY_MS = 7 * 86_400_000;

export class ChaosController {
  private readonly ledger = new ChaosLedger();
  private readonly waiters = new Map<string, Array<(i: Injection) => void>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly o: ChaosControllerOptions) {
    this.unsubscribe = o.journal.subscribe((e) => {
      if (!(CHAOS_EVENT_KINDS as readonly string[]).includes(e.kind)) return;
      const changed = this.ledger.apply(e);
      if (!changed) return;
      for (const wake of this.waiters.get(changed.id) ?? []) wake(changed);
    });
  }

  async load(): Promise<void> {
    const events = await this.o.journal.list({ kinds: [...CHAOS_EVENT_KINDS], since: this.o.clock.now() - HISTORY_MS, limit: 100_000 });
    for (const e of events.sort((a, b) => a.id - b.id)) this.ledger.apply(e);
  }

  stop(): void {
    this.unsubscribe();
  }

  list(filter: { active?: boolean } = {}): Injection[] {
    return this.ledger.list(filter.active ? { states: ["pending", "active"] } : {});
  }

  get(id: string): Injection | undefined {
    return this.ledger.get(id);
  }

  /** Validates (ChaosSpecError), sends, and resolves with the injection once the agent answered (or still pending after the timeout). */
  async start(body: unknown): Promise<Injection> {
    const plan = parseChaosRequest(body, this.o.cluster());
    const id = `c-${randomBytes(4).toString("hex")}`;
    const message: ChaosStartMessage = {
      type: "chaos.start",
      v: PROTOCOL_VERSION,
      injection: { id, fault: plan.fault, target: plan.target, durationMs: plan.durationMs, options: plan.options },
    };
    const answered = this.answer(id, (i) => i.state !== "pending");
    await this.o.journal.record("chaos.requested", {
      node: plan.node,
      ...(plan.target.kind === "service" && { service: plan.target.name }),
      data: { id, fault: plan.fault, target: plan.target.name, targetKind: plan.target.kind, node: plan.node, durationMs: plan.durationMs, options: plan.options },
    });
    if (!this.o.send(plan.node, message)) {
      await this.o.journal.record("chaos.failed", { node: plan.node, data: { id, fault: plan.fault, error: `the agent of ${plan.node} is not connected` } });
      throw new ChaosRefusal(409, `the agent of ${plan.node} is not connected: the fault was not injected`, this.ledger.get(id));
    }
    const injection = await answered;
    if (injection.state === "failed") throw new ChaosRefusal(422, `${plan.node} could not inject ${plan.fault} on ${plan.target.name}: ${injection.error}`, injection);
    return injection;
  }

  /** Asks the agent to revert; resolves with the injection once reverted (or as it stands after the timeout). */
  async stopInjection(id: string): Promise<Injection> {
    const injection = this.ledger.get(id);
    if (!injection) throw new ChaosRefusal(404, `no fault injection "${id}"`);
    if (injection.state === "reverted" || injection.state === "failed") return injection;
    const answered = this.answer(id, (i) => i.state === "reverted" || i.state === "failed");
    if (!this.o.send(injection.node, { type: "chaos.stop", v: PROTOCOL_VERSION, id })) {
      const when = injection.endsAt !== null ? ` at ${new Date(injection.endsAt).toISOString()}` : "";
      throw new ChaosRefusal(409, `the agent of ${injection.node} is not connected: the fault reverts by itself${when}`, injection);
    }
    return answered;
  }

  private answer(id: string, done: (i: Injection) => boolean): Promise<Injection> {
    const timeoutMs = this.o.answerTimeoutMs ?? 15_000;
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      const finish = (i: Injection): void => {
        timer.cancel();
        this.waiters.set(id, (this.waiters.get(id) ?? []).filter((w) => w !== wake));
        if (this.waiters.get(id)?.length === 0) this.waiters.delete(id);
        resolve({ ...i });
      };
      const wake = (i: Injection): void => {
        if (done(i)) finish(i);
      };
      const timer = this.o.clock.setTimeout(() => {
        const current = this.ledger.get(id);
        if (current) finish(current);
      }, timeoutMs);
      list.push(wake);
      this.waiters.set(id, list);
    });
  }
}
