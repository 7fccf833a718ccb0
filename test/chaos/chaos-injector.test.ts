// The agent's injector on a manual clock, with real processes and files: a fault is
// reverted when its duration passes, when stopped, and — from its persisted record — by the
// next agent process after a crash; every step is reported.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChaosInjector, type ChaosEventKind } from "../../src/chaos/chaos-injector.js";
import type { FaultContext } from "../../src/chaos/faults/fault.js";
import { ServiceProxies } from "../../src/chaos/proxy/service-proxies.js";
import type { AgentService } from "../../src/protocol/messages.js";
import { ManualClock } from "../../src/util/clock.js";
import { silentLogger } from "../../src/util/logger.js";

function processState(pid: number): string {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  return text.slice(text.lastIndexOf(")") + 2, text.lastIndexOf(")") + 3);
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function setup(dataDir: string, pids: Record<string, number>) {
  const clock = new ManualClock(1_000_000);
  const reports: Array<{ kind: ChaosEventKind; service: string | undefined; data: Record<string, unknown> }> = [];
  const services = new Map<string, AgentService>(Object.keys(pids).map((name) => [name, { name, run: { command: "sleep 60", env: {}, stopTimeout: 1000 } }]));
  const context: FaultContext = {
    clock,
    logger: silentLogger(),
    dataDir,
    services: () => services,
    pidOf: (s) => pids[s] ?? null,
    failNextStarts: () => undefined,
    attachHelper: () => undefined,
    detachHelper: () => undefined,
    proxies: new ServiceProxies(silentLogger()),
  };
  const injector = new ChaosInjector({ dataDir, clock, logger: silentLogger(), context, report: (kind, service, data) => reports.push({ kind, service, data }) });
  return { clock, reports, injector };
}

test("hang: SIGSTOP now, SIGCONT when the duration has passed on the clock", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-chaos-"));
  const sleeper = spawn("sleep", ["60"], { detached: true, stdio: "ignore" });
  t.after(() => {
    sleeper.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  await new Promise((r) => sleeper.once("spawn", r));
  const { clock, reports, injector } = setup(dir, { svc: sleeper.pid! });
  await injector.start({ id: "h1", fault: "hang", target: { kind: "service", name: "svc" }, durationMs: 30_000, options: {} });
  assert.equal(reports[0]?.kind, "chaos.injected");
  assert.equal(reports[0]?.service, "svc");
  await until(() => processState(sleeper.pid!) === "T", "the process to be stopped");
  clock.advance(29_999);
  assert.equal(processState(sleeper.pid!), "T", "still stopped before its time");
  clock.advance(1);
  await until(() => reports.some((r) => r.kind === "chaos.reverted"), "the revert report");
  assert.equal(processState(sleeper.pid!) === "T", false);
  const reverted = reports.find((r) => r.kind === "chaos.reverted")!;
  assert.equal(reverted.data.reason, "duration");
  assert.equal(reverted.data.detail, `continued pid ${sleeper.pid}`);
  assert.deepEqual(injector.list(), []);
});

test("disk: the filler grows on the clock's ticks and is removed when stopped", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-chaos-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { clock, reports, injector } = setup(dir, {});
  await injector.start({ id: "d1", fault: "disk", target: { kind: "node", name: "n" }, durationMs: 60_000, options: { path: dir, rate: "10MB/s", limit: "2MB" } });
  const filler = () => readdirSync(dir).find((f) => f.startsWith(".vigil-chaos-fill-"));
  assert.ok(filler(), "the filler file exists");
  for (let i = 0; i < 5; i++) {
    clock.advance(100);
    await new Promise((r) => setTimeout(r, 30));
  }
  await until(() => readFileSync(join(dir, filler()!)).length === 2_000_000, "the filler to reach its 2 MB cap");
  await injector.stop("d1");
  assert.equal(filler(), undefined, "the filler is removed");
  assert.match(String(reports.at(-1)!.data.detail), /^removed .* \(2000000 bytes\)$/);
  assert.equal(reports.at(-1)!.data.reason, "stopped");
});

test("after a crash, the next injector undoes what the persisted record names", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-chaos-"));
  const sleeper = spawn("sleep", ["60"], { detached: true, stdio: "ignore" });
  t.after(() => {
    sleeper.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  await new Promise((r) => sleeper.once("spawn", r));
  const first = setup(dir, { svc: sleeper.pid! });
  await first.injector.start({ id: "h2", fault: "hang", target: { kind: "service", name: "svc" }, durationMs: 600_000, options: {} });
  await first.injector.start({ id: "d2", fault: "disk", target: { kind: "node", name: "n" }, durationMs: 600_000, options: { path: dir, limit: "1MB" } });
  assert.ok(existsSync(join(dir, "chaos-active.json")));
  await until(() => processState(sleeper.pid!) === "T", "the process to be stopped");
  // The first agent "dies" here: nothing of it runs again. A new one starts on the same data dir.
  const second = setup(dir, {});
  await second.injector.revertLeftovers();
  assert.notEqual(processState(sleeper.pid!), "T");
  assert.equal(readdirSync(dir).filter((f) => f.startsWith(".vigil-chaos-fill-")).length, 0);
  assert.deepEqual(
    second.reports.map((r) => [r.kind, r.data.id, r.data.reason]),
    [
      ["chaos.reverted", "h2", "agent-restart"],
      ["chaos.reverted", "d2", "agent-restart"],
    ],
  );
  assert.equal(readFileSync(join(dir, "chaos-active.json"), "utf8"), "[]");
});

test("a fault the agent cannot apply is reported failed and changes nothing", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-chaos-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { reports, injector } = setup(dir, { down: null as unknown as number });
  await injector.start({ id: "k1", fault: "kill", target: { kind: "service", name: "down" }, durationMs: 1000, options: {} });
  await injector.start({ id: "l1", fault: "latency", target: { kind: "service", name: "down" }, durationMs: 1000, options: {} });
  await injector.start({ id: "x1", fault: "cpu", target: { kind: "service", name: "down" }, durationMs: 1000, options: { cores: "many" } });
  assert.deepEqual(
    reports.map((r) => [r.kind, r.data.error]),
    [
      ["chaos.failed", 'service "down" has no running process to act on'],
      ["chaos.failed", 'service "down" has no proxy on this agent: declare services[].proxy { listen, upstream } and point its dependents at listen'],
      ["chaos.failed", 'options.cores: expected a whole number from 1 to 256, got "many"'],
    ],
  );
  assert.deepEqual(injector.list(), []);
});
