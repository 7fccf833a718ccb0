// The recovery orchestrator on a manual clock, with real SQLite storage, journal and
// incident manager: a playbook's attempts, verification, backoff and limits, escalation,
// level-triggered skipping of actions, history across restarts, and cancellation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { configSchema, type PlaybookConfig } from "../../src/config/schema.js";
import { IncidentManager } from "../../src/incident/incident-manager.js";
import type { Cause, RecoveryAction } from "../../src/config/schema.js";
import {
  RecoveryOrchestrator,
  type ActionOutcome,
  type ServiceHealthView,
} from "../../src/recover/orchestrator.js";
import { Journal } from "../../src/storage/journal.js";
import { openSqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import type { IncidentRecord, ServiceHealth, Storage } from "../../src/storage/storage.js";
import { ManualClock, type TimerHandle } from "../../src/util/clock.js";
import { silentLogger } from "../../src/util/logger.js";

const START = 1_000_000;
const HEALTHY_FOR = 2_000;
const WITHIN = 5_000;
const BACKOFF = 10_000;

/** restart → verify (2 s healthy within 5 s) → escalate; 3 attempts per 10 min, backoff 10 s, 20 s … */
function playbook(steps: unknown[] = ["restart", { verify: { healthyFor: "2s", within: "5s" } }, "escalate"]): PlaybookConfig {
  return configSchema.parse({
    playbooks: { p: { steps, limits: { attempts: 3, within: "10m", backoff: { initial: "10s", max: "1m" } } } },
  }).playbooks["p"]!;
}

/** Lets the orchestrator's pending promise chains run to completion (storage is synchronous). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A ManualClock that moves from timer to timer, settling promises at each, as the event
 * loop would: what a timer wakes up runs at the timer's time, before later timers fire.
 */
class SteppingClock extends ManualClock {
  private dues = new Map<object, number>();

  override setTimeout(fn: () => void, ms: number): TimerHandle {
    const key = {};
    const handle = super.setTimeout(() => {
      this.dues.delete(key);
      fn();
    }, ms);
    this.dues.set(key, this.now() + Math.max(0, ms));
    return {
      cancel: () => {
        this.dues.delete(key);
        handle.cancel();
      },
    };
  }

  async stepTo(ts: number): Promise<void> {
    await settle();
    for (;;) {
      const next = Math.min(...this.dues.values());
      if (next > ts) break;
      this.set(next);
      await settle();
    }
    this.set(ts);
    await settle();
  }
}

interface SetupOptions {
  pauseReason?: () => string | null;
  cause?: () => Cause;
  mode?: "act" | "dry-run";
  maxConcurrentActions?: number;
  /** Reuse this storage (a server restart). */
  storage?: Storage;
  playbook?: PlaybookConfig | null;
  attemptHistory?: Map<string, number[]>;
  initialHealth?: ServiceHealth;
}

async function setup(o: SetupOptions = {}) {
  const clock = new SteppingClock(START);
  const storage = o.storage ?? openSqliteStorage(":memory:");
  const journal = new Journal(storage, clock);
  const incidents = new IncidentManager(storage, journal, clock);
  const health = new Map<string, ServiceHealthView>([["api", { health: o.initialHealth ?? "unhealthy", since: START - 1_000 }]]);
  const actions: Array<{ service: string; action: RecoveryAction; reason: string; at: number; actionId: string; command?: string }> = [];
  const alerts: Array<{ incidentId: number; active: boolean; reason: string; at: number }> = [];
  let outcome: ActionOutcome | (() => Promise<ActionOutcome>) = { ok: true };
  const orchestrator = new RecoveryOrchestrator({
    clock,
    journal,
    incidents,
    logger: silentLogger(),
    playbookFor: () => (o.playbook === undefined ? playbook() : o.playbook),
    healthOf: (service) => health.get(service) ?? { health: "unknown", since: clock.now() },
    // Stands in for the agent over the network: records what was sent and answers with
    // the outcome the test chose.
    sendAction: async (service, action, reason, options) => {
      actions.push({ service, action, reason, at: clock.now(), actionId: options.actionId, ...(options.command && { command: options.command }) });
      return typeof outcome === "function" ? outcome() : outcome;
    },
    escalationAlert: async (incident, active, reason) => {
      alerts.push({ incidentId: incident.id, active, reason, at: clock.now() });
    },
    ...(o.attemptHistory && { attemptHistory: o.attemptHistory }),
    ...(o.pauseReason && { pauseReason: o.pauseReason }),
    ...(o.cause && { causeOf: o.cause }),
    ...(o.mode && { modeOf: () => o.mode! }),
    ...(o.maxConcurrentActions && { maxConcurrentActions: o.maxConcurrentActions }),
    // As an incident's owner would: a verified run resolves it (the server's reconciler also
    // waits for the incident's other members).
    onRunEnded: (incident, _service, verifiedSince) => {
      if (verifiedSince !== null) void incidents.resolve(incident, verifiedSince, "recovery verified");
    },
  });
  await incidents.load();
  const { incident } = await incidents.report({
    key: "service:api",
    kind: "service",
    target: "api",
    node: "node-a",
    title: "api on node-a is unhealthy",
    firstSignalAt: START - 1_000,
    signal: { source: "probe" },
  });

  return {
    clock,
    storage,
    incidents,
    orchestrator,
    incident,
    actions,
    alerts,
    health,
    setOutcome(next: typeof outcome) {
      outcome = next;
    },
    /** The registry's view changes (as the server does it): new health since now, then a wake-up. */
    async setHealth(h: ServiceHealth) {
      health.set("api", { health: h, since: clock.now() });
      orchestrator.healthChanged("api");
      await settle();
    },
    /** Moves the clock to `ts`, letting everything due on the way happen at its time. */
    advanceTo: (ts: number) => clock.stepTo(ts),
    async kinds(): Promise<string[]> {
      return (await storage.listEvents({ incidentId: incident.id })).map((e) => e.kind);
    },
    async events(kind: string) {
      return storage.listEvents({ incidentId: incident.id, kinds: [kind] });
    },
    async stored(): Promise<IncidentRecord> {
      return (await storage.getIncident(incident.id))!;
    },
    /** The server stops (its storage stays, for a second harness to reopen). */
    async crash() {
      orchestrator.stop();
      await settle();
    },
    async close() {
      orchestrator.stop();
      await settle();
      await storage.close();
    },
  };
}

type Harness = Awaited<ReturnType<typeof setup>>;

async function withHarness(o: SetupOptions, body: (h: Harness) => Promise<void>): Promise<void> {
  const h = await setup(o);
  try {
    await body(h);
  } finally {
    await h.close();
  }
}

test("unhealthy → restart at once → healthy for healthyFor → verified and resolved at the healthy time", () =>
  withHarness({}, async (h) => {
    assert.equal(h.orchestrator.begin(h.incident), true);
    await h.advanceTo(START);
    assert.deepEqual(h.actions.map((a) => [a.action, a.at]), [["restart", START]]);
    assert.match(h.actions[0]!.reason, /incident \d+: api on node-a is unhealthy/);
    assert.equal((await h.stored()).state, "verifying");

    await h.advanceTo(START + 1_000);
    await h.setHealth("healthy");
    await h.advanceTo(START + 1_000 + HEALTHY_FOR - 1);
    assert.equal((await h.stored()).state, "verifying", "not verified before healthyFor has passed");

    await h.advanceTo(START + 1_000 + HEALTHY_FOR);
    const incident = await h.stored();
    assert.equal(incident.state, "resolved");
    assert.equal(incident.recoveredAt, START + 1_000);
    assert.equal(incident.resolvedAt, START + 1_000 + HEALTHY_FOR);
    assert.deepEqual(await h.kinds(), [
      "signal",
      "incident.opened",
      "recovery.attempt",
      "action.started",
      "action.succeeded",
      "recovery.verified",
      "incident.resolved",
    ]);
    assert.deepEqual((await h.events("recovery.verified"))[0]!.data, { step: 1, healthySince: START + 1_000 });
    assert.deepEqual((await h.events("recovery.attempt"))[0]!.data, { attempt: 1, limit: 3, cause: "unknown" });
    assert.equal(h.orchestrator.isRunning(h.incident.id), false);
    assert.equal(h.clock.pendingTimers(), 0);
    assert.deepEqual(h.alerts, []);
  }));

test("verification that never passes: attempts after 1× and 2× backoff, then escalation", () =>
  withHarness({}, async (h) => {
    h.orchestrator.begin(h.incident);
    await h.advanceTo(START);
    assert.equal(h.actions.length, 1);

    // Attempt 1 fails at its verify deadline; attempt 2 waits the backoff from attempt 1.
    await h.advanceTo(START + WITHIN);
    const failed = await h.events("recovery.failed");
    assert.deepEqual(failed.map((e) => e.data), [{ attempt: 1, reason: "not healthy within 5000ms" }]);
    const backoff1 = await h.events("recovery.backoff");
    assert.deepEqual(backoff1.map((e) => e.data), [{ until: START + BACKOFF, backoffMs: BACKOFF }]);
    await h.advanceTo(START + BACKOFF - 1);
    assert.equal(h.actions.length, 1);
    await h.advanceTo(START + BACKOFF);
    assert.deepEqual(h.actions.map((a) => a.at), [START, START + BACKOFF]);

    // Attempt 3 waits twice the backoff from attempt 2.
    await h.advanceTo(START + BACKOFF + WITHIN);
    const backoff2 = (await h.events("recovery.backoff"))[1];
    assert.deepEqual(backoff2?.data, { until: START + 3 * BACKOFF, backoffMs: 2 * BACKOFF });
    await h.advanceTo(START + 3 * BACKOFF - 1);
    assert.equal(h.actions.length, 2);
    await h.advanceTo(START + 3 * BACKOFF);
    assert.deepEqual(h.actions.map((a) => a.at), [START, START + BACKOFF, START + 3 * BACKOFF]);

    // Attempt 3 fails: the limit is reached, the incident escalates.
    await h.advanceTo(START + 3 * BACKOFF + WITHIN);
    const incident = await h.stored();
    assert.equal(incident.state, "escalated");
    assert.equal(incident.escalatedAt, START + 3 * BACKOFF + WITHIN);
    const escalated = await h.events("escalated");
    assert.equal(escalated.length, 1);
    assert.match(String(escalated[0]!.data.reason), /3 recovery attempts within 600s \(limit 3\)/);
    assert.equal(h.alerts.length, 1);
    assert.equal(h.alerts[0]!.active, true);
    assert.equal(h.alerts[0]!.incidentId, h.incident.id);
    assert.equal(h.orchestrator.isRunning(h.incident.id), false);

    // Nothing more happens, whatever the service does.
    await h.advanceTo(START + 3_600_000);
    await h.setHealth("unknown");
    await h.setHealth("unhealthy");
    assert.equal(h.actions.length, 3);
    const kinds = await h.kinds();
    assert.deepEqual(kinds.filter((k) => k === "recovery.attempt").length, 3);
    assert.equal(kinds.at(-1), "escalated");
  }));

test("a failed action fails the attempt, which is retried after the backoff", () =>
  withHarness({}, async (h) => {
    h.setOutcome({ ok: false, error: "node node-a is not connected" });
    h.orchestrator.begin(h.incident);
    await h.advanceTo(START);
    const actionFailed = await h.events("action.failed");
    assert.equal(actionFailed.length, 1);
    assert.equal(actionFailed[0]!.data.error, "node node-a is not connected");
    assert.deepEqual((await h.events("recovery.failed"))[0]!.data, {
      attempt: 1,
      reason: "restart failed: node node-a is not connected",
    });
    assert.equal((await h.events("recovery.verified")).length, 0, "a failed action is not verified");

    // The next attempt waits the backoff; this time the action works and the service heals.
    h.setOutcome({ ok: true });
    await h.advanceTo(START + BACKOFF - 1);
    assert.equal(h.actions.length, 1);
    await h.advanceTo(START + BACKOFF);
    assert.equal(h.actions.length, 2);
    await h.setHealth("healthy");
    await h.advanceTo(START + BACKOFF + HEALTHY_FOR);
    assert.equal((await h.stored()).state, "resolved");
    assert.deepEqual((await h.events("recovery.attempt")).map((e) => e.data.attempt), [1, 2]);
  }));

test("a service healthy again when an attempt starts gets no action, only verification", () =>
  withHarness({}, async (h) => {
    h.orchestrator.begin(h.incident);
    await h.advanceTo(START + WITHIN); // attempt 1 fails verification; backoff until START + 10 s
    assert.equal(h.actions.length, 1);
    await h.advanceTo(START + 7_000);
    await h.setHealth("healthy"); // recovers on its own during the backoff

    await h.advanceTo(START + BACKOFF);
    assert.equal(h.actions.length, 1, "no action for a healthy service");
    assert.equal((await h.events("recovery.attempt")).length, 2);
    // The streak counts from the verify step's start, so it is verified healthyFor later.
    await h.advanceTo(START + BACKOFF + HEALTHY_FOR - 1);
    assert.equal((await h.stored()).state, "verifying");
    await h.advanceTo(START + BACKOFF + HEALTHY_FOR);
    const incident = await h.stored();
    assert.equal(incident.state, "resolved");
    assert.equal(incident.recoveredAt, START + BACKOFF, "the start of the verified healthy period");
    const kinds = await h.kinds();
    assert.deepEqual(kinds.slice(kinds.lastIndexOf("recovery.attempt")), ["recovery.attempt", "recovery.verified", "incident.resolved"]);
  }));

test("attempts from before a restart count against the limits", async () => {
  // Two attempts already made (journalled before the restart): the third waits 2× backoff
  // from the latest, and after it the limit is reached.
  await withHarness({ attemptHistory: new Map([["api", [START - 30_000, START - 5_000]]]) }, async (h) => {
    h.orchestrator.begin(h.incident);
    await h.advanceTo(START);
    assert.equal(h.actions.length, 0);
    assert.deepEqual((await h.events("recovery.backoff"))[0]!.data, { until: START + 15_000, backoffMs: 2 * BACKOFF });
    await h.advanceTo(START + 15_000);
    assert.deepEqual(h.actions.map((a) => a.at), [START + 15_000]);
    assert.deepEqual((await h.events("recovery.attempt"))[0]!.data, { attempt: 3, limit: 3, cause: "unknown" });
    await h.advanceTo(START + 15_000 + WITHIN);
    assert.equal((await h.stored()).state, "escalated");
    assert.equal(h.actions.length, 1);
  });

  // The limit already reached: escalated at once, nothing sent.
  await withHarness({ attemptHistory: new Map([["api", [START - 30_000, START - 20_000, START - 10_000]]]) }, async (h) => {
    h.orchestrator.begin(h.incident);
    await h.advanceTo(START);
    assert.equal(h.actions.length, 0);
    assert.equal((await h.stored()).state, "escalated");
    assert.deepEqual(h.alerts.map((a) => a.active), [true]);
    assert.equal((await h.events("recovery.attempt")).length, 0);
  });
});

test("stop() cancels a run waiting out its backoff: no more actions, no timer left", () =>
  withHarness({}, async (h) => {
    h.orchestrator.begin(h.incident);
    await h.advanceTo(START + WITHIN); // waiting for the backoff now
    assert.equal(h.actions.length, 1);
    h.orchestrator.stop();
    await h.advanceTo(START + WITHIN);
    // A timer left behind would keep a real server's process alive for the backoff.
    assert.equal(h.clock.pendingTimers(), 0);
    assert.equal(h.orchestrator.isRunning(h.incident.id), false);
    await h.advanceTo(START + 600_000);
    assert.equal(h.actions.length, 1);
    assert.notEqual((await h.stored()).state, "escalated", "stopping is not giving up");
  }));

test("stop() cancels a run during verification", () =>
  withHarness({}, async (h) => {
    h.orchestrator.begin(h.incident);
    await h.advanceTo(START + 1_000);
    h.orchestrator.stop();
    await h.advanceTo(START + 1_000);
    assert.equal(h.clock.pendingTimers(), 0);
    await h.setHealth("healthy");
    await h.advanceTo(START + 60_000);
    assert.equal((await h.stored()).state, "verifying", "left for the next server run to pick up");
    assert.equal((await h.events("recovery.verified")).length, 0);
  }));

test("a service without a playbook (recovery: none) gets no recovery", () =>
  withHarness({ playbook: null }, async (h) => {
    assert.equal(h.orchestrator.begin(h.incident), false);
    await h.advanceTo(START + 600_000);
    assert.equal(h.orchestrator.isRunning(h.incident.id), false);
    assert.deepEqual(h.actions, []);
    assert.deepEqual(await h.kinds(), ["signal", "incident.opened"]);
    assert.equal((await h.stored()).state, "open");
  }));

test("node incidents and incidents already running are not begun", () =>
  withHarness({}, async (h) => {
    assert.equal(h.orchestrator.begin({ ...h.incident, id: h.incident.id + 100, kind: "node", target: "node-a" }), false);
    assert.equal(h.orchestrator.begin(h.incident), true);
    assert.equal(h.orchestrator.begin(h.incident), false);
    await h.advanceTo(START);
    assert.equal(h.actions.length, 1);
  }));

test("while health is unknown (node not connected) the run waits and sends nothing", () =>
  withHarness({ initialHealth: "unknown" }, async (h) => {
    h.orchestrator.begin(h.incident);
    await h.advanceTo(START + 120_000);
    assert.equal(h.actions.length, 0);
    assert.equal((await h.events("recovery.attempt")).length, 0);
    assert.equal(h.orchestrator.isRunning(h.incident.id), true);

    await h.setHealth("unhealthy"); // the node is back and the service still down
    assert.deepEqual(h.actions.map((a) => [a.action, a.at]), [["restart", START + 120_000]]);
  }));

test("the escalation tail's actions run once the limits are reached, journalled like the attempt's", () =>
  withHarness(
    { playbook: playbook(["restart", { verify: { healthyFor: "2s", within: "5s" } }, "stop", "escalate"]) },
    async (h) => {
      h.orchestrator.begin(h.incident);
      await h.advanceTo(START + 3 * BACKOFF + WITHIN);
      assert.deepEqual(h.actions.map((a) => a.action), ["restart", "restart", "restart", "stop"]);
      assert.equal((await h.stored()).state, "escalated");
      const started = await h.events("action.started");
      assert.deepEqual(started.map((e) => [e.data.action, e.node, e.service]), [
        ["restart", "node-a", "api"],
        ["restart", "node-a", "api"],
        ["restart", "node-a", "api"],
        ["stop", "node-a", "api"],
      ]);
    },
  ));

test("an action that throws escalates the incident instead of crashing", () =>
  withHarness({}, async (h) => {
    h.setOutcome(() => Promise.reject(new Error("socket hang up")));
    h.orchestrator.begin(h.incident);
    await h.advanceTo(START);
    const incident = await h.stored();
    assert.equal(incident.state, "escalated");
    assert.match(String((await h.events("escalated"))[0]!.data.reason), /recovery error: socket hang up/);
    assert.equal(h.orchestrator.isRunning(h.incident.id), false);
  }));

test("while recovery is paused (maintenance, freeze) no action is sent; it resumes when the pause ends", async () => {
  let paused: string | null = "maintenance window weekly-patching";
  await withHarness({ pauseReason: () => paused }, async (h) => {
    h.orchestrator.begin(h.incident);
    await h.advanceTo(START + 30_000);
    assert.equal(h.actions.length, 0, "nothing is done during the pause");
    assert.deepEqual((await h.events("recovery.paused"))[0]!.data, { reason: "maintenance window weekly-patching" });

    paused = null;
    h.orchestrator.pauseChanged();
    await h.advanceTo(START + 30_000);
    assert.deepEqual(h.actions.map((a) => [a.action, a.at]), [["restart", START + 30_000]]);
    const kinds = await h.kinds();
    assert.ok(kinds.indexOf("recovery.unpaused") < kinds.indexOf("action.started"), kinds.join(", "));
  });
});

test("a paused run notices the end of the pause within a second even without pauseChanged()", async () => {
  let paused: string | null = "control plane isolated: recovery frozen";
  await withHarness({ pauseReason: () => paused }, async (h) => {
    h.orchestrator.begin(h.incident);
    await h.advanceTo(START + 5_000);
    paused = null;
    await h.advanceTo(START + 6_000);
    assert.equal(h.actions.length, 1);
    assert.ok(h.actions[0]!.at > START + 5_000 && h.actions[0]!.at <= START + 6_000);
  });
});

// ---- causes, dry-run, approvals, the action limit, resuming after a restart ----

const GUARDED = [
  { do: "kill", when: { cause: "hang" } },
  { verify: { healthyFor: "2s", within: "5s" } },
  "restart",
  { verify: { healthyFor: "2s", within: "5s" } },
  "escalate",
];

test("a step guarded by a cause runs only for that cause: hang → kill, crash → restart", async () => {
  for (const [cause, expected] of [["hang", "kill"], ["crash", "restart"]] as const) {
    await withHarness({ playbook: playbook(GUARDED), cause: () => cause }, async (h) => {
      h.orchestrator.begin(h.incident);
      await h.advanceTo(START);
      assert.deepEqual(h.actions.map((a) => a.action), [expected], cause);
      assert.equal((await h.events("recovery.attempt"))[0]!.data.cause, cause);
    });
  }
});

test("a failed verification runs the next step of the same attempt", () =>
  withHarness({ playbook: playbook(GUARDED), cause: () => "hang" }, async (h) => {
    h.orchestrator.begin(h.incident);
    await h.advanceTo(START + WITHIN);
    assert.deepEqual(h.actions.map((a) => [a.action, a.at]), [["kill", START], ["restart", START + WITHIN]]);
    assert.deepEqual((await h.events("recovery.unverified")).map((e) => e.data.step), [1]);
    assert.equal((await h.events("recovery.attempt")).length, 1, "still the first attempt");
  }));

test("a failed action goes on to the next step without verifying it", () =>
  withHarness({ playbook: playbook(GUARDED), cause: () => "hang" }, async (h) => {
    let calls = 0;
    h.setOutcome(async () => (++calls === 1 ? { ok: false, error: "process not found" } : { ok: true }));
    h.orchestrator.begin(h.incident);
    await h.advanceTo(START);
    assert.deepEqual(h.actions.map((a) => [a.action, a.at]), [["kill", START], ["restart", START]]);
    assert.deepEqual(await h.events("recovery.unverified"), []);
  }));

test("when no step applies to the cause, the run waits without counting attempts, and acts once the cause changes", async () => {
  let cause: Cause = "node-down";
  await withHarness({ playbook: playbook(["restart"].map(() => ({ do: "restart", when: { cause: ["crash", "hang"] } }))), cause: () => cause }, async (h) => {
    h.orchestrator.begin(h.incident);
    await h.advanceTo(START + 60_000);
    assert.equal(h.actions.length, 0);
    assert.match(String((await h.events("recovery.waiting"))[0]!.data.reason), /no step of the playbook applies to cause node-down/);
    cause = "crash";
    h.orchestrator.pauseChanged();
    await h.advanceTo(START + 60_000 + BACKOFF);
    assert.deepEqual(h.actions.map((a) => a.action), ["restart"]);
  });
});

test("dry-run journals the plan for the cause and acts on nothing", () =>
  withHarness({ playbook: playbook(GUARDED), cause: () => "crash", mode: "dry-run" }, async (h) => {
    assert.equal(h.orchestrator.begin(h.incident), true);
    await h.advanceTo(START + 600_000);
    assert.deepEqual(h.actions, []);
    const [plan] = await h.events("recovery.plan");
    assert.equal(plan!.data.mode, "dry-run");
    assert.equal(plan!.data.cause, "crash");
    const steps = plan!.data.attempt as Array<Record<string, unknown>>;
    assert.match(String(steps[0]!.skipped), /only for cause hang/);
    assert.equal(steps[2]!.skipped, null);
    assert.deepEqual((await h.events("action.planned")).map((e) => e.data.action), ["restart"]);
    assert.equal((await h.stored()).state, "open");
  }));

test("a step with approve waits for the operator's approval, journalled with who approved", () =>
  withHarness({ playbook: playbook([{ do: "restart", approve: true }]) }, async (h) => {
    h.orchestrator.begin(h.incident);
    await h.advanceTo(START + 60_000);
    assert.equal(h.actions.length, 0, "nothing before approval");
    assert.equal(h.orchestrator.waitingForApproval(h.incident.id), true);
    assert.deepEqual((await h.events("approval.requested"))[0]!.data, { step: 0, action: "restart" });
    assert.equal(await h.orchestrator.approve(h.incident.id, "alice"), true);
    await h.advanceTo(START + 60_000);
    assert.deepEqual(h.actions.map((a) => a.at), [START + 60_000]);
    assert.deepEqual((await h.events("approval.granted"))[0]!.data, { step: 0, by: "alice" });
    assert.equal(await h.orchestrator.approve(h.incident.id, "bob"), false, "nothing waits any more");
  }));

test("at most maxConcurrentActions actions are in flight; the others queue in order", () =>
  withHarness({ maxConcurrentActions: 1 }, async (h) => {
    const releases: Array<() => void> = [];
    h.setOutcome(() => new Promise<ActionOutcome>((resolve) => releases.push(() => resolve({ ok: true }))));
    const second = await h.incidents.report({ key: "service:web", kind: "service", target: "web", node: "node-a", title: "web down", firstSignalAt: START, signal: {} });
    h.health.set("web", { health: "unhealthy", since: START });
    h.orchestrator.begin(h.incident);
    h.orchestrator.begin(second.incident);
    await h.advanceTo(START);
    assert.equal(h.actions.length, 1, "the second waits for a slot");
    const queued = await h.storage.listEvents({ kinds: ["recovery.queued"] });
    assert.equal(queued.length, 1);
    releases.shift()!();
    await h.advanceTo(START + 1);
    assert.equal(h.actions.length, 2);
    releases.shift()!();
  }));

test("a server restart in the middle of a playbook resumes it: the unfinished action is re-sent with the same id, no new attempt", async () => {
  const storage = openSqliteStorage(":memory:");
  const first = await setup({ storage });
  first.setOutcome(() => new Promise<ActionOutcome>(() => {})); // the result never arrives: the server dies first
  first.orchestrator.begin(first.incident);
  await first.advanceTo(START);
  assert.equal(first.actions.length, 1);
  await first.crash();

  const second = await setup({ storage });
  assert.equal(second.incident.id, first.incident.id, "the same open incident");
  assert.deepEqual(await second.orchestrator.resume(second.incident), ["api"]);
  await second.advanceTo(START);
  assert.deepEqual(second.actions.map((a) => a.actionId), [first.actions[0]!.actionId], "re-sent with the same id");
  await second.setHealth("healthy");
  await second.advanceTo(START + HEALTHY_FOR);
  assert.equal((await second.stored()).state, "resolved");
  const kinds = await second.kinds();
  assert.equal(kinds.filter((k) => k === "recovery.attempt").length, 1, kinds.join(", "));
  assert.ok(kinds.includes("recovery.resumed"));
  await second.close();
});

test("a restart after the action succeeded resumes at its verification without acting again", async () => {
  const storage = openSqliteStorage(":memory:");
  const first = await setup({ storage });
  first.orchestrator.begin(first.incident);
  await first.advanceTo(START);
  assert.equal(first.actions.length, 1);
  await first.crash();

  const second = await setup({ storage });
  await second.orchestrator.resume(second.incident);
  await second.advanceTo(START + 1_000);
  await second.setHealth("healthy");
  await second.advanceTo(START + 1_000 + HEALTHY_FOR);
  assert.deepEqual(second.actions, [], "no second restart");
  assert.equal((await second.stored()).state, "resolved");
  await second.close();
});
