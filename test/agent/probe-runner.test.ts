import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { ProbeRunner, type ProbeTransition } from "../../src/agent/probe-runner.js";
import type { Probe, ProbeResult } from "../../src/agent/probes/probe.js";
import { TcpProbe } from "../../src/agent/probes/tcp.js";
import { ManualClock, systemClock } from "../../src/util/clock.js";
import { waitFor } from "./process-helpers.js";

/** A probe whose checks take `durationMs` of manual-clock time and return scripted verdicts. */
class ScriptedProbe implements Probe {
  readonly kind = "scripted";
  readonly starts: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
  durationMs = 10;

  constructor(
    private readonly clock: ManualClock,
    private readonly verdicts: boolean[],
  ) {}

  check(): Promise<ProbeResult> {
    this.starts.push(this.clock.now());
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const ok = this.verdicts[this.starts.length - 1] ?? true;
    return new Promise((resolve) =>
      this.clock.setTimeout(() => {
        this.inFlight--;
        resolve({ ok, latencyMs: this.durationMs, detail: ok ? "fine" : "broken" });
      }, this.durationMs),
    );
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Advances the manual clock in 5 ms steps, letting promise callbacks run in between. */
async function advance(clock: ManualClock, ms: number): Promise<void> {
  for (let moved = 0; moved < ms; moved += 5) {
    clock.advance(Math.min(5, ms - moved));
    await flush();
  }
}

function setup(verdicts: boolean[], options: { interval?: number; failures?: number; successes?: number; startPeriod?: number } = {}) {
  const clock = new ManualClock(0);
  const probe = new ScriptedProbe(clock, verdicts);
  const results: Array<{ ok: boolean; ts: number }> = [];
  const transitions: ProbeTransition[] = [];
  const runner = new ProbeRunner({
    service: "api",
    probe,
    interval: options.interval ?? 100,
    timeout: 50,
    failures: options.failures ?? 2,
    successes: options.successes ?? 1,
    startPeriod: options.startPeriod ?? 0,
    clock,
    onResult: (service, result, ts) => {
      assert.equal(service, "api");
      results.push({ ok: result.ok, ts });
    },
    onTransition: (t) => transitions.push(t),
  });
  return { clock, probe, results, transitions, runner };
}

test("checks start every interval, measured from the previous start", async () => {
  const { clock, probe, runner } = setup([]);
  runner.start();
  await advance(clock, 420);
  runner.stop();
  assert.deepEqual(probe.starts, [0, 100, 200, 300, 400]);
});

test("a check that runs past the interval is followed at once, never overlapped", async () => {
  const { clock, probe, runner } = setup([]);
  probe.durationMs = 250;
  runner.start();
  await advance(clock, 800);
  runner.stop();
  assert.deepEqual(probe.starts, [0, 250, 500, 750]);
  assert.equal(probe.maxInFlight, 1);
});

test("transitions carry the decision time and the start of the deciding streak", async () => {
  const { clock, results, transitions, runner } = setup([true, false, false, false, true]);
  runner.start();
  await advance(clock, 480);
  assert.deepEqual(
    results.map((r) => [r.ok, r.ts]),
    [[true, 0], [false, 100], [false, 200], [false, 300], [true, 400]],
  );
  assert.deepEqual(transitions, [
    { service: "api", health: "healthy", ts: 10, since: 0, detail: "fine" },
    { service: "api", health: "unhealthy", ts: 210, since: 100, detail: "broken" },
    { service: "api", health: "healthy", ts: 410, since: 400, detail: "fine" },
  ]);
  assert.deepEqual(runner.snapshot(), { health: "healthy", since: 400 });
  runner.stop();
});

test("in the start period checks run every 50 ms and failures do not count; the first success ends it", async () => {
  // A slow start: four failures inside the 350 ms start period, then healthy.
  const slow = setup([false, false, false, false, true, false, false], { startPeriod: 350 });
  slow.runner.start();
  await advance(slow.clock, 480);
  assert.deepEqual(slow.results.map((r) => r.ts).slice(0, 6), [0, 50, 100, 150, 200, 300], "fast checks until the first success, then the interval");
  // After the first success the grace is over: failures count at once.
  assert.deepEqual(slow.transitions.map((t) => [t.health, t.since]), [["healthy", 200], ["unhealthy", 300]]);
  slow.runner.stop();

  // A service that never comes up is unhealthy once the period has passed.
  const dead = setup(Array(10).fill(false), { startPeriod: 150 });
  dead.runner.start();
  await advance(dead.clock, 480);
  assert.deepEqual(dead.transitions.map((t) => [t.health, t.since]), [["unhealthy", 150]]);
  dead.runner.stop();
});

test("reset() (a restarted process) checks at once and opens a new start period", async () => {
  const restarted = setup([true, false, false, false, false, false, false, false, false], { startPeriod: 250 });
  restarted.runner.start();
  await advance(restarted.clock, 50);
  restarted.runner.reset();
  await advance(restarted.clock, 400);
  assert.deepEqual(restarted.results.map((r) => r.ts).slice(0, 4), [0, 50, 100, 150], "the new process is checked at once");
  assert.deepEqual(restarted.transitions.map((t) => [t.health, t.since]), [["healthy", 0], ["unhealthy", 300]], "failures before 300 are forgiven");
  restarted.runner.stop();
});

test("stop ends the schedule and discards the verdict of a check in flight", async () => {
  const { clock, probe, results, runner } = setup([false, false, false]);
  runner.start();
  await advance(clock, 5); // first check in flight
  runner.stop();
  await advance(clock, 500);
  assert.equal(probe.starts.length, 1);
  assert.deepEqual(results, []);
  assert.equal(clock.pendingTimers(), 0);
  runner.start();
  await advance(clock, 20);
  assert.equal(probe.starts.length, 2, "start() after stop() resumes");
  runner.stop();
});

test("reset returns to unknown and ignores the check that observed the old process", async () => {
  const { clock, transitions, runner } = setup([false, false, false, true], { failures: 2, successes: 3 });
  runner.start();
  await advance(clock, 150);
  assert.equal(transitions.at(-1)?.health, "unhealthy");
  await advance(clock, 55); // third check (a failure) is in flight at 205
  runner.reset();
  assert.equal(runner.snapshot().health, "unknown");
  await advance(clock, 200);
  // The in-flight failure did not count; the success at 300 heals at once from unknown.
  assert.equal(runner.snapshot().health, "healthy");
  assert.deepEqual(transitions.at(-1), { service: "api", health: "healthy", ts: 310, since: 300, detail: "fine" });
  runner.stop();
});

test("a probe that throws counts as a failure and the schedule goes on", async () => {
  const clock = new ManualClock(0);
  let calls = 0;
  const results: ProbeResult[] = [];
  const runner = new ProbeRunner({
    service: "db",
    probe: {
      kind: "broken",
      check: async () => {
        calls++;
        throw new Error("boom");
      },
    },
    interval: 100,
    timeout: 50,
    failures: 1,
    successes: 1,
    clock,
    onResult: (_service, result) => results.push(result),
  });
  runner.start();
  await advance(clock, 250);
  runner.stop();
  assert.equal(calls, 3);
  assert.equal(results[0]?.detail, "probe broken threw: boom");
  assert.equal(runner.snapshot().health, "unhealthy");
});

test("bad intervals are refused with a clear error", () => {
  const probe: Probe = { kind: "x", check: async () => ({ ok: true, latencyMs: 0, detail: "" }) };
  const base = { service: "a", probe, timeout: 10, failures: 1, successes: 1, clock: new ManualClock(0) };
  assert.throws(() => new ProbeRunner({ ...base, interval: 0 }), /probe interval must be > 0 ms, got 0/);
});

test("real time: a 100 ms interval against a real TCP server sees it healthy, then unhealthy when it closes", async () => {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const starts: number[] = [];
  const transitions: ProbeTransition[] = [];
  const runner = new ProbeRunner({
    service: "db",
    probe: new TcpProbe(`127.0.0.1:${port}`),
    interval: 100,
    timeout: 300,
    failures: 2,
    successes: 1,
    clock: systemClock,
    onResult: (_service, _result, ts) => starts.push(ts),
    onTransition: (t) => transitions.push(t),
  });
  try {
    runner.start();
    await waitFor(() => starts.length >= 5, 3000, "five checks");
    assert.equal(transitions[0]?.health, "healthy");
    const gaps = starts.slice(1).map((ts, i) => ts - starts[i]!);
    assert.ok(gaps.every((gap) => gap >= 95 && gap < 1000), `gaps between check starts: ${gaps.join(", ")}`);
    const closedAt = Date.now();
    await new Promise((resolve) => server.close(resolve));
    for (const socket of sockets) socket.destroy();
    await waitFor(() => transitions.some((t) => t.health === "unhealthy"), 3000, "the unhealthy transition");
    const unhealthy = transitions.find((t) => t.health === "unhealthy")!;
    assert.ok(unhealthy.since >= closedAt - 5 && unhealthy.since <= unhealthy.ts, JSON.stringify(unhealthy));
    assert.match(unhealthy.detail, /ECONNREFUSED/);
  } finally {
    runner.stop();
    server.close();
  }
});
